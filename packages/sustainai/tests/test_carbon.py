import math

import pytest

from sustainai.carbon import (
    estimate_operational,
    market_based_emissions_kg,
    operational_emissions_kg,
)
from sustainai.errors import InvalidInputError


def test_operational_known_value():
    # 100 kWh x PUE 1.1 x 400 g/kWh = 44,000 g = 44.0 kg
    assert operational_emissions_kg(100, 400, pue=1.1) == pytest.approx(44.0)


def test_operational_default_pue_is_one():
    # 10 kWh x 1.0 x 250 g/kWh = 2.5 kg
    assert operational_emissions_kg(10, 250) == pytest.approx(2.5)


def test_full_renewables_zero_market_only():
    # 100 % contracted renewables: market-based 0 kg, location-based unchanged at 44.0 kg
    result = estimate_operational(100, 400, pue=1.1, renewable_fraction=1.0)
    assert result.market_based_kg == 0.0
    assert result.location_based_kg == pytest.approx(44.0)


def test_market_partial_renewables():
    # 10 kWh x PUE 1 x (1 - 0.6) x 500 g/kWh = 2000 g = 2.0 kg
    assert market_based_emissions_kg(10, 1.0, 0.6, 500) == pytest.approx(2.0)


def test_market_residual_defaults_to_location():
    result = estimate_operational(100, 400, pue=1.0, renewable_fraction=0.25)
    assert result.residual_is_location
    # 100 kWh x 0.75 x 400 g/kWh = 30 kg
    assert result.market_based_kg == pytest.approx(30.0)
    assert result.location_based_kg == pytest.approx(40.0)


def test_estimate_reports_facility_energy():
    result = estimate_operational(100, 400, pue=1.2, residual_g_co2e_per_kwh=600)
    assert result.facility_energy_kwh == pytest.approx(120.0)
    assert not result.residual_is_location
    assert result.to_dict()["market_based_kg"] == pytest.approx(72.0)


@pytest.mark.parametrize("energy", [-1.0, math.nan, math.inf, "lots"])
def test_operational_rejects_bad_energy(energy):
    with pytest.raises(InvalidInputError, match="energy_kwh"):
        operational_emissions_kg(energy, 400)


def test_pue_below_one_rejected():
    with pytest.raises(InvalidInputError, match=r"pue must be >= 1.*0\.9"):
        operational_emissions_kg(1, 400, pue=0.9)


def test_negative_intensity_rejected():
    with pytest.raises(InvalidInputError, match="g_co2e_per_kwh"):
        operational_emissions_kg(1, -5)


@pytest.mark.parametrize("fraction", [-0.1, 1.5])
def test_renewable_fraction_outside_unit_interval(fraction):
    expected = r"renewable_fraction must be a fraction in \[0, 1\]"
    with pytest.raises(InvalidInputError, match=expected):
        market_based_emissions_kg(1, 1.0, fraction, 400)


def test_invalid_input_is_value_error():
    with pytest.raises(ValueError):
        market_based_emissions_kg(1, 0.5, 0.0, 400)
