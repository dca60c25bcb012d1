import json

import pytest

from virtualflow.cli import main

from .test_runs import LOSSES, WEIGHTS, perturbed, write_run


@pytest.fixture
def runs(tmp_path):
    same = write_run(tmp_path / "one_device", WEIGHTS, LOSSES)
    twin = write_run(tmp_path / "four_devices", WEIGHTS, LOSSES, num_devices=[4] * 4)
    other = write_run(tmp_path / "plain", perturbed("dense/kernel", 0.05), [2.3, 2.0, 1.7, 1.4])
    return same, twin, other


def test_identical_runs_json(runs, capsys):
    same, twin, _ = runs
    assert main(["compare", str(same), str(twin), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["verdict"] == "bit_identical"
    assert report["max_abs_weight_diff"] == 0.0
    assert report["device_counts_b"] == [4]
    assert report["plot"] is None


def test_differing_runs_exit_zero_by_default(runs, capsys):
    same, _, other = runs
    assert main(["compare", str(same), str(other), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["verdict"] == "differs"
    # 0.05 added to every kernel entry in float32.
    assert report["max_abs_weight_diff"] == pytest.approx(0.05, rel=1e-5)
    assert report["max_weight_diff_variable"] == "dense/kernel"


def test_fail_on_differ_exits_one(runs, capsys):
    same, _, other = runs
    assert main(["compare", str(same), str(other), "--fail-on-differ"]) == 1
    captured = capsys.readouterr()
    assert "verdict" in captured.out
    assert captured.err.startswith("virtualflow: error: runs ")
    assert captured.err.count("\n") == 1


def test_table_and_plot(runs, tmp_path, capsys):
    same, twin, _ = runs
    plot = tmp_path / "both.png"
    assert main(["compare", str(same), str(twin), "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "bit-identical" in out
    assert any(line.startswith("plot") and line.endswith(str(plot)) for line in out.splitlines())
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_tolerance_loosens_verdict(runs, capsys):
    same, _, other = runs
    argv = ["compare", str(same), str(other), "--atol", "0.2", "--format", "json"]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "within_tolerance"


def test_nan_values_become_null(tmp_path, capsys):
    a = write_run(tmp_path / "a", WEIGHTS, LOSSES)
    b = write_run(tmp_path / "b", WEIGHTS, [2.3, float("nan"), 1.5, 1.2])
    assert main(["compare", str(a), str(b), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["max_abs_loss_diff"] is None
    assert report["verdict"] == "differs"


def test_negative_tolerance_is_usage_error(runs, capsys):
    same, twin, _ = runs
    assert main(["compare", str(same), str(twin), "--rtol", "-1"]) == 2
    assert "expected a finite number >= 0" in capsys.readouterr().err


def test_missing_run_is_runtime_error(tmp_path, capsys):
    assert main(["compare", str(tmp_path / "x"), str(tmp_path / "y")]) == 1
    assert "not found" in capsys.readouterr().err


def test_file_as_run_rejected(runs, tmp_path, capsys):
    same, _, _ = runs
    table = tmp_path / "good.csv"
    table.write_text("step,loss\n")
    assert main(["compare", str(same), str(table)]) == 1
    error = capsys.readouterr().err
    assert f"{table} is a file, not a run directory" in error
    assert "not found" not in error


def test_corrupt_weights_names_file(runs, capsys):
    same, twin, _ = runs
    # Bytes that are neither a zip archive nor a .npy header: numpy reads them as a pickle.
    (twin / "weights.npz").write_bytes(b"garbage")
    assert main(["compare", str(same), str(twin)]) == 1
    error = capsys.readouterr().err
    assert f"{twin / 'weights.npz'} is not a valid weights file" in error
    assert f"virtualflow train --out {twin}" in error
    assert "allow_pickle" not in error


def test_plot_in_missing_folder_is_usage_error(runs, tmp_path, capsys):
    same, twin, _ = runs
    plot = tmp_path / "missing" / "curves.png"
    assert main(["compare", str(same), str(twin), "--plot", str(plot)]) == 2
    assert f"--plot {plot}: the folder" in capsys.readouterr().err
