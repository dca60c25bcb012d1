import json

import pytest

from quclassi.benchmark import run_benchmark, speedups
from quclassi.cli import main
from quclassi.errors import InvalidInputError


def test_small_benchmark_agrees_with_analytic():
    rows = run_benchmark(qubits=[2], samples=[2, 4], repeats=1, per_sample_budget_s=5.0)
    # Three methods for each of the two sample counts.
    assert [(row.n_samples, row.method) for row in rows] == [
        (2, "per_sample"),
        (2, "broadcast"),
        (2, "analytic"),
        (4, "per_sample"),
        (4, "broadcast"),
        (4, "analytic"),
    ]
    for row in rows:
        assert row.max_abs_diff_fidelity < 1e-10
        assert row.max_abs_diff_gradient < 1e-10
        assert row.gradient_median_s > 0
        assert row.circuit_qubits == 5
        assert row.n_params == 6
    ratios = speedups(rows)
    assert [entry["n_samples"] for entry in ratios] == [2, 4]


def test_budget_limits_per_sample_timing():
    # A budget of 0 s stops after the first sample, so the per-sample row is extrapolated.
    rows = run_benchmark(qubits=[2], samples=[3], repeats=1, per_sample_budget_s=0.0)
    per_sample = rows[0]
    assert per_sample.method == "per_sample"
    assert per_sample.gradient_samples_timed == 1
    assert per_sample.extrapolated
    assert not rows[2].extrapolated


def test_bench_json_output(capsys):
    argv = ["bench", "--qubits", "2", "--samples", "2", "--repeats", "1", "--format", "json"]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    assert {row["method"] for row in result["rows"]} == {"per_sample", "broadcast", "analytic"}
    assert result["speedups"][0]["n_qubits"] == 2
    assert result["wall_s"] > 0
    assert result["machine"]["cpu_count"] >= 1


def test_bench_markdown_to_file(tmp_path):
    out = tmp_path / "bench.md"
    argv = ["bench", "--qubits", "2", "--samples", "2", "--repeats", "1"]
    assert main([*argv, "--budget-s", "1", "--format", "markdown", "--out", str(out)]) == 0
    page = out.read_text()
    assert page.startswith("# quclassi benchmark")
    assert "## Loss gradients" in page
    assert "pennylane " in page


def test_single_qubit_rejected():
    with pytest.raises(InvalidInputError, match="at least 2"):
        run_benchmark(qubits=[1], samples=[2])


def test_bad_qubit_list_is_usage_error(capsys):
    assert main(["bench", "--qubits", "two"]) == 2
    assert "comma-separated integers" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "option", "detail"),
    [
        (["--qubits", "2,1"], "--qubits", "integers of at least 2"),
        (["--samples", "0"], "--samples", "integers of at least 1"),
        (["--repeats", "0"], "--repeats", "positive integer, got 0"),
        (["--budget-s", "0"], "--budget-s", "greater than 0, got '0'"),
        (["--seed", "-3"], "--seed", "from 0 to 4294967295, got -3"),
        (["--structure", "x"], "--structure", "invalid layer letters ['x']"),
    ],
)
def test_bench_bad_option_names_option(capsys, argv, option, detail):
    assert main(["bench", *argv]) == 2
    error = capsys.readouterr().err
    assert f"argument {option}:" in error
    assert detail in error
