from pathlib import Path

import pytest

from sustainai.errors import SensorError
from sustainai.sensors.rapl import RaplSensor, discover_zones, energy_delta_uj, probe_rapl

# A common max_energy_range_uj value on Intel server CPUs (about 262 kJ).
MAX_RANGE_UJ = 262_143_328_850


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def make_zone(root: Path, folder: str, name: str, energy_uj: int) -> Path:
    zone = root / folder
    zone.mkdir(parents=True)
    (zone / "name").write_text(name + "\n")
    (zone / "energy_uj").write_text(f"{energy_uj}\n")
    (zone / "max_energy_range_uj").write_text(f"{MAX_RANGE_UJ}\n")
    return zone


@pytest.fixture
def powercap(tmp_path):
    root = tmp_path / "powercap"
    make_zone(root, "intel-rapl:0", "package-0", MAX_RANGE_UJ - 1_000_000)
    make_zone(root, "intel-rapl:0:0", "core", 5)
    make_zone(root, "intel-rapl:0:1", "dram", 2_000_000)
    make_zone(root, "intel-rapl:1", "psys", 7)
    return root


def test_delta_without_wrap():
    assert energy_delta_uj(100, 350, MAX_RANGE_UJ) == 250


def test_delta_across_wrap_is_positive():
    # 1_000_000 uJ up to the wrap point, then 500_000 uJ after it.
    assert energy_delta_uj(MAX_RANGE_UJ - 1_000_000, 500_000, MAX_RANGE_UJ) == 1_500_000


def test_delta_rejects_value_above_range():
    with pytest.raises(SensorError, match="outside its range"):
        energy_delta_uj(0, MAX_RANGE_UJ + 1, MAX_RANGE_UJ)


def test_discover_keeps_packages_and_dram(powercap):
    zones = discover_zones(powercap)
    assert [(zone.path.name, zone.component) for zone in zones] == [
        ("intel-rapl:0", "cpu"),
        ("intel-rapl:0:1", "ram"),
    ]
    assert zones[0].max_energy_range_uj == MAX_RANGE_UJ


def test_sensor_counts_wrapped_package_counter(powercap):
    clock = FakeClock()
    sensor = RaplSensor(powercap, clock=clock)
    sensor.start()
    (powercap / "intel-rapl:0" / "energy_uj").write_text("500000\n")
    (powercap / "intel-rapl:0:1" / "energy_uj").write_text("5600000\n")
    clock.now = 10.0
    result = sensor.stop()
    # Package: 1_500_000 uJ across the wrap; DRAM: 3_600_000 uJ; 1 kWh = 3.6e12 uJ.
    assert result.cpu_energy_kwh == pytest.approx(1_500_000 / 3.6e12)
    assert result.ram_energy_kwh == pytest.approx(1e-6)
    assert result.measured is True
    assert result.energy_method == "rapl"
    assert result.duration_s == 10.0


def test_sensor_sums_several_wraps_over_samples(powercap):
    sensor = RaplSensor(powercap, clock=FakeClock())
    sensor.start()
    counter = powercap / "intel-rapl:0" / "energy_uj"
    # Each step adds 2_000_000 uJ; the first one wraps.
    for value in (1_000_000, 3_000_000, 5_000_000):
        counter.write_text(f"{value}\n")
        sensor.sample()
    result = sensor.stop()
    assert result.cpu_energy_kwh == pytest.approx(6_000_000 / 3.6e12)
    assert result.samples == 5


def test_missing_root_gives_reason(tmp_path):
    status = probe_rapl(tmp_path / "absent")
    assert status.available is False
    assert "does not exist" in status.reason


def test_root_without_zones_gives_reason(tmp_path):
    status = probe_rapl(tmp_path)
    assert status.available is False
    assert "no intel-rapl package zone" in status.reason


def test_unreadable_counter_gives_permission_reason(powercap, monkeypatch):
    locked = powercap / "intel-rapl:0" / "energy_uj"
    original = Path.read_text

    def read_text(self, *args, **kwargs):
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return original(self, *args, **kwargs)

    # Tests may run as root, where chmod 000 would not block the read.
    monkeypatch.setattr(Path, "read_text", read_text)
    status = probe_rapl(powercap)
    assert status.available is False
    assert "permission denied" in status.reason
    assert str(locked) in status.reason
    assert "CVE-2020-8694" in status.reason


def test_garbage_counter_names_file(powercap):
    (powercap / "intel-rapl:0" / "energy_uj").write_text("n/a\n")
    with pytest.raises(SensorError, match="not an integer"):
        discover_zones(powercap)


def test_probe_lists_zones(powercap):
    status = probe_rapl(powercap)
    assert status.available is True
    assert status.devices == ("intel-rapl:0 (package-0)", "intel-rapl:0:1 (dram)")


def test_failed_last_reading_keeps_earlier_energy(powercap):
    sensor = RaplSensor(powercap, clock=FakeClock())
    sensor.start()
    (powercap / "intel-rapl:0" / "energy_uj").write_text("2000000\n")
    sensor.sample()
    (powercap / "intel-rapl:0" / "energy_uj").unlink()
    result = sensor.stop()
    # 1_000_000 uJ up to the wrap plus 2_000_000 uJ after it, read before the file vanished.
    assert result.cpu_energy_kwh == pytest.approx(3_000_000 / 3.6e12)
    assert "cannot read" in result.assumptions["last reading"]
