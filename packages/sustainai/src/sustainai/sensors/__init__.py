"""Energy sensors read by the tracker: RAPL, NVML, and a CPU-time estimate as the fallback."""

from __future__ import annotations

from pathlib import Path

from sustainai.errors import SensorError
from sustainai.sensors.base import EnergyResult, Sensor, SensorStatus
from sustainai.sensors.cputime import (
    DEFAULT_RAM_WATTS_PER_GB,
    DEFAULT_WATTS_PER_CORE,
    CpuTimeSensor,
    probe_cpu_time,
)
from sustainai.sensors.nvml import NvmlSensor, probe_nvml
from sustainai.sensors.rapl import DEFAULT_POWERCAP_ROOT, RaplSensor, probe_rapl

__all__ = [
    "DEFAULT_POWERCAP_ROOT",
    "DEFAULT_RAM_WATTS_PER_GB",
    "DEFAULT_WATTS_PER_CORE",
    "CpuTimeSensor",
    "EnergyResult",
    "NvmlSensor",
    "RaplSensor",
    "Sensor",
    "SensorStatus",
    "probe_all",
    "start_sensors",
]


def probe_all(
    powercap_root: Path | str = DEFAULT_POWERCAP_ROOT, proc_root: Path | str = "/proc"
) -> list[SensorStatus]:
    """Report, in order of preference, which sensors can be used here and why not.

    Args:
        powercap_root: The powercap folder holding the RAPL zones.
        proc_root: The ``/proc`` folder read by the CPU-time estimator.
    """
    return [probe_rapl(powercap_root), probe_nvml(), probe_cpu_time(proc_root)]


def start_sensors(
    *,
    scope: str = "process",
    use_rapl: bool = True,
    use_nvml: bool = True,
    powercap_root: Path | str = DEFAULT_POWERCAP_ROOT,
    watts_per_core: float = DEFAULT_WATTS_PER_CORE,
    ram_watts_per_gb: float = DEFAULT_RAM_WATTS_PER_GB,
    pid: int | None = None,
    include_self: bool = True,
) -> tuple[list[Sensor], dict[str, str]]:
    """Start the best sensors this machine offers: RAPL, then NVML, else the CPU-time estimate.

    RAPL covers CPU and DRAM and NVML covers GPUs, so both run when both work. The CPU-time
    estimator runs whenever RAPL does not. Each sensor that fails to start is skipped, and its
    reason is returned for the record's assumptions and for ``sustainai doctor``.

    Args:
        scope: Scope of the CPU-time estimator, ``process`` or ``machine``.
        use_rapl: Try the RAPL counters.
        use_nvml: Try NVML.
        powercap_root: The powercap folder holding the RAPL zones.
        watts_per_core: Estimator power of one busy logical CPU in W.
        ram_watts_per_gb: Estimator power of one GB of memory in W.
        pid: Process whose memory the estimator samples; None means this one.
        include_self: Whether the estimator counts this process's own CPU time.

    Returns:
        The started sensors and, by sensor name, why each skipped sensor was not used.
    """
    started: list[Sensor] = []
    skipped: dict[str, str] = {}
    candidates: list[Sensor] = []
    if use_rapl:
        candidates.append(RaplSensor(powercap_root))
    else:
        skipped["rapl"] = "disabled by the caller"
    if use_nvml:
        candidates.append(NvmlSensor())
    else:
        skipped["nvml"] = "disabled by the caller"
    for sensor in candidates:
        try:
            sensor.start()
        except SensorError as err:
            skipped[sensor.name] = str(err)
        else:
            started.append(sensor)
    if not any(sensor.name == "rapl" for sensor in started):
        estimator = CpuTimeSensor(
            scope=scope,
            watts_per_core=watts_per_core,
            ram_watts_per_gb=ram_watts_per_gb,
            pid=pid,
            include_self=include_self,
        )
        estimator.start()
        started.append(estimator)
    return started, skipped
