"""Energy estimated from CPU time and memory size, for machines without a power sensor.

CPU energy is busy CPU-seconds times an assumed power per busy logical CPU. Idle power is
not counted, because it would be drawn without the job too. RAM energy is the mean resident
memory times an assumed power per GB. Both constants are rough: the result is an estimate,
and every record built from it is marked as one.

Two scopes exist. ``process`` counts the CPU time of this process (all its threads) and of
its children once they have been waited for, from ``time.process_time()`` and
``os.times()``, and samples the resident
set size of one process from ``/proc/PID/statm``. ``machine`` counts the busy time of every
CPU from ``/proc/stat`` and the used memory from ``/proc/meminfo``, so other users' work on
a shared machine is included.
"""

from __future__ import annotations

import logging
import os
import resource
import time
from collections.abc import Callable
from pathlib import Path

from sustainai.errors import SensorError, TrackerConfigError
from sustainai.sensors.base import EnergyResult, Sensor, SensorStatus

__all__ = [
    "DEFAULT_RAM_WATTS_PER_GB",
    "DEFAULT_WATTS_PER_CORE",
    "CpuTimeSensor",
    "probe_cpu_time",
    "read_busy_cpu_seconds",
    "read_used_memory_gb",
]

logger = logging.getLogger(__name__)

# Power of one fully busy logical CPU. A 280 W, 64-core, 128-thread server CPU draws about
# 2.2 W per thread and a 150 W, 20-core, 40-thread one about 3.8 W; codecarbon 3.3.2 uses 4 W
# per thread for a CPU missing from its power table.
DEFAULT_WATTS_PER_CORE = 4.0
# Green Algorithms (Lannelongue et al., 2021) assume 0.3725 W per GB of memory.
DEFAULT_RAM_WATTS_PER_GB = 0.3725

DEFAULT_PROC_ROOT = Path("/proc")
_BYTES_PER_GB = 1e9
_SCOPES = ("process", "machine")


def read_busy_cpu_seconds(proc_stat: Path | str, clock_ticks_per_s: int) -> float:
    """Return the busy CPU-seconds of all CPUs since boot from the aggregate ``cpu`` line.

    Busy time is user + nice + system + irq + softirq. Guest time is already inside user,
    and steal time (a hypervisor running other guests) and I/O wait are not this machine's
    work, so they are left out.

    Args:
        proc_stat: Path of ``/proc/stat`` or of a fake copy.
        clock_ticks_per_s: Length of a jiffy, ``os.sysconf("SC_CLK_TCK")``.

    Raises:
        SensorError: The file cannot be read or has no valid ``cpu`` line.
    """
    path = Path(proc_stat)
    try:
        text = path.read_text(encoding="ascii")
    except OSError as err:
        msg = f"cannot read {path}: {err.strerror or err}"
        raise SensorError(msg) from err
    for line in text.splitlines():
        fields = line.split()
        if fields and fields[0] == "cpu":
            try:
                user, nice, system, _idle, _iowait, irq, softirq = map(int, fields[1:8])
            except ValueError as err:
                msg = f"{path}: the cpu line {line!r} does not hold 7 integer jiffy counts"
                raise SensorError(msg) from err
            return (user + nice + system + irq + softirq) / clock_ticks_per_s
    msg = f"{path} has no aggregate 'cpu' line"
    raise SensorError(msg)


def read_used_memory_gb(meminfo: Path | str) -> float:
    """Return MemTotal minus MemAvailable from ``/proc/meminfo``, in GB (10^9 bytes).

    Raises:
        SensorError: The file cannot be read or lacks one of the two fields.
    """
    path = Path(meminfo)
    try:
        text = path.read_text(encoding="ascii")
    except OSError as err:
        msg = f"cannot read {path}: {err.strerror or err}"
        raise SensorError(msg) from err
    values_kib = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        if key in ("MemTotal", "MemAvailable"):
            values_kib[key] = int(rest.split()[0])
    if len(values_kib) != 2:
        msg = f"{path} lacks MemTotal or MemAvailable"
        raise SensorError(msg)
    return (values_kib["MemTotal"] - values_kib["MemAvailable"]) * 1024 / _BYTES_PER_GB


def _read_rss_gb(statm: Path) -> float | None:
    """Return the resident set size from a ``/proc/PID/statm`` file, or None once it is gone."""
    try:
        resident_pages = int(statm.read_text(encoding="ascii").split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / _BYTES_PER_GB


def probe_cpu_time(proc_root: Path | str = DEFAULT_PROC_ROOT) -> SensorStatus:
    """Report whether the CPU-time estimator can read its inputs here."""
    root = Path(proc_root)
    try:
        read_busy_cpu_seconds(root / "stat", os.sysconf("SC_CLK_TCK"))
        read_used_memory_gb(root / "meminfo")
    except SensorError as err:
        return SensorStatus(
            "cpu-time",
            available=True,
            measured=False,
            reason=f"process scope only (os.times); machine scope unavailable: {err}",
        )
    return SensorStatus(
        "cpu-time",
        available=True,
        measured=False,
        reason=(
            f"estimate: {DEFAULT_WATTS_PER_CORE} W per busy logical CPU and "
            f"{DEFAULT_RAM_WATTS_PER_GB} W per GB of memory ({os.cpu_count()} logical CPUs)"
        ),
    )


class CpuTimeSensor(Sensor):
    """Estimated CPU and RAM energy from CPU time and memory size.

    Args:
        scope: ``process`` or ``machine`` (see the module docstring).
        watts_per_core: Power of one fully busy logical CPU in W.
        ram_watts_per_gb: Power of one GB of memory in W.
        pid: Process whose resident memory is sampled in process scope; None means this one.
        include_self: In process scope, count this process's own CPU time.
        include_children: In process scope, count the CPU time of waited-for children.
        proc_root: The ``/proc`` folder; tests pass a fake one.
        clock_ticks_per_s: Jiffies per second for ``/proc/stat``; None reads ``SC_CLK_TCK``.
        clock: Monotonic clock in seconds.
        times: Replacement for ``os.times``, which gives the children's CPU time.
        process_time: Replacement for ``time.process_time``, which gives this process's CPU
            time at a finer resolution than ``os.times``.

    Raises:
        TrackerConfigError: An argument is out of range.
    """

    name = "cpu-time"

    def __init__(
        self,
        scope: str = "process",
        watts_per_core: float = DEFAULT_WATTS_PER_CORE,
        ram_watts_per_gb: float = DEFAULT_RAM_WATTS_PER_GB,
        pid: int | None = None,
        include_self: bool = True,
        include_children: bool = True,
        proc_root: Path | str = DEFAULT_PROC_ROOT,
        clock_ticks_per_s: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        times: Callable[[], os.times_result] = os.times,
        process_time: Callable[[], float] = time.process_time,
    ) -> None:
        if scope not in _SCOPES:
            msg = f"scope must be one of {', '.join(_SCOPES)}, got {scope!r}"
            raise TrackerConfigError(msg)
        for label, value in (
            ("watts_per_core", watts_per_core),
            ("ram_watts_per_gb", ram_watts_per_gb),
        ):
            if not value >= 0:
                msg = f"{label} must be a non-negative number of watts, got {value!r}"
                raise TrackerConfigError(msg)
        self.scope = scope
        self.watts_per_core = float(watts_per_core)
        self.ram_watts_per_gb = float(ram_watts_per_gb)
        self._include_self = include_self
        self._include_children = include_children
        self._proc_root = Path(proc_root)
        self._statm = self._proc_root / ("self" if pid is None else str(pid)) / "statm"
        self._ticks = clock_ticks_per_s or os.sysconf("SC_CLK_TCK")
        self._clock = clock
        self._times = times
        self._process_time = process_time
        self._start_cpu_s = 0.0
        self._start_s = 0.0
        self._last_s = 0.0
        self._memory_gb_s = 0.0
        self._last_memory_gb: float | None = None
        self._samples = 0
        self._follows_child = False
        self._child_peak_start_kib = 0

    def _cpu_seconds(self) -> float:
        if self.scope == "machine":
            return read_busy_cpu_seconds(self._proc_root / "stat", self._ticks)
        total = 0.0
        if self._include_self:
            total += self._process_time()
        if self._include_children:
            now = self._times()
            total += now.children_user + now.children_system
        return total

    def _memory_gb(self) -> float | None:
        if self.scope == "machine":
            return read_used_memory_gb(self._proc_root / "meminfo")
        return _read_rss_gb(self._statm)

    def follow_process(self, pid: int) -> None:
        """Count the memory of child process ``pid`` instead of this process's (process scope).

        The child's memory is its peak resident set size from ``getrusage(RUSAGE_CHILDREN)``
        after it has been waited for, counted for the whole run. This is an upper bound, used
        because a child that exits before the first sampling tick leaves no sampled reading.
        """
        self._statm = self._proc_root / str(pid) / "statm"
        self._child_peak_start_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        self._follows_child = True

    def start(self) -> None:
        """Take the first CPU-time and memory reading."""
        self._start_cpu_s = self._cpu_seconds()
        self._start_s = self._last_s = self._clock()
        self._last_memory_gb = self._memory_gb()
        self._memory_gb_s = 0.0
        self._samples = 1

    def sample(self) -> None:
        """Add the memory held since the previous reading (trapezoid rule over time)."""
        now = self._clock()
        memory_gb = self._memory_gb()
        if memory_gb is None:
            # The sampled process has exited; its last size covers the remaining time.
            memory_gb = self._last_memory_gb
        if memory_gb is not None and self._last_memory_gb is not None:
            self._memory_gb_s += (memory_gb + self._last_memory_gb) / 2 * (now - self._last_s)
        self._last_memory_gb = memory_gb
        self._last_s = now
        self._samples += 1

    def stop(self) -> EnergyResult:
        """Take the last reading and return the estimated CPU and RAM energy."""
        self.sample()
        duration_s = self._last_s - self._start_s
        busy_cpu_s = max(0.0, self._cpu_seconds() - self._start_cpu_s)
        cpu_joules = busy_cpu_s * self.watts_per_core
        memory_gb_s = self._memory_gb_s
        if self._follows_child and self.scope == "process":
            peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            # ru_maxrss is the largest child so far; an earlier, larger child hides this one.
            peak_gb = max(peak_kib, self._child_peak_start_kib) * 1024 / _BYTES_PER_GB
            memory_gb_s = peak_gb * duration_s
        ram_joules = memory_gb_s * self.ram_watts_per_gb
        if self.scope == "machine":
            cpu_source = "busy time of every CPU from /proc/stat (machine-wide)"
            ram_source = "used memory (MemTotal - MemAvailable) from /proc/meminfo"
        else:
            cpu_source = "CPU time of the tracked process and its waited-for children (os.times)"
            ram_source = "mean resident set size of the tracked process (/proc/PID/statm)"
            if self._follows_child:
                ram_source = "peak resident set size of the command (getrusage) for the whole run"
        assumptions = {
            "cpu": (
                f"{self.watts_per_core:g} W per busy logical CPU x {busy_cpu_s:.3f} busy "
                f"CPU-seconds; {cpu_source}; idle power not counted"
            ),
            "ram": f"{self.ram_watts_per_gb:g} W per GB; {ram_source}",
        }
        return EnergyResult(
            sensor=self.name,
            energy_method="estimate:cpu-time",
            measured=False,
            duration_s=duration_s,
            cpu_energy_kwh=cpu_joules / 3.6e6,
            ram_energy_kwh=ram_joules / 3.6e6,
            samples=self._samples,
            cpu_utilization_percent=(
                100.0 * busy_cpu_s / (duration_s * (os.cpu_count() or 1))
                if duration_s > 0
                else None
            ),
            ram_used_gb=memory_gb_s / duration_s if duration_s > 0 else None,
            assumptions=assumptions,
        )
