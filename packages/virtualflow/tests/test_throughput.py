import json

import pytest

from virtualflow.errors import ProfileError
from virtualflow.throughput import ThroughputProfile


def profile(name, table):
    return ThroughputProfile(name, sorted(table.items()))


class TestThroughputProfile:
    def test_interpolates_throughput(self):
        # Halfway between 100 ex/s at 8 and 200 ex/s at 16: 150 ex/s, so 12 / 150 = 0.08 s.
        prof = profile("gpu", {8: 100.0, 16: 200.0})
        assert prof.examples_per_s(12) == pytest.approx(150.0)
        assert prof.step_time_s(12) == pytest.approx(0.08)

    def test_below_smallest_batch_keeps_time(self):
        # A batch of 4 is assumed to take as long as the smallest measured batch: 8 / 100 s.
        prof = profile("gpu", {8: 100.0, 16: 200.0})
        assert prof.step_time_s(4) == pytest.approx(0.08)
        assert prof.examples_per_s(4) == pytest.approx(50.0)

    def test_above_largest_batch_rejected(self):
        with pytest.raises(ProfileError, match="covers batch sizes up to 16, got 17"):
            profile("gpu", {8: 100.0, 16: 200.0}).step_time_s(17)

    def test_json_round_trip(self, tmp_path):
        prof = ThroughputProfile("cpu", [(16, 900.0), (8, 500.5)], model="cnn")
        path = tmp_path / "cpu.json"
        prof.save(path)
        data = json.loads(path.read_text())
        assert data["format"] == "virtualflow-profile/1"
        assert data["measurements"][0] == {"batch_size": 8, "examples_per_s": 500.5}
        loaded = ThroughputProfile.load(path)
        assert loaded.measurements == ((8, 500.5), (16, 900.0))
        assert loaded.model == "cnn"
        assert [p.name for p in tmp_path.iterdir()] == ["cpu.json"]

    def test_load_rejects_invalid_json(self, tmp_path):
        path = tmp_path / "bad.json"
        path.write_text("{not json")
        with pytest.raises(ProfileError, match="invalid JSON"):
            ThroughputProfile.load(path)

    def test_load_rejects_wrong_format(self, tmp_path):
        path = tmp_path / "other.json"
        path.write_text(json.dumps({"format": "something-else", "measurements": []}))
        with pytest.raises(ProfileError, match="expected format 'virtualflow-profile/1'"):
            ThroughputProfile.load(path)

    def test_load_rejects_missing_key(self):
        data = {"format": "virtualflow-profile/1", "device_type": "x", "measurements": [{}]}
        with pytest.raises(ProfileError, match="needs 'batch_size' and 'examples_per_s'"):
            ThroughputProfile.from_dict(data)

    @pytest.mark.parametrize(
        ("measurements", "match"),
        [
            ([], "has no measurements"),
            ([(0, 10.0)], "batch size must be at least 1"),
            ([(8.5, 10.0)], "batch size must be an integer"),
            ([(8, -1.0)], "must be a finite number > 0"),
            ([(8, "fast")], "examples_per_s must be a number"),
            ([(8, 1.0), (8, 2.0)], r"measures the batch sizes \[8\] more than once"),
            ([(8,)], "is not a"),
        ],
    )
    def test_rejects_bad_measurements(self, measurements, match):
        with pytest.raises(ProfileError, match=match):
            ThroughputProfile("x", measurements)
