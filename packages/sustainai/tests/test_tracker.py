import subprocess
import sys
import time

import pytest

import sustainai
from sustainai.embodied import amortised_embodied_kg
from sustainai.errors import SensorError, TrackerConfigError, TrackerStateError, UnknownRegionError
from sustainai.intensity import lookup_intensity
from sustainai.records import read_records
from sustainai.sensors.base import EnergyResult, Sensor


class FixedSensor(Sensor):
    """Sensor that reports a fixed CPU and RAM energy and counts its samples."""

    name = "fixed"

    def __init__(self, cpu_kwh=0.01, ram_kwh=0.002, measured=True):
        self.cpu_kwh = cpu_kwh
        self.ram_kwh = ram_kwh
        self.measured = measured
        self.samples = 0

    def start(self):
        self.samples = 1

    def sample(self):
        self.samples += 1

    def stop(self):
        self.samples += 1
        return EnergyResult(
            sensor=self.name,
            energy_method="fixed" if self.measured else "estimate:fixed",
            measured=self.measured,
            duration_s=1.0,
            cpu_energy_kwh=self.cpu_kwh,
            ram_energy_kwh=self.ram_kwh,
            samples=self.samples,
            assumptions={"cpu": "fixed test energy"},
        )


def test_context_manager_writes_record(tmp_path):
    path = tmp_path / "emissions.csv"
    with sustainai.track("proj", phase="inference", region="FRA", pue=1.5, output=path,
                         sensors=[FixedSensor()], hardware=None) as tracker:  # fmt: skip
        pass
    (record,) = read_records(path)
    intensity = lookup_intensity("FRA").g_co2e_per_kwh
    # 0.012 kWh IT energy x PUE 1.5 = 0.018 kWh; emissions = 0.018 x intensity / 1000.
    assert record["energy_consumed"] == pytest.approx(0.018)
    assert record["cpu_energy"] == pytest.approx(0.015)
    assert record["it_energy_kwh"] == pytest.approx(0.012)
    assert record["emissions"] == pytest.approx(0.018 * intensity / 1000)
    assert record["project_name"] == "proj"
    assert record["phase"] == "inference"
    assert record["status"] == "ok"
    assert record["measured"] is True
    assert record["country_iso_code"] == "FRA"
    assert record["embodied_emissions_kg"] is None
    assert tracker.result.emissions_kg == pytest.approx(record["emissions"])


def test_market_based_side_by_side(tmp_path):
    tracker = sustainai.Tracker(region="FRA", output=None, renewable_fraction=1.0,
                                sensors=[FixedSensor()], hardware=None)  # fmt: skip
    tracker.start()
    result = tracker.stop()
    # Fully contracted renewables: market-based is zero, location-based is unchanged.
    assert result.emissions_market_kg == 0.0
    assert result.emissions_kg == pytest.approx(
        0.012 * lookup_intensity("FRA").g_co2e_per_kwh / 1000
    )


def test_residual_intensity_used_for_market(tmp_path):
    tracker = sustainai.Tracker(region="FRA", output=None, renewable_fraction=0.6,
                                residual_g_co2e_per_kwh=500.0, sensors=[FixedSensor(0.01, 0.0)],
                                hardware=None)  # fmt: skip
    result = tracker.start().stop()
    # 0.01 kWh x 0.4 uncovered x 500 g/kWh = 2 g.
    assert result.emissions_market_kg == pytest.approx(0.002)
    assert "market" not in result.record["assumptions"]


def test_embodied_share_uses_hardware_row(tmp_path):
    tracker = sustainai.Tracker(region="FRA", output=None, hardware="gpu-server",
                                sensors=[FixedSensor()])  # fmt: skip
    result = tracker.start().stop()
    record = result.record
    profile = sustainai.hardware_profile("gpu-server")
    expected = amortised_embodied_kg(
        profile.embodied_kg, record["duration"] / 3600, profile.lifetime_years, profile.utilisation
    )
    assert record["embodied_emissions_kg"] == pytest.approx(expected)
    assert record["total_emissions_kg"] == pytest.approx(record["emissions"] + expected)
    assert record["hardware"] == "gpu-server"


def test_decorator_records_every_call(tmp_path):
    path = tmp_path / "emissions.csv"

    @sustainai.track("deco", region="DEU", output=path, sensors=[FixedSensor()])
    def square(value):
        return value * value

    assert square(3) == 9
    assert square(4) == 16
    assert square.__name__ == "square"
    records = read_records(path)
    assert [record["project_name"] for record in records] == ["deco", "deco"]
    assert len({record["run_id"] for record in records}) == 2


def test_record_written_when_code_raises(tmp_path):
    path = tmp_path / "emissions.csv"
    with pytest.raises(ZeroDivisionError):
        with sustainai.track("boom", region="FRA", output=path, sensors=[FixedSensor()]):
            1 / 0  # noqa: B018
    (record,) = read_records(path)
    assert record["status"] == "error: ZeroDivisionError"
    assert record["energy_consumed"] == pytest.approx(0.012)


def test_decorated_function_raising_still_records(tmp_path):
    path = tmp_path / "emissions.csv"

    @sustainai.track("deco", region="FRA", output=path, sensors=[FixedSensor()])
    def fail():
        key = "missing"
        raise KeyError(key)

    with pytest.raises(KeyError):
        fail()
    assert read_records(path)[0]["status"] == "error: KeyError"


def test_sampler_thread_samples(tmp_path):
    sensor = FixedSensor()
    tracker = sustainai.Tracker(region="FRA", output=None, interval_s=0.01, sensors=[sensor])
    tracker.start()
    assert tracker.running
    time.sleep(0.2)
    result = tracker.stop()
    assert not tracker.running
    # start + at least a few ticks in 0.2 s at 0.01 s + stop.
    assert result.record["samples"] >= 4
    assert result.record["sampling_interval_s"] == 0.01


def test_estimator_path_is_marked_estimate():
    tracker = sustainai.Tracker(region="FRA", output=None, use_rapl=False, use_nvml=False)
    with tracker:
        begin = time.process_time()
        while time.process_time() - begin < 0.05:
            sum(index * index for index in range(10_000))
    record = tracker.result.record
    assert record["measured"] is False
    assert record["energy_method"] == "estimate:cpu-time"
    assert record["cpu_energy"] > 0
    assert "W per busy logical CPU" in record["assumptions"]["cpu"]
    assert record["assumptions"]["sensor rapl unused"] == "disabled by the caller"
    assert tracker.result.summary_line().startswith("ESTIMATE")


def test_stop_before_start():
    with pytest.raises(TrackerStateError, match="not running"):
        sustainai.Tracker(output=None).stop()


def test_double_start(tmp_path):
    tracker = sustainai.Tracker(region="FRA", output=None, sensors=[FixedSensor()])
    tracker.start()
    with pytest.raises(TrackerStateError, match="already running"):
        tracker.start()
    tracker.stop()


def test_unknown_region_fails_before_writing(tmp_path):
    path = tmp_path / "emissions.csv"
    with pytest.raises(UnknownRegionError, match="FRX"):
        with sustainai.track(region="FRX", output=path, sensors=[FixedSensor()]):
            pass
    assert not path.exists()


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("interval_s", 0, "interval_s must be a positive"),
        ("pue", 0.9, "pue must be >= 1"),
        ("renewable_fraction", 1.5, "renewable_fraction must be >= 0 and <= 1"),
        ("residual_g_co2e_per_kwh", -1, "residual_g_co2e_per_kwh must be >= 0"),
        ("scope", "cluster", "scope must be 'process' or 'machine'"),
        ("watts_per_core", -4, "watts_per_core must be >= 0"),
    ],
)
def test_invalid_settings(setting, value, message):
    with pytest.raises(TrackerConfigError, match=message):
        sustainai.Tracker(**{setting: value})


def test_partly_estimated_summary(tmp_path):
    tracker = sustainai.Tracker(region="FRA", output=None,
                                sensors=[FixedSensor(), FixedSensor(measured=False)])  # fmt: skip
    result = tracker.start().stop()
    assert result.record["measured"] is False
    assert result.record["energy_method"] == "fixed+estimate:fixed"
    assert result.summary_line().startswith("PARTLY ESTIMATED")


def test_region_from_environment(monkeypatch):
    monkeypatch.setenv("SUSTAINAI_REGION", "SWE")
    tracker = sustainai.Tracker(output=None, sensors=[FixedSensor()])
    record = tracker.start().stop().record
    assert record["country_iso_code"] == "SWE"
    assert record["g_co2e_per_kwh"] == lookup_intensity("SWE").g_co2e_per_kwh


def test_rapl_tree_measured_without_estimate(tmp_path):
    zone = tmp_path / "intel-rapl:0"
    zone.mkdir()
    (zone / "name").write_text("package-0\n")
    (zone / "energy_uj").write_text("1000\n")
    (zone / "max_energy_range_uj").write_text("262143328850\n")
    tracker = sustainai.Tracker(region="FRA", output=None, powercap_root=tmp_path, use_nvml=False)
    tracker.start()
    (zone / "energy_uj").write_text(f"{1000 + 36_000_000}\n")
    record = tracker.stop().record
    # 36 J = 1e-5 kWh from the package counter; no estimator runs next to RAPL.
    assert record["cpu_energy"] == pytest.approx(1e-5)
    assert record["measured"] is True
    assert record["energy_method"] == "rapl"
    assert record["tracking_mode"] == "machine"


def test_record_written_at_exit_without_stop(tmp_path):
    path = tmp_path / "emissions.csv"
    script = (
        "import sustainai\n"
        f"sustainai.Tracker('left', region='FRA', output={str(path)!r}).start()\n"
        "raise SystemExit(4)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 4, done.stderr
    (record,) = read_records(path)
    assert record["project_name"] == "left"
    assert record["status"] == "exited before stop()"


def test_unknown_hardware_fails_before_sensors(tmp_path):
    sensor = FixedSensor()
    tracker = sustainai.Tracker(region="FRA", output=None, hardware="gpu-serer", sensors=[sensor])
    with pytest.raises(sustainai.UnknownHardwareError, match="gpu-server"):
        tracker.start()
    assert sensor.samples == 0
    assert not tracker.running


class BrokenSensor(FixedSensor):
    name = "broken"

    def stop(self):
        message = "counter vanished"
        raise SensorError(message)


def test_failed_sensor_still_writes_record(tmp_path):
    path = tmp_path / "emissions.csv"
    with sustainai.track(region="FRA", output=path, sensors=[BrokenSensor()]) as tracker:
        pass
    (record,) = read_records(path)
    assert record["measured"] is False
    assert record["energy_method"] == "failed:broken"
    assert "counter vanished" in record["assumptions"]["broken"]
    assert tracker.result.summary_line().startswith("INCOMPLETE")


def test_hardware_share_scales_embodied():
    tracker = sustainai.Tracker(region="FRA", output=None, hardware="gpu-server",
                                hardware_share=0.125, sensors=[FixedSensor()])  # fmt: skip
    record = tracker.start().stop().record
    profile = sustainai.hardware_profile("gpu-server")
    # Hand formula: embodied kg x hours / (lifetime hours x utilisation), then one eighth of it.
    hours = record["duration"] / 3600
    lifetime_hours = profile.lifetime_years * 8760
    whole_server = profile.embodied_kg * hours / (lifetime_hours * profile.utilisation)
    assert record["embodied_emissions_kg"] == pytest.approx(whole_server / 8)
    assert record["assumptions"]["embodied"].startswith("0.125 of one gpu-server")


@pytest.mark.parametrize("share", [0, -0.5, 1.5])
def test_hardware_share_out_of_range_rejected(share):
    with pytest.raises(TrackerConfigError, match="hardware_share"):
        sustainai.Tracker(region="FRA", output=None, hardware_share=share)
