"""Track the energy and carbon of a block of code, a function or a child process.

``track(...)`` returns a ``Tracker`` that works as a context manager, as a decorator, or
through ``start()`` and ``stop()``. While it runs, a daemon thread reads the sensors every
``interval_s`` seconds. ``stop()`` turns the energy into location-based, market-based and
amortised embodied emissions and appends one record to the emissions CSV. The record is
written when the tracked code raises too, with the exception named in its ``status``.

The tracking path imports only the standard library and sustainai's own light modules.
"""

from __future__ import annotations

import atexit
import functools
import logging
import math
import os
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sustainai.accounting import RunSettings, TrackingResult, build_record
from sustainai.embodied import HardwareProfile, hardware_profile
from sustainai.errors import (
    SensorError,
    SustainAIError,
    TrackerConfigError,
    TrackerStateError,
    UnknownRegionError,
)
from sustainai.intensity import GridIntensity, lookup_intensity
from sustainai.records import append_record, check_records_file
from sustainai.sensors import (
    DEFAULT_POWERCAP_ROOT,
    DEFAULT_RAM_WATTS_PER_GB,
    DEFAULT_WATTS_PER_CORE,
    EnergyResult,
    Sensor,
    start_sensors,
)

__all__ = ["DEFAULT_REGION", "REGION_VARIABLE", "Tracker", "TrackingResult", "track"]

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

# Region used when the caller names none and SUSTAINAI_REGION is unset: the world average row
# of the shipped intensity table.
DEFAULT_REGION = "WORLD"
REGION_VARIABLE = "SUSTAINAI_REGION"


def _require_number(name: str, value: object, low: float, high: float = math.inf) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as err:
        msg = f"{name} must be a number, got {value!r}"
        raise TrackerConfigError(msg) from err
    if not (math.isfinite(number) and low <= number <= high):
        upper = "" if high == math.inf else f" and <= {high:g}"
        msg = f"{name} must be >= {low:g}{upper}, got {value!r}"
        raise TrackerConfigError(msg)
    return number


def _require_positive_seconds(name: str, value: object) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = math.nan
    if not (math.isfinite(number) and number > 0):
        msg = f"{name} must be a positive finite number of seconds, got {value!r}"
        raise TrackerConfigError(msg)
    return number


def _require_scope(scope: str) -> str:
    if scope not in ("process", "machine"):
        msg = f"scope must be 'process' or 'machine', got {scope!r}"
        raise TrackerConfigError(msg)
    return scope


# Trackers between start() and stop(). At interpreter exit each one still running is stopped,
# so its record is written. A process killed by a signal it does not handle writes none.
_RUNNING: weakref.WeakSet[Tracker] = weakref.WeakSet()
EXIT_STATUS = "exited before stop()"


def _stop_running_trackers() -> None:
    for tracker in list(_RUNNING):
        try:
            tracker.stop(status=EXIT_STATUS)
        except (OSError, SustainAIError) as err:
            logger.error("could not write the emissions record at exit: %s", err)


atexit.register(_stop_running_trackers)


class Tracker:
    """Energy and carbon tracker for a block of code, a function or a child process.

    Args:
        project: Project name written to ``project_name``.
        phase: Lifecycle phase: ``data``, ``experimentation``, ``training``, ``inference``
            or any other label.
        region: Grid region for the location-based intensity (``FRA``, ``gcp:europe-west1``);
            None uses the ``SUSTAINAI_REGION`` environment variable, else ``DEFAULT_REGION``.
        pue: Power usage effectiveness of the data centre (>= 1).
        output: CSV file to append the record to; None writes no file.
        experiment_id: Free-form id written to ``experiment_id``.
        interval_s: Seconds between sensor readings on the sampler thread.
        renewable_fraction: Share of the energy covered by renewable contracts, in [0, 1],
            for the market-based figure.
        residual_g_co2e_per_kwh: Residual-mix intensity for the market-based figure; None
            uses the location-based intensity and records that assumption.
        hardware: Row of the hardware table whose embodied carbon is amortised over the run
            (``cpu-server``, ``gpu-server``), ``auto`` to pick ``gpu-server`` when NVML finds
            a GPU and ``cpu-server`` otherwise, or None for no embodied share.
        hardware_share: Fraction of that hardware the run occupies, in (0, 1]: 0.125 for one
            GPU of an 8-GPU server. The embodied share is scaled by it.
        scope: ``process`` counts this process and its children; ``machine`` counts every
            process. RAPL and NVML always count the whole machine.
        sensors: Sensors to use instead of detecting them (for tests and custom meters).
        use_rapl: Try the RAPL counters.
        use_nvml: Try NVML.
        powercap_root: The powercap folder holding the RAPL zones.
        watts_per_core: Estimator power of one busy logical CPU in W.
        ram_watts_per_gb: Estimator power of one GB of memory in W.
        pid: Process whose memory the estimator samples; None means this one.
        include_self: Whether the estimator counts this process's own CPU time.

    Raises:
        TrackerConfigError: A number is out of range.
    """

    def __init__(
        self,
        project: str = "default",
        *,
        phase: str = "training",
        region: str | None = None,
        pue: float = 1.0,
        output: Path | str | None = "emissions.csv",
        experiment_id: str = "",
        interval_s: float = 1.0,
        renewable_fraction: float = 0.0,
        residual_g_co2e_per_kwh: float | None = None,
        hardware: str | None = "auto",
        hardware_share: float = 1.0,
        scope: str = "process",
        sensors: list[Sensor] | None = None,
        use_rapl: bool = True,
        use_nvml: bool = True,
        powercap_root: Path | str = DEFAULT_POWERCAP_ROOT,
        watts_per_core: float = DEFAULT_WATTS_PER_CORE,
        ram_watts_per_gb: float = DEFAULT_RAM_WATTS_PER_GB,
        pid: int | None = None,
        include_self: bool = True,
    ) -> None:
        # The decorator builds a fresh tracker per call from these arguments.
        self._settings = {key: value for key, value in locals().items() if key != "self"}

        self.project = project
        self.phase = phase
        self.region = region
        self.pue = _require_number("pue", pue, 1.0)
        self.output = None if output is None else Path(output)
        self.experiment_id = experiment_id
        self.interval_s = _require_positive_seconds("interval_s", interval_s)
        self.renewable_fraction = _require_number("renewable_fraction", renewable_fraction, 0, 1)
        self.residual_g_co2e_per_kwh = (
            None
            if residual_g_co2e_per_kwh is None
            else _require_number("residual_g_co2e_per_kwh", residual_g_co2e_per_kwh, 0.0)
        )
        self.hardware = hardware
        self.hardware_share = _require_number("hardware_share", hardware_share, 0.0, 1.0)
        if self.hardware_share == 0.0:
            msg = "hardware_share must be above 0 and at most 1, got 0; use hardware=None instead"
            raise TrackerConfigError(msg)

        self._sensor_options = {
            "scope": _require_scope(scope),
            "use_rapl": use_rapl,
            "use_nvml": use_nvml,
            "powercap_root": powercap_root,
            "watts_per_core": _require_number("watts_per_core", watts_per_core, 0.0),
            "ram_watts_per_gb": _require_number("ram_watts_per_gb", ram_watts_per_gb, 0.0),
            "pid": pid,
            "include_self": include_self,
        }

        # Run state, reset by start().
        self._given_sensors = sensors
        self._sensors: list[Sensor] = []
        self._skipped: dict[str, str] = {}
        self._intensity: GridIntensity | None = None
        self._profile: HardwareProfile | None = None
        self._thread: threading.Thread | None = None
        self._stop_event = threading.Event()
        self._sample_errors: list[str] = []
        self._start_perf = 0.0
        self.sampler_cpu_s = 0.0
        self.result: TrackingResult | None = None

    @property
    def running(self) -> bool:
        """True between ``start()`` and ``stop()``."""
        return self._thread is not None

    def start(self) -> Tracker:
        """Look up the region, check the output file, start the sensors and the sampler.

        Returns:
            The tracker itself.

        Raises:
            TrackerStateError: The tracker is already running.
            UnknownRegionError: The region is not in the shipped table.
            UnknownHardwareError: The hardware name is not in the shipped table.
            RecordsFormatError: The output file exists and is not a sustainai emissions file.
        """
        if self.running:
            msg = "the tracker is already running; call stop() before starting it again"
            raise TrackerStateError(msg)
        self._intensity = self._lookup_region()
        # A named hardware row is checked before any sensor starts, so a typo leaks nothing.
        named_profile = None if self.hardware in (None, "auto") else hardware_profile(self.hardware)
        if self.output is not None:
            check_records_file(self.output)
        if self._given_sensors is not None:
            self._sensors = list(self._given_sensors)
            self._skipped = {}
            for sensor in self._sensors:
                sensor.start()
        else:
            self._sensors, self._skipped = start_sensors(**self._sensor_options)
        for name, reason in self._skipped.items():
            logger.debug("sensor %s not used: %s", name, reason)
        self._profile = named_profile if named_profile is not None else self._auto_hardware()
        self._sample_errors = []
        self._stop_event.clear()
        self.result = None
        self._start_perf = time.perf_counter()
        self._thread = threading.Thread(target=self._sample_loop, name="sustainai-sampler")
        self._thread.daemon = True
        self._thread.start()
        _RUNNING.add(self)
        return self

    def _lookup_region(self) -> GridIntensity:
        if self.region is not None:
            return lookup_intensity(self.region)
        region = os.environ.get(REGION_VARIABLE) or DEFAULT_REGION
        try:
            return lookup_intensity(region)
        except UnknownRegionError as err:
            if region != DEFAULT_REGION:
                raise
            msg = (
                f"no region given and the intensity table has no {DEFAULT_REGION} row: pass a "
                f"region (an ISO 3166 alpha-3 code such as FRA, or provider:region) or set "
                f"{REGION_VARIABLE}"
            )
            raise TrackerConfigError(msg) from err

    def _auto_hardware(self) -> HardwareProfile | None:
        if self.hardware is None:
            return None
        has_gpu = any(sensor.name == "nvml" for sensor in self._sensors)
        return hardware_profile("gpu-server" if has_gpu else "cpu-server")

    def _sample_loop(self) -> None:
        while not self._stop_event.wait(self.interval_s):
            for sensor in self._sensors:
                try:
                    sensor.sample()
                except SensorError as err:
                    if len(self._sample_errors) < 10:
                        logger.warning("sensor %s failed to sample: %s", sensor.name, err)
                        self._sample_errors.append(f"{sensor.name}: {err}")
        self.sampler_cpu_s = time.thread_time()

    def _halt(self) -> list[EnergyResult]:
        if self._thread is None:
            msg = "the tracker is not running; call start() first"
            raise TrackerStateError(msg)
        self._stop_event.set()
        self._thread.join()
        self._thread = None
        _RUNNING.discard(self)
        results = []
        for sensor in self._sensors:
            try:
                results.append(sensor.stop())
            except SensorError as err:
                # The record is still written, marked as not measured, with the reason.
                logger.warning("sensor %s failed to stop: %s", sensor.name, err)
                results.append(
                    EnergyResult(
                        sensor=sensor.name,
                        energy_method=f"failed:{sensor.name}",
                        measured=False,
                        duration_s=0.0,
                        assumptions={sensor.name: f"last reading failed, no energy counted: {err}"},
                    )
                )
        return results

    def follow_process(self, pid: int) -> None:
        """Make the CPU-time estimator sample the memory of process ``pid`` from now on."""
        for sensor in self._sensors:
            follow = getattr(sensor, "follow_process", None)
            if follow is not None:
                follow(pid)

    def cancel(self) -> None:
        """Stop the sampler and the sensors without writing a record."""
        self._halt()

    def stop(self, status: str = "ok", exit_code: int | None = None) -> TrackingResult:
        """Stop tracking, compute the emissions and append the record.

        Args:
            status: Outcome written to the ``status`` column (``ok``, ``error: ValueError``,
                ``killed by SIGKILL``).
            exit_code: Exit code of a tracked child process, if any.

        Returns:
            The record and where it was written.

        Raises:
            TrackerStateError: The tracker is not running.
            OSError: The record could not be written.
        """
        results = self._halt()
        duration_s = time.perf_counter() - self._start_perf
        settings = RunSettings(
            project=self.project,
            phase=self.phase,
            experiment_id=self.experiment_id,
            intensity=self._intensity,
            pue=self.pue,
            renewable_fraction=self.renewable_fraction,
            residual_g_co2e_per_kwh=self.residual_g_co2e_per_kwh,
            profile=self._profile,
            interval_s=self.interval_s,
            scope=str(self._sensor_options["scope"]),
            skipped=dict(self._skipped),
            sample_errors=tuple(self._sample_errors),
            hardware_share=self.hardware_share,
        )
        record = build_record(results, settings, duration_s, status, exit_code)
        if self.output is not None:
            append_record(self.output, record)
        self.result = TrackingResult(record, self.output)
        return self.result

    def __enter__(self) -> Tracker:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> None:
        if exc_type is None:
            self.stop()
            return
        status = (
            "interrupted"
            if issubclass(exc_type, KeyboardInterrupt)
            else f"error: {exc_type.__name__}"
        )
        try:
            self.stop(status=status)
        except (OSError, ValueError) as err:
            # The tracked code's exception is the one the caller must see; a failed record
            # write is logged instead of replacing it.
            logger.error("could not write the emissions record: %s", err)

    def __call__(self, func: F) -> F:
        """Decorate a function so that every call is tracked with these settings."""

        @functools.wraps(func)
        def tracked(*args: Any, **kwargs: Any) -> Any:
            with Tracker(**self._settings):
                return func(*args, **kwargs)

        return tracked  # type: ignore[return-value]


def track(project: str = "default", **settings: Any) -> Tracker:
    """Create a tracker for use as a context manager or as a decorator.

    Args:
        project: Project name written to ``project_name``.
        **settings: Any keyword argument of ``Tracker``.

    Returns:
        A tracker that is not started yet.

    Example:
        >>> import sustainai
        >>> with sustainai.track("demo", region="FRA", output=None) as tracker:  # doctest: +SKIP
        ...     sum(i * i for i in range(10**6))
        >>> tracker.result.emissions_kg  # doctest: +SKIP
    """
    return Tracker(project, **settings)
