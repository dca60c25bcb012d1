"""Types shared by the energy sensors: the sensor interface, its result and its probe status."""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["EnergyResult", "Sensor", "SensorStatus", "joules_to_kwh"]

JOULES_PER_KWH = 3.6e6


def joules_to_kwh(joules: float) -> float:
    """Convert joules to kilowatt-hours."""
    return joules / JOULES_PER_KWH


@dataclass(frozen=True)
class SensorStatus:
    """Whether a sensor can be used on this machine, and why not when it cannot.

    Attributes:
        name: Sensor name (``rapl``, ``nvml``, ``cpu-time``).
        available: True when the sensor can be started here.
        measured: True when the sensor measures energy, False when it estimates it.
        reason: What was found, or why the sensor is unusable and how to fix that.
        devices: Names of the devices the sensor would read (RAPL zones, GPU models).
    """

    name: str
    available: bool
    measured: bool
    reason: str
    devices: tuple[str, ...] = ()


@dataclass(frozen=True)
class EnergyResult:
    """Energy counted by one sensor between its ``start()`` and ``stop()``.

    Energies are IT energy in kWh, before any data-centre PUE is applied.

    Attributes:
        sensor: Sensor name.
        energy_method: How the energy was obtained (``rapl``, ``nvml``, ``estimate:cpu-time``).
        measured: True for a hardware energy counter or power reading, False for an estimate.
        duration_s: Seconds between the first and the last reading.
        cpu_energy_kwh: Energy of the CPU packages.
        gpu_energy_kwh: Energy of the GPUs.
        ram_energy_kwh: Energy of the memory.
        gpu_count: Number of GPUs read.
        gpu_model: GPU model names joined with ``", "``.
        samples: Number of readings taken.
        cpu_utilization_percent: Busy share of all logical CPUs over the run, if known.
        ram_used_gb: Mean memory counted over the run in GB, if known.
        assumptions: What the figures rest on, keyed by component, as plain sentences.
    """

    sensor: str
    energy_method: str
    measured: bool
    duration_s: float
    cpu_energy_kwh: float = 0.0
    gpu_energy_kwh: float = 0.0
    ram_energy_kwh: float = 0.0
    gpu_count: int = 0
    gpu_model: str = ""
    samples: int = 0
    cpu_utilization_percent: float | None = None
    ram_used_gb: float | None = None
    assumptions: Mapping[str, str] = field(default_factory=dict)

    @property
    def energy_kwh(self) -> float:
        """Total IT energy of every component in kWh."""
        return self.cpu_energy_kwh + self.gpu_energy_kwh + self.ram_energy_kwh


class Sensor(abc.ABC):
    """An energy source that the tracker reads at start, at every sampling tick and at stop.

    ``sample()`` runs on the tracker's sampler thread, while ``start()`` and ``stop()`` run on
    the caller's thread before the sampler starts and after it has been joined, so an
    implementation needs no locking.
    """

    name: str = "sensor"

    @abc.abstractmethod
    def start(self) -> None:
        """Take the first reading.

        Raises:
            SensorError: The sensor cannot be read.
        """

    @abc.abstractmethod
    def sample(self) -> None:
        """Take one reading and add the energy since the previous one."""

    @abc.abstractmethod
    def stop(self) -> EnergyResult:
        """Take the last reading, release the sensor and return the totals."""
