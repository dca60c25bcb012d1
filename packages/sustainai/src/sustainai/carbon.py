"""Operational emissions: energy x PUE x grid intensity, location-based and market-based.

Location-based emissions use the average intensity of the grid that supplies the energy.
Market-based emissions (GHG Protocol Scope 2 guidance) count the contracted carbon-free share
as zero and the rest at the residual-mix intensity. The two are reported side by side and never
netted into each other: contracted renewables lower the market-based figure only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sustainai.validation import require_fraction, require_non_negative, require_pue

__all__ = [
    "OperationalEmissions",
    "estimate_operational",
    "market_based_emissions_kg",
    "operational_emissions_kg",
]

_GRAMS_PER_KG = 1000.0


def operational_emissions_kg(energy_kwh: float, g_co2e_per_kwh: float, pue: float = 1.0) -> float:
    """Compute location-based operational emissions.

    Args:
        energy_kwh: IT energy drawn by the hardware, in kWh.
        g_co2e_per_kwh: Average grid intensity in g CO2e/kWh.
        pue: Power usage effectiveness of the data centre (>= 1).

    Returns:
        Emissions in kg CO2e: ``energy_kwh * pue * g_co2e_per_kwh / 1000``.

    Raises:
        InvalidInputError: A value is negative, not finite, or ``pue`` is below 1.
    """
    energy = require_non_negative("energy_kwh", energy_kwh)
    intensity = require_non_negative("g_co2e_per_kwh", g_co2e_per_kwh)
    return energy * require_pue(pue) * intensity / _GRAMS_PER_KG


def market_based_emissions_kg(
    energy_kwh: float,
    pue: float,
    renewable_fraction: float,
    residual_g_co2e_per_kwh: float,
) -> float:
    """Compute market-based operational emissions.

    The contracted carbon-free share of the facility energy counts as zero; the remainder
    is charged at the residual-mix intensity.

    Args:
        energy_kwh: IT energy drawn by the hardware, in kWh.
        pue: Power usage effectiveness of the data centre (>= 1).
        renewable_fraction: Share of the facility energy covered by contracts (PPAs, RECs,
            guarantees of origin), in [0, 1].
        residual_g_co2e_per_kwh: Residual-mix intensity in g CO2e/kWh for the uncovered share.
            Where no residual mix is published, callers pass the location-based intensity.

    Returns:
        Emissions in kg CO2e: ``energy_kwh * pue * (1 - renewable_fraction) * residual / 1000``.

    Raises:
        InvalidInputError: A value is out of range.
    """
    energy = require_non_negative("energy_kwh", energy_kwh)
    fraction = require_fraction("renewable_fraction", renewable_fraction)
    residual = require_non_negative("residual_g_co2e_per_kwh", residual_g_co2e_per_kwh)
    return energy * require_pue(pue) * (1.0 - fraction) * residual / _GRAMS_PER_KG


@dataclass(frozen=True)
class OperationalEmissions:
    """Location-based and market-based operational emissions of one energy figure.

    Attributes:
        energy_kwh: IT energy in kWh.
        facility_energy_kwh: Energy including data-centre overhead (``energy_kwh * pue``).
        pue: Power usage effectiveness used.
        location_g_co2e_per_kwh: Grid intensity used for the location-based figure.
        location_based_kg: Location-based emissions in kg CO2e.
        renewable_fraction: Contracted carbon-free share used for the market-based figure.
        residual_g_co2e_per_kwh: Intensity charged on the uncovered share.
        market_based_kg: Market-based emissions in kg CO2e.
        residual_is_location: True when no residual mix was given, so the location-based
            intensity stood in for it.
    """

    energy_kwh: float
    facility_energy_kwh: float
    pue: float
    location_g_co2e_per_kwh: float
    location_based_kg: float
    renewable_fraction: float
    residual_g_co2e_per_kwh: float
    market_based_kg: float
    residual_is_location: bool

    def to_dict(self) -> dict[str, object]:
        """Return the figures as a JSON-ready dictionary."""
        return asdict(self)


def estimate_operational(
    energy_kwh: float,
    g_co2e_per_kwh: float,
    pue: float = 1.0,
    renewable_fraction: float = 0.0,
    residual_g_co2e_per_kwh: float | None = None,
) -> OperationalEmissions:
    """Compute location-based and market-based emissions side by side.

    Args:
        energy_kwh: IT energy in kWh.
        g_co2e_per_kwh: Location-based grid intensity in g CO2e/kWh.
        pue: Power usage effectiveness (>= 1).
        renewable_fraction: Contracted carbon-free share in [0, 1].
        residual_g_co2e_per_kwh: Residual-mix intensity; ``None`` uses ``g_co2e_per_kwh``
            and sets ``residual_is_location`` so that reports can flag it.

    Returns:
        Both figures and the inputs behind them.
    """
    residual = g_co2e_per_kwh if residual_g_co2e_per_kwh is None else residual_g_co2e_per_kwh
    location = operational_emissions_kg(energy_kwh, g_co2e_per_kwh, pue)
    market = market_based_emissions_kg(energy_kwh, pue, renewable_fraction, residual)
    return OperationalEmissions(
        energy_kwh=float(energy_kwh),
        facility_energy_kwh=float(energy_kwh) * float(pue),
        pue=float(pue),
        location_g_co2e_per_kwh=float(g_co2e_per_kwh),
        location_based_kg=location,
        renewable_fraction=float(renewable_fraction),
        residual_g_co2e_per_kwh=float(residual),
        market_based_kg=market,
        residual_is_location=residual_g_co2e_per_kwh is None,
    )
