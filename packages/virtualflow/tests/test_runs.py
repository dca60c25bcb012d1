import csv
import json
import math

import numpy as np
import pytest

from virtualflow.errors import RunDirectoryError
from virtualflow.runs import compare_runs, load_run, plot_runs


def write_run(path, weights, losses, accuracies=None, num_devices=None, steps=None):
    """Write a run directory in the format of 'virtualflow train --out'."""
    path.mkdir(parents=True)
    steps = list(range(len(losses))) if steps is None else steps
    accuracies = [0.5] * len(losses) if accuracies is None else accuracies
    num_devices = [1] * len(losses) if num_devices is None else num_devices
    config = {
        "global_batch": 64,
        "virtual_nodes": 8,
        "plan": {"format": "virtualflow-plan/1", "num_devices": num_devices[0]},
    }
    (path / "config.json").write_text(json.dumps(config))
    with (path / "metrics.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["step", "loss", "accuracy", "num_devices", "wall_s"])
        for row in zip(steps, losses, accuracies, num_devices, strict=True):
            writer.writerow([*row, 0.01])
    np.savez(path / "weights.npz", **weights)
    return path


WEIGHTS = {
    "dense/kernel": np.arange(6, dtype=np.float32).reshape(2, 3) / 10,
    "dense/bias": np.array([0.1, -0.2, 0.3], dtype=np.float32),
    "batch_normalization/moving_mean": np.array([0.5, 0.25], dtype=np.float32),
}
LOSSES = [2.3, 1.9, 1.5, 1.2]


def perturbed(name, delta):
    weights = {key: value.copy() for key, value in WEIGHTS.items()}
    weights[name] = weights[name] + np.float32(delta)
    return weights


def test_load_run_reads_all_files(tmp_path):
    run = load_run(write_run(tmp_path / "run", WEIGHTS, LOSSES, num_devices=[1, 2, 2, 4]))
    assert run.name == "run"
    assert run.config["virtual_nodes"] == 8
    np.testing.assert_array_equal(run.steps, [0, 1, 2, 3])
    np.testing.assert_allclose(run.metrics["loss"], LOSSES)
    assert set(run.weights) == set(WEIGHTS)
    assert run.device_counts == [1, 2, 4]


def test_identical_runs_bit_identical(tmp_path):
    a = load_run(write_run(tmp_path / "a", WEIGHTS, LOSSES))
    b = load_run(write_run(tmp_path / "b", WEIGHTS, LOSSES))
    result = compare_runs(a, b)
    assert result.verdict == "bit_identical"
    assert result.max_abs_weight_diff == 0.0
    assert result.max_abs_loss_diff == 0.0
    assert result.steps_compared == 4
    assert result.reasons == ()


def test_small_difference_within_tolerance(tmp_path):
    # 0.5 + 1e-6 in float32 is the next few representable values above 0.5 (spacing 6e-8).
    a = load_run(write_run(tmp_path / "a", WEIGHTS, LOSSES))
    b = load_run(
        write_run(tmp_path / "b", perturbed("batch_normalization/moving_mean", 1e-6), LOSSES)
    )
    result = compare_runs(a, b, rtol=1e-5, atol=1e-6)
    assert result.verdict == "within_tolerance"
    assert result.max_weight_diff_variable == "batch_normalization/moving_mean"
    assert result.max_abs_weight_diff == pytest.approx(1e-6, rel=0.1)


def test_large_difference_differs(tmp_path):
    a = load_run(write_run(tmp_path / "a", WEIGHTS, LOSSES))
    b = load_run(write_run(tmp_path / "b", perturbed("dense/bias", 0.01), [2.3, 1.9, 1.6, 1.3]))
    result = compare_runs(a, b)
    assert result.verdict == "differs"
    assert result.max_abs_weight_diff == pytest.approx(0.01, rel=1e-4)
    assert result.max_weight_diff_variable == "dense/bias"
    # The last two losses differ by 0.1 each.
    assert result.max_abs_loss_diff == pytest.approx(0.1)
    assert any("weights differ by up to" in reason for reason in result.reasons)
    assert any("losses differ by up to" in reason for reason in result.reasons)


def test_loss_difference_alone_differs(tmp_path):
    a = load_run(write_run(tmp_path / "a", WEIGHTS, LOSSES))
    b = load_run(write_run(tmp_path / "b", WEIGHTS, [2.3, 1.9, 1.5, 1.25]))
    result = compare_runs(a, b)
    assert result.verdict == "differs"
    assert result.max_abs_weight_diff == 0.0


def test_missing_variable_differs(tmp_path):
    fewer = {key: value for key, value in WEIGHTS.items() if key != "dense/bias"}
    a = load_run(write_run(tmp_path / "a", WEIGHTS, LOSSES))
    b = load_run(write_run(tmp_path / "b", fewer, LOSSES))
    result = compare_runs(a, b)
    assert result.verdict == "differs"
    assert result.reasons == ("variables only in a: ['dense/bias']",)


def test_shape_mismatch_differs(tmp_path):
    reshaped = dict(WEIGHTS, **{"dense/kernel": WEIGHTS["dense/kernel"].reshape(3, 2)})
    a = load_run(write_run(tmp_path / "a", WEIGHTS, LOSSES))
    b = load_run(write_run(tmp_path / "b", reshaped, LOSSES))
    result = compare_runs(a, b)
    assert result.verdict == "differs"
    assert "has shape (2, 3) vs (3, 2)" in result.reasons[0]


def test_different_step_lists_differ(tmp_path):
    a = load_run(write_run(tmp_path / "a", WEIGHTS, LOSSES))
    b = load_run(write_run(tmp_path / "b", WEIGHTS, LOSSES[:3]))
    result = compare_runs(a, b)
    assert result.verdict == "differs"
    assert result.steps_compared == 3
    assert "step lists differ" in result.reasons[0]


def test_nan_loss_in_one_run_differs(tmp_path):
    a = load_run(write_run(tmp_path / "a", WEIGHTS, LOSSES))
    b = load_run(write_run(tmp_path / "b", WEIGHTS, [2.3, 1.9, float("nan"), 1.2]))
    result = compare_runs(a, b)
    assert result.verdict == "differs"
    assert math.isinf(result.max_abs_loss_diff)


def test_negative_tolerance_rejected(tmp_path):
    run = load_run(write_run(tmp_path / "a", WEIGHTS, LOSSES))
    with pytest.raises(ValueError, match="rtol must be a finite number >= 0"):
        compare_runs(run, run, rtol=-1.0)


def test_to_dict_has_flat_figures(tmp_path):
    a = load_run(write_run(tmp_path / "a", WEIGHTS, LOSSES, accuracies=[0.1, 0.2, 0.3, 0.4]))
    data = compare_runs(a, a).to_dict()
    assert data["verdict"] == "bit_identical"
    assert data["final_loss_a"] == pytest.approx(1.2)
    assert data["final_accuracy_b"] == pytest.approx(0.4)
    assert data["variables_compared"] == 3
    assert json.loads(json.dumps(data)) == data


def test_missing_directory(tmp_path):
    with pytest.raises(RunDirectoryError, match="run directory .* not found"):
        load_run(tmp_path / "nowhere")


@pytest.mark.parametrize(
    ("missing", "match"),
    [
        ("config.json", "config.json not found"),
        ("metrics.csv", "metrics.csv not found"),
        ("weights.npz", "weights.npz not found"),
    ],
)
def test_missing_file(tmp_path, missing, match):
    path = write_run(tmp_path / "run", WEIGHTS, LOSSES)
    (path / missing).unlink()
    with pytest.raises(RunDirectoryError, match=match):
        load_run(path)


def test_metrics_without_loss_column(tmp_path):
    path = write_run(tmp_path / "run", WEIGHTS, LOSSES)
    (path / "metrics.csv").write_text("step,accuracy\n0,0.5\n")
    with pytest.raises(RunDirectoryError, match=r"missing the columns \['loss'\]"):
        load_run(path)


def test_metrics_with_text_cell(tmp_path):
    path = write_run(tmp_path / "run", WEIGHTS, LOSSES)
    (path / "metrics.csv").write_text("step,loss\n0,2.3\n1,high\n")
    with pytest.raises(RunDirectoryError, match=r"metrics.csv:3: column 'loss' is not a number"):
        load_run(path)


def test_empty_metrics(tmp_path):
    path = write_run(tmp_path / "run", WEIGHTS, LOSSES)
    (path / "metrics.csv").write_text("step,loss\n")
    with pytest.raises(RunDirectoryError, match="has no rows"):
        load_run(path)


def test_corrupt_weights(tmp_path):
    path = write_run(tmp_path / "run", WEIGHTS, LOSSES)
    (path / "weights.npz").write_bytes(b"not a zip archive")
    with pytest.raises(RunDirectoryError, match="is not a valid weights file"):
        load_run(path)


def test_invalid_config_json(tmp_path):
    path = write_run(tmp_path / "run", WEIGHTS, LOSSES)
    (path / "config.json").write_text("{")
    with pytest.raises(RunDirectoryError, match="invalid JSON"):
        load_run(path)


def test_plot_writes_png(tmp_path):
    a = load_run(write_run(tmp_path / "a", WEIGHTS, LOSSES))
    b = load_run(write_run(tmp_path / "b", WEIGHTS, [2.2, 1.8, 1.4, 1.1], num_devices=[2] * 4))
    out = plot_runs([a, b], tmp_path / "curves.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "curves.png"]
