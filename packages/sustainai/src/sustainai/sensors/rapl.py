"""CPU-package and DRAM energy from the Linux powercap RAPL counters in sysfs.

Each zone under ``/sys/class/powercap`` named ``intel-rapl:N`` (a CPU package) or
``intel-rapl:N:M`` (a sub-zone such as ``core``, ``uncore`` or ``dram``) has a cumulative
``energy_uj`` counter that wraps to zero after ``max_energy_range_uj``. AMD processors from
Zen onwards use the same ``intel-rapl`` names. Package zones count as CPU energy and ``dram``
zones as RAM energy. ``core``, ``uncore`` and ``psys`` are left out because package and psys
zones already contain them, and adding them would count the same energy twice.
"""

from __future__ import annotations

import errno
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sustainai.errors import SensorError
from sustainai.sensors.base import EnergyResult, Sensor, SensorStatus

__all__ = [
    "DEFAULT_POWERCAP_ROOT",
    "RaplSensor",
    "RaplZone",
    "discover_zones",
    "energy_delta_uj",
    "probe_rapl",
]

logger = logging.getLogger(__name__)

DEFAULT_POWERCAP_ROOT = Path("/sys/class/powercap")
_MICROJOULES_PER_KWH = 3.6e12


@dataclass(frozen=True)
class RaplZone:
    """One RAPL zone whose energy the sensor counts.

    Attributes:
        path: The zone's folder, holding ``energy_uj`` and ``max_energy_range_uj``.
        name: Contents of the zone's ``name`` file (``package-0``, ``dram``).
        component: ``cpu`` for a package zone, ``ram`` for a DRAM zone.
        max_energy_range_uj: Value at which ``energy_uj`` wraps around to zero.
    """

    path: Path
    name: str
    component: str
    max_energy_range_uj: int


def energy_delta_uj(previous_uj: int, current_uj: int, max_energy_range_uj: int) -> int:
    """Return the energy between two readings of a counter that wraps at ``max_energy_range_uj``.

    A reading lower than the previous one means the counter wrapped once. The sampling interval
    must be shorter than the time to wrap twice, which takes minutes even at hundreds of watts.

    Args:
        previous_uj: Earlier counter value in microjoules.
        current_uj: Later counter value in microjoules.
        max_energy_range_uj: Counter range from the zone's ``max_energy_range_uj`` file.

    Returns:
        The non-negative energy in microjoules.

    Raises:
        SensorError: A reading lies outside ``[0, max_energy_range_uj]``.
    """
    for value in (previous_uj, current_uj):
        if not 0 <= value <= max_energy_range_uj:
            msg = (
                f"RAPL counter value {value} uJ is outside its range "
                f"[0, {max_energy_range_uj}] uJ; the sysfs files are inconsistent"
            )
            raise SensorError(msg)
    if current_uj >= previous_uj:
        return current_uj - previous_uj
    return max_energy_range_uj - previous_uj + current_uj


def _read_int(path: Path) -> int:
    try:
        text = path.read_text(encoding="ascii").strip()
    except PermissionError as err:
        msg = (
            f"permission denied reading {path}: patched Linux kernels let only root read "
            "RAPL counters (CVE-2020-8694); run as root or make the energy_uj files "
            "readable (sudo chmod a+r /sys/class/powercap/intel-rapl:*/energy_uj)"
        )
        raise SensorError(msg) from err
    except OSError as err:
        reason = errno.errorcode.get(err.errno or 0, "I/O error")
        msg = f"cannot read {path} ({reason}): {err.strerror or err}"
        raise SensorError(msg) from err
    try:
        return int(text)
    except ValueError as err:
        msg = f"{path} holds {text!r}, not an integer number of microjoules"
        raise SensorError(msg) from err


def discover_zones(root: Path | str = DEFAULT_POWERCAP_ROOT) -> list[RaplZone]:
    """Find the package and DRAM zones under a powercap root and check that they are readable.

    Args:
        root: The powercap folder; tests pass a fake tree.

    Returns:
        The zones, packages first, sorted by folder name.

    Raises:
        SensorError: No RAPL zone exists, or a counter cannot be read; the message gives the
            reason and the fix.
    """
    root = Path(root)
    if not root.is_dir():
        msg = (
            f"{root} does not exist: the kernel exposes no powercap RAPL interface here "
            "(a virtual machine, a container without /sys/class/powercap, or not Linux)"
        )
        raise SensorError(msg)
    zones = []
    for folder in sorted(root.glob("intel-rapl:*")):
        try:
            name = folder.joinpath("name").read_text(encoding="ascii").strip()
        except OSError as err:
            msg = f"cannot read {folder / 'name'}: {err.strerror or err}"
            raise SensorError(msg) from err
        depth = folder.name.count(":")
        if name.startswith("package") and depth == 1:
            component = "cpu"
        elif name == "dram":
            component = "ram"
        else:
            continue
        max_range = _read_int(folder / "max_energy_range_uj")
        _read_int(folder / "energy_uj")
        zones.append(RaplZone(folder, name, component, max_range))
    if not zones:
        msg = f"{root} has no intel-rapl package zone: RAPL is not supported by this CPU or kernel"
        raise SensorError(msg)
    zones.sort(key=lambda zone: (zone.component != "cpu", zone.path.name))
    return zones


def probe_rapl(root: Path | str = DEFAULT_POWERCAP_ROOT) -> SensorStatus:
    """Report whether the RAPL counters under ``root`` can be read, and why not."""
    try:
        zones = discover_zones(root)
    except SensorError as err:
        return SensorStatus("rapl", available=False, measured=True, reason=str(err))
    names = tuple(f"{zone.path.name} ({zone.name})" for zone in zones)
    return SensorStatus(
        "rapl",
        available=True,
        measured=True,
        reason=f"{len(zones)} zone(s) readable",
        devices=names,
    )


class RaplSensor(Sensor):
    """Energy of the CPU packages and DRAM from the RAPL counters.

    RAPL counts every process on the sockets, so on a shared machine the figure includes
    other people's work.

    Args:
        root: The powercap folder; tests pass a fake tree.
        clock: Monotonic clock in seconds; tests pass a fake one.
    """

    name = "rapl"

    def __init__(
        self,
        root: Path | str = DEFAULT_POWERCAP_ROOT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._root = Path(root)
        self._clock = clock
        self._zones: list[RaplZone] = []
        self._last_uj: list[int] = []
        self._total_uj: list[int] = []
        self._start_s = 0.0
        self._samples = 0

    def start(self) -> None:
        """Find the zones and take the first reading of each counter."""
        self._zones = discover_zones(self._root)
        self._last_uj = [_read_int(zone.path / "energy_uj") for zone in self._zones]
        self._total_uj = [0] * len(self._zones)
        self._start_s = self._clock()
        self._samples = 1

    def sample(self) -> None:
        """Add the energy of every zone since the previous reading."""
        for index, zone in enumerate(self._zones):
            current = _read_int(zone.path / "energy_uj")
            delta = energy_delta_uj(self._last_uj[index], current, zone.max_energy_range_uj)
            self._total_uj[index] += delta
            self._last_uj[index] = current
        self._samples += 1

    def stop(self) -> EnergyResult:
        """Take the last reading and return the CPU and DRAM energy.

        When the last reading fails, the energy up to the previous reading is returned and
        the failure is listed in the assumptions.
        """
        failure = None
        try:
            self.sample()
        except SensorError as err:
            failure = str(err)
        duration_s = self._clock() - self._start_s
        by_component = {"cpu": 0, "ram": 0}
        for zone, total in zip(self._zones, self._total_uj, strict=True):
            by_component[zone.component] += total
        assumptions = {
            "cpu": "RAPL package counters, machine-wide: every process on the sockets counts",
        }
        if any(zone.component == "ram" for zone in self._zones):
            assumptions["ram"] = "RAPL dram counters, machine-wide"
        else:
            assumptions["ram"] = "not counted: this CPU exposes no RAPL dram zone"
        if failure is not None:
            assumptions["last reading"] = (
                f"failed, energy counted up to the reading before: {failure}"
            )
        return EnergyResult(
            sensor=self.name,
            energy_method="rapl",
            measured=True,
            duration_s=duration_s,
            cpu_energy_kwh=by_component["cpu"] / _MICROJOULES_PER_KWH,
            ram_energy_kwh=by_component["ram"] / _MICROJOULES_PER_KWH,
            samples=self._samples,
            assumptions=assumptions,
        )
