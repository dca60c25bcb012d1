"""Emissions accounting of a tracked run: sensor energy to one emissions record.

Location-based emissions use the grid intensity of the run's region, market-based emissions
the contracted renewable share and the residual-mix intensity, and embodied emissions the
amortised share of one machine from the hardware table. The three stay in separate columns.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sustainai.carbon import market_based_emissions_kg, operational_emissions_kg
from sustainai.embodied import HardwareProfile, amortised_embodied_kg
from sustainai.intensity import GridIntensity
from sustainai.records import COLUMNS
from sustainai.runinfo import machine_info
from sustainai.sensors import EnergyResult

__all__ = ["RunSettings", "TrackingResult", "build_record"]

_SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True)
class TrackingResult:
    """Outcome of one tracked run.

    Attributes:
        record: The full record, keyed by ``sustainai.records.COLUMNS``.
        output: The CSV file the record was appended to, or None when none was written.
    """

    record: Mapping[str, Any]
    output: Path | None

    @property
    def energy_kwh(self) -> float:
        """Facility energy (IT energy times PUE) in kWh."""
        return self.record["energy_consumed"]

    @property
    def emissions_kg(self) -> float:
        """Location-based operational emissions in kg CO2e."""
        return self.record["emissions"]

    @property
    def emissions_market_kg(self) -> float:
        """Market-based operational emissions in kg CO2e."""
        return self.record["emissions_market_kg"]

    @property
    def embodied_kg(self) -> float:
        """Amortised embodied emissions in kg CO2e (0 when no hardware was named)."""
        return self.record["embodied_emissions_kg"] or 0.0

    @property
    def measured(self) -> bool:
        """True when every energy figure comes from a hardware sensor."""
        return bool(self.record["measured"])

    def summary_line(self) -> str:
        """Return a one-line summary.

        It starts with ESTIMATE when nothing was measured, PARTLY ESTIMATED when only some
        components were, and INCOMPLETE when a sensor failed.
        """
        record = self.record
        if record["measured"]:
            prefix = ""
        elif "failed:" in record["energy_method"]:
            prefix = "INCOMPLETE (a sensor failed, see the record's assumptions): "
        elif "+" in record["energy_method"]:
            prefix = "PARTLY ESTIMATED (some components have no power sensor): "
        else:
            prefix = "ESTIMATE (no power sensor, energy from CPU time): "
        region = record["country_iso_code"] or record["cloud_region"] or record["region"]
        return (
            f"{prefix}{record['project_name']}/{record['phase']} {record['status']}: "
            f"{record['duration']:.1f} s, {record['energy_consumed']:.3g} kWh, "
            f"{record['emissions']:.3g} kg CO2e location-based "
            f"({region}, {record['g_co2e_per_kwh']:g} g/kWh, PUE {record['pue']:g}), "
            f"{record['emissions_market_kg']:.3g} kg market-based, "
            f"{self.embodied_kg:.3g} kg embodied ({record['hardware'] or 'none'}), "
            f"method {record['energy_method']}"
        )


@dataclass(frozen=True)
class RunSettings:
    """Settings of a tracked run that go into its record.

    Attributes:
        project: Project name.
        phase: Lifecycle phase label.
        experiment_id: Free-form experiment id.
        intensity: Grid intensity row of the run's region.
        pue: Power usage effectiveness of the data centre.
        renewable_fraction: Share of the energy covered by renewable contracts.
        residual_g_co2e_per_kwh: Residual-mix intensity, or None for the location-based one.
        profile: Hardware row whose embodied carbon is amortised, or None.
        hardware_share: Fraction of that hardware the run occupies, in (0, 1].
        interval_s: Sampling interval in seconds.
        scope: Scope of the CPU-time estimator, ``process`` or ``machine``.
        skipped: Why each unused sensor was skipped, by sensor name.
        sample_errors: Errors met while sampling, as messages.
    """

    project: str
    phase: str
    experiment_id: str
    intensity: GridIntensity
    pue: float
    renewable_fraction: float
    residual_g_co2e_per_kwh: float | None
    profile: HardwareProfile | None
    interval_s: float
    scope: str
    skipped: Mapping[str, str] = field(default_factory=dict)
    sample_errors: tuple[str, ...] = ()
    hardware_share: float = 1.0


def _first_known(results: list[EnergyResult], name: str) -> float | None:
    values = [getattr(result, name) for result in results if getattr(result, name) is not None]
    return values[0] if values else None


def _tracking_mode(results: list[EnergyResult], scope: str) -> str:
    if any(result.sensor == "cpu-time" for result in results):
        return scope
    return "machine"


def build_record(
    results: list[EnergyResult],
    settings: RunSettings,
    duration_s: float,
    status: str,
    exit_code: int | None,
) -> dict[str, Any]:
    """Compute the emissions of a run and return its record, keyed by ``COLUMNS``.

    Args:
        results: What each sensor counted.
        settings: The run's settings.
        duration_s: Wall time of the run in seconds.
        status: Outcome written to the ``status`` column.
        exit_code: Exit code of a tracked child process, if any.

    Raises:
        InvalidInputError: A setting is out of range for the carbon formulas.
    """
    from sustainai import __version__  # the package is fully imported by now

    intensity = settings.intensity
    pue = settings.pue
    cpu_kwh = sum(result.cpu_energy_kwh for result in results)
    gpu_kwh = sum(result.gpu_energy_kwh for result in results)
    ram_kwh = sum(result.ram_energy_kwh for result in results)
    it_kwh = cpu_kwh + gpu_kwh + ram_kwh
    emissions = operational_emissions_kg(it_kwh, intensity.g_co2e_per_kwh, pue)
    residual = settings.residual_g_co2e_per_kwh
    assumptions: dict[str, str] = {}
    for result in results:
        for component, text in result.assumptions.items():
            key = component if component not in assumptions else f"{component} ({result.sensor})"
            assumptions[key] = text
    if residual is None:
        residual = intensity.g_co2e_per_kwh
        assumptions["market"] = (
            "no residual-mix intensity given: the uncovered share is charged at the "
            "location-based intensity"
        )
    market = market_based_emissions_kg(it_kwh, pue, settings.renewable_fraction, residual)
    embodied = None
    if settings.profile is not None:
        profile = settings.profile
        share = settings.hardware_share
        # A run on part of a machine (one GPU of eight, a slice of a shared host) uses that
        # part's device-hours, so the machine's amortised share is scaled by it.
        embodied = share * amortised_embodied_kg(
            profile.embodied_kg,
            duration_s / _SECONDS_PER_HOUR,
            profile.lifetime_years,
            profile.utilisation,
        )
        occupied = "one" if share == 1.0 else f"{share:g} of one"
        assumptions["embodied"] = (
            f"{occupied} {profile.name} ({profile.embodied_kg:g} kg CO2e) for the wall time, "
            f"{profile.lifetime_years:g}-year life at {profile.utilisation:g} utilisation"
        )
    for name, reason in settings.skipped.items():
        assumptions[f"sensor {name} unused"] = reason
    if settings.sample_errors:
        assumptions["sampling errors"] = "; ".join(settings.sample_errors)
    methods = [result.energy_method for result in results]
    cloud = intensity.kind == "cloud"
    duration = max(duration_s, 1e-9)
    record: dict[str, Any] = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "project_name": settings.project,
        "run_id": str(uuid.uuid4()),
        "experiment_id": settings.experiment_id,
        "duration": duration_s,
        "emissions": emissions,
        "emissions_rate": emissions / duration,
        "cpu_power": cpu_kwh * pue * 3.6e6 / duration,
        "gpu_power": gpu_kwh * pue * 3.6e6 / duration,
        "ram_power": ram_kwh * pue * 3.6e6 / duration,
        "cpu_energy": cpu_kwh * pue,
        "gpu_energy": gpu_kwh * pue,
        "ram_energy": ram_kwh * pue,
        "energy_consumed": it_kwh * pue,
        "water_consumed": 0.0,
        "country_name": intensity.name if not cloud else "",
        "country_iso_code": intensity.country_iso3 or (intensity.region if not cloud else ""),
        "region": "",
        "cloud_provider": intensity.provider,
        "cloud_region": intensity.region.split(":", 1)[-1] if cloud else "",
        "codecarbon_version": "",
        "gpu_count": sum(result.gpu_count for result in results),
        "gpu_model": ", ".join(result.gpu_model for result in results if result.gpu_model),
        "longitude": None,
        "latitude": None,
        "tracking_mode": _tracking_mode(results, settings.scope),
        "cpu_utilization_percent": _first_known(results, "cpu_utilization_percent"),
        "gpu_utilization_percent": None,
        "ram_utilization_percent": None,
        "ram_used_gb": _first_known(results, "ram_used_gb"),
        "on_cloud": "Y" if cloud else "N",
        "pue": pue,
        "wue": 0.0,
        "phase": settings.phase,
        "status": status,
        "exit_code": exit_code,
        "energy_method": "+".join(methods),
        "measured": all(result.measured for result in results),
        "it_energy_kwh": it_kwh,
        "g_co2e_per_kwh": intensity.g_co2e_per_kwh,
        "intensity_year": intensity.year,
        "intensity_source": intensity.source,
        "renewable_fraction": settings.renewable_fraction,
        "residual_g_co2e_per_kwh": residual,
        "emissions_market_kg": market,
        "hardware": settings.profile.name if settings.profile is not None else "",
        "embodied_emissions_kg": embodied,
        "total_emissions_kg": emissions + (embodied or 0.0),
        "sampling_interval_s": settings.interval_s,
        "samples": max((result.samples for result in results), default=0),
        "assumptions": assumptions,
        "sustainai_version": __version__,
    }
    record.update(machine_info())
    return {name: record[name] for name in COLUMNS}
