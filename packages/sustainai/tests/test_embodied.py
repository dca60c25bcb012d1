import pytest

from sustainai.act import device_embodied
from sustainai.embodied import (
    amortised_embodied_kg,
    embodied_kg_per_device_hour,
    hardware_profile,
    list_hardware,
)
from sustainai.errors import InvalidInputError, UnknownHardwareError


def test_amortised_known_value():
    # 2000 kg x 1000 h / (4 y x 8760 h x 0.5) = 2,000,000 / 17,520 = 114.155 kg
    assert amortised_embodied_kg(2000, 1000, 4, 0.5) == pytest.approx(114.155, abs=1e-3)


def test_full_utilisation_is_time_share():
    # U = 1 is ACT's (T / LT) x E: 2000 kg x 1000 / 35,040 = 57.08 kg
    assert amortised_embodied_kg(2000, 1000, 4, 1.0) == pytest.approx(57.078, abs=1e-3)


def test_per_device_hour_rate():
    # 2000 kg / (4 x 8760 x 0.5) h = 0.11416 kg per device-hour
    assert embodied_kg_per_device_hour(2000, 4, 0.5) == pytest.approx(0.114155, abs=1e-6)


def test_zero_hours_is_zero():
    assert amortised_embodied_kg(2000, 0, 4, 0.5) == 0.0


@pytest.mark.parametrize("utilisation", [0.0, -0.2, 1.01])
def test_utilisation_outside_range(utilisation):
    with pytest.raises(InvalidInputError, match=r"utilisation must be in \(0, 1\]"):
        amortised_embodied_kg(2000, 10, 4, utilisation)


def test_negative_hours_rejected():
    with pytest.raises(InvalidInputError, match="device_hours must be >= 0, got -5"):
        amortised_embodied_kg(2000, -5, 4, 0.5)


def test_nonpositive_lifetime_rejected():
    with pytest.raises(InvalidInputError, match="lifetime_years must be > 0"):
        amortised_embodied_kg(2000, 5, 0, 0.5)


def test_paper_servers_in_table():
    gpu = hardware_profile("gpu-server")
    cpu = hardware_profile("CPU_server")
    assert gpu.embodied_kg == 2000.0
    assert cpu.embodied_kg == 1000.0
    assert 3 <= gpu.lifetime_years <= 5
    assert 0.3 <= gpu.utilisation <= 0.6
    assert "Wu et al. 2022" in gpu.source


def test_hardware_rows_valid():
    rows = list_hardware()
    assert {row.kind for row in rows} == {"server", "gpu", "cpu"}
    for row in rows:
        assert row.embodied_kg > 0, row
        assert 0 < row.utilisation <= 1, row
        assert row.source, row


# Bill of materials behind each ACT-derived row: dies as (node, area cm2, packages), GB of DRAM.
ACT_ROWS = {
    "nvidia-a100-40gb": ([(7, 8.26, 1)], 40),
    "nvidia-a100-80gb": ([(7, 8.26, 1)], 80),
    "nvidia-h100-sxm": ([(5, 8.14, 1)], 80),
    "nvidia-v100-sxm2-32gb": ([(14, 8.15, 1)], 32),
    "nvidia-t4": ([(14, 5.45, 1)], 16),
    "amd-epyc-7763": ([(7, 0.81, 0)] * 8 + [(14, 4.16, 1)], 0),
    "amd-epyc-9654": ([(5, 0.72, 0)] * 12 + [(7, 3.97, 1)], 0),
}


@pytest.mark.parametrize("name", ACT_ROWS)
def test_table_matches_act(name):
    # The table stores values rounded to 10 g; recomputing them with the ACT model must agree.
    dies, dram_gb = ACT_ROWS[name]
    expected = device_embodied(dies, dram_gb=dram_gb).total_kg
    assert hardware_profile(name).embodied_kg == pytest.approx(expected, abs=0.006)


def test_unknown_hardware_suggests():
    with pytest.raises(UnknownHardwareError) as info:
        hardware_profile("a100")
    assert "nvidia-a100-40gb" in info.value.suggestions
    assert "did you mean" in str(info.value)
