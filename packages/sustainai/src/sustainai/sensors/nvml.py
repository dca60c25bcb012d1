"""NVIDIA GPU energy through NVML, read with the ``nvidia-ml-py`` package (``import pynvml``).

GPUs from the Volta generation onwards have a cumulative energy counter
(``nvmlDeviceGetTotalEnergyConsumption``, millijoules), which the sensor reads directly.
Older GPUs only report their current power draw (``nvmlDeviceGetPowerUsage``, milliwatts),
which the sensor integrates over time with the trapezoid rule at every sampling tick.
"""

from __future__ import annotations

import importlib
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from sustainai.errors import SensorError
from sustainai.sensors.base import EnergyResult, Sensor, SensorStatus

__all__ = ["NvmlSensor", "probe_nvml"]

logger = logging.getLogger(__name__)

_MILLIJOULES_PER_KWH = 3.6e9


def _import_pynvml() -> ModuleType:
    try:
        return importlib.import_module("pynvml")
    except ImportError as err:
        msg = (
            "nvidia-ml-py is not installed; install it with "
            "pip install 'sustainable-ai[nvml]' to read NVIDIA GPUs"
        )
        raise SensorError(msg) from err


def _check_driver(proc_driver: Path = Path("/proc/driver/nvidia")) -> None:
    """Fail fast on Linux machines without the NVIDIA kernel driver.

    Loading pynvml and letting ``nvmlInit`` search for the driver library takes tens of
    milliseconds, which would dominate the tracker's start-up on machines without a GPU.
    """
    if sys.platform.startswith("linux") and not proc_driver.exists():
        msg = f"no NVIDIA driver is loaded here ({proc_driver} does not exist)"
        raise SensorError(msg)


def _device_name(pynvml: ModuleType, handle: object) -> str:
    name = pynvml.nvmlDeviceGetName(handle)
    return name.decode() if isinstance(name, bytes) else str(name)


def _open_devices(pynvml: ModuleType) -> list[object]:
    """Initialise NVML and return one handle per GPU; the caller must call nvmlShutdown."""
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as err:
        msg = f"NVML initialisation failed ({err}): no NVIDIA driver is loaded here"
        raise SensorError(msg) from err
    try:
        count = pynvml.nvmlDeviceGetCount()
        handles = [pynvml.nvmlDeviceGetHandleByIndex(index) for index in range(count)]
    except pynvml.NVMLError as err:
        pynvml.nvmlShutdown()
        msg = f"NVML could not list the GPUs: {err}"
        raise SensorError(msg) from err
    if not handles:
        pynvml.nvmlShutdown()
        msg = "NVML found no NVIDIA GPU"
        raise SensorError(msg)
    return handles


def probe_nvml() -> SensorStatus:
    """Report whether NVML can read at least one NVIDIA GPU here, and why not."""
    try:
        _check_driver()
        pynvml = _import_pynvml()
        handles = _open_devices(pynvml)
    except SensorError as err:
        return SensorStatus("nvml", available=False, measured=True, reason=str(err))
    try:
        names = tuple(_device_name(pynvml, handle) for handle in handles)
    finally:
        pynvml.nvmlShutdown()
    return SensorStatus(
        "nvml", available=True, measured=True, reason=f"{len(names)} GPU(s)", devices=names
    )


def _with_failure(assumptions: dict[str, str], failure: str | None) -> dict[str, str]:
    if failure is not None:
        assumptions["last reading"] = f"failed, energy counted up to the reading before: {failure}"
    return assumptions


class NvmlSensor(Sensor):
    """Energy of every NVIDIA GPU visible to NVML.

    Args:
        clock: Monotonic clock in seconds; tests pass a fake one.
    """

    name = "nvml"

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._pynvml: ModuleType | None = None
        self._handles: list[object] = []
        self._uses_counter: list[bool] = []
        self._last_value: list[float] = []
        self._total_mj: list[float] = []
        self._names: list[str] = []
        self._start_s = 0.0
        self._last_s = 0.0
        self._samples = 0

    def _read(self, index: int) -> float:
        """Return the energy counter in mJ, or the power draw in mW for GPUs without one."""
        pynvml = self._pynvml
        handle = self._handles[index]
        try:
            if self._uses_counter[index]:
                return float(pynvml.nvmlDeviceGetTotalEnergyConsumption(handle))
            return float(pynvml.nvmlDeviceGetPowerUsage(handle))
        except pynvml.NVMLError as err:
            msg = f"NVML could not read GPU {index} ({self._names[index]}): {err}"
            raise SensorError(msg) from err

    def start(self) -> None:
        """Open every GPU and take the first reading."""
        _check_driver()
        self._pynvml = pynvml = _import_pynvml()
        self._handles = _open_devices(pynvml)
        self._names = [_device_name(pynvml, handle) for handle in self._handles]
        self._uses_counter = []
        for handle in self._handles:
            try:
                pynvml.nvmlDeviceGetTotalEnergyConsumption(handle)
                self._uses_counter.append(True)
            except pynvml.NVMLError:
                self._uses_counter.append(False)
        self._start_s = self._last_s = self._clock()
        self._last_value = [self._read(index) for index in range(len(self._handles))]
        self._total_mj = [0.0] * len(self._handles)
        self._samples = 1

    def sample(self) -> None:
        """Add the energy of every GPU since the previous reading."""
        now = self._clock()
        elapsed_s = now - self._last_s
        for index in range(len(self._handles)):
            value = self._read(index)
            if self._uses_counter[index]:
                self._total_mj[index] += max(0.0, value - self._last_value[index])
            else:
                # Power in mW times seconds gives mJ.
                self._total_mj[index] += (value + self._last_value[index]) / 2 * elapsed_s
            self._last_value[index] = value
        self._last_s = now
        self._samples += 1

    def stop(self) -> EnergyResult:
        """Take the last reading, shut NVML down and return the GPU energy.

        When the last reading fails, the energy up to the previous reading is returned and
        the failure is listed in the assumptions.
        """
        failure = None
        try:
            self.sample()
        except SensorError as err:
            failure = str(err)
        finally:
            self._pynvml.nvmlShutdown()
        counters = sum(self._uses_counter)
        if counters == len(self._handles):
            method = "NVML total energy counters"
        elif counters == 0:
            method = "NVML power draw integrated at every sampling tick"
        else:
            method = "NVML energy counters where supported, power draw integrated elsewhere"
        return EnergyResult(
            sensor=self.name,
            energy_method="nvml",
            measured=True,
            duration_s=self._last_s - self._start_s,
            gpu_energy_kwh=sum(self._total_mj) / _MILLIJOULES_PER_KWH,
            gpu_count=len(self._handles),
            gpu_model=", ".join(self._names),
            samples=self._samples,
            assumptions=_with_failure(
                {"gpu": f"{method}; every visible GPU counts, used by this job or not"}, failure
            ),
        )
