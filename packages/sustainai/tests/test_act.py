import pytest

from sustainai.act import (
    carbon_per_area_g_per_cm2,
    device_embodied,
    dram_kg,
    hdd_kg,
    logic_die,
    ssd_kg,
)
from sustainai.errors import InvalidInputError


def test_seven_nm_a100_die():
    # (583 g/kWh x 2.15 kWh/cm2 + 275 + 500 g/cm2) / 0.875 = 2318.23 g/cm2;
    # x 8.26 cm2 = 19,148.6 g, + 150 g for one package = 19.30 kg
    die = logic_die("7nm", 8.26, packages=1)
    assert die.total_kg == pytest.approx(19.30, abs=0.01)
    assert die.carbon_per_area_g_per_cm2 == pytest.approx(2318.23, abs=0.01)
    assert die.packaging_kg == pytest.approx(0.150)


def test_die_breakdown_sums():
    die = logic_die(7, 8.26)
    # energy share: 583 x 2.15 / 0.875 x 8.26 / 1000 = 11.83 kg
    assert die.energy_kg == pytest.approx(11.833, abs=1e-3)
    # gas: 275 / 0.875 x 8.26 / 1000 = 2.596 kg; materials: 500 / 0.875 x 8.26 / 1000 = 4.72 kg
    assert die.gas_kg == pytest.approx(2.596, abs=1e-3)
    assert die.materials_kg == pytest.approx(4.720, abs=1e-3)
    assert die.to_dict()["total_kg"] == pytest.approx(die.total_kg)


def test_28nm_gpa99():
    # (583 x 0.90 + 100 + 500) / 0.875 + 150 g = 1.4354 kg for 1 cm2
    assert logic_die("28nm", 1.0, abatement=99).total_kg == pytest.approx(1.4354, abs=1e-4)


def test_fab_location_and_explicit_intensity():
    # Iceland fab grid 28 g/kWh: (28 x 2.15 + 275 + 500) / 0.875 = 954.5 g/cm2
    assert carbon_per_area_g_per_cm2("7nm", fab_location="iceland") == pytest.approx(954.51, 0.01)
    assert carbon_per_area_g_per_cm2("7nm", fab_g_co2e_per_kwh=28) == pytest.approx(954.51, 0.01)


def test_yield_divides_all_fab_terms():
    # Yield 1.0: 583 x 2.15 + 275 + 500 = 2028.45 g/cm2
    assert carbon_per_area_g_per_cm2("7nm", fab_yield=1.0) == pytest.approx(2028.45)


def test_memory_and_storage_per_gb():
    # 80 GB x 65 g/GB = 5.2 kg; 1000 GB x 10 g/GB = 10 kg; 12,000 GB x 1.14 g/GB = 13.68 kg
    assert dram_kg(80) == pytest.approx(5.2)
    assert ssd_kg(1000) == pytest.approx(10.0)
    assert hdd_kg(12000) == pytest.approx(13.68)


def test_device_total_adds_parts():
    device = device_embodied([("7nm", 8.26, 1)], dram_gb=80, ssd_gb=1000)
    assert device.total_kg == pytest.approx(19.2986 + 5.2 + 10.0, abs=1e-3)


def test_negative_area_rejected():
    with pytest.raises(InvalidInputError, match="area_cm2 must be >= 0"):
        logic_die("7nm", -1.0)


def test_unknown_node_suggests():
    with pytest.raises(InvalidInputError, match="unknown process node '6nm'"):
        logic_die("6nm", 1.0)


def test_bad_yield_and_abatement():
    with pytest.raises(InvalidInputError, match="fab_yield"):
        logic_die("7nm", 1.0, fab_yield=0.0)
    with pytest.raises(InvalidInputError, match="abatement must be one of 95, 97, 99"):
        logic_die("7nm", 1.0, abatement=90)


def test_fractional_packages_rejected():
    with pytest.raises(InvalidInputError, match="packages must be a whole number"):
        logic_die("7nm", 1.0, packages=1.5)


def test_negative_capacity_rejected():
    with pytest.raises(InvalidInputError, match="capacity_gb must be >= 0"):
        dram_kg(-8)
