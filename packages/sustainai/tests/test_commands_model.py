import json
from pathlib import Path

import pytest

from sustainai.cli import main
from sustainai.commands.estimate import parse_what_if
from sustainai.commands.paper import FIGURE_NAMES
from sustainai.errors import InvalidInputError
from sustainai.paper import FIGURES

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "lifecycle.yaml"

PLAN_CSV = """phase,hardware,region,hours,energy_kwh,pue,g_co2e_per_kwh,renewable_fraction
training,gpu-server,USA,1000,100,1.1,400,1.0
"""


def run_json(capsys, *argv):
    assert main([*argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_regions_json_search(capsys):
    document = run_json(capsys, "regions", "--search", "europe-west1")
    assert document["count"] == len(document["regions"]) >= 1
    row = document["regions"][0]
    assert row["region"] == "gcp:europe-west1"
    assert set(row) >= {"g_co2e_per_kwh", "year", "source"}


def test_regions_table_kind(capsys):
    assert main(["regions", "--kind", "cloud", "--search", "us-east-1"]) == 0
    out = capsys.readouterr().out
    assert "aws:us-east-1" in out
    assert "1 region(s)" in out


def test_estimate_known_values_json(capsys, tmp_path):
    plan = tmp_path / "plan.csv"
    plan.write_text(PLAN_CSV)
    document = run_json(capsys, "estimate", str(plan))
    totals = document["totals"]
    # 100 kWh x 1.1 x 400 g/kWh = 44.0 kg location-based; 100 % renewables -> 0 market-based
    assert totals["operational_location_kg"] == pytest.approx(44.0)
    assert totals["operational_market_kg"] == 0.0
    # 2000 kg x 1000 h / (4 y x 8760 h x 0.45) = 126.84 kg
    assert totals["embodied_kg"] == pytest.approx(126.839, abs=1e-3)
    assert document["by_kind"]["embodied"]["market_based_kg"] == pytest.approx(126.839, abs=1e-3)


def test_estimate_what_if_json(capsys, tmp_path):
    plan = tmp_path / "plan.csv"
    plan.write_text(PLAN_CSV)
    document = run_json(capsys, "estimate", str(plan), "--what-if", "utilisation=0.9")
    assert document["what_if"]["changes"] == {"utilisation": 0.9}
    # Embodied falls by 0.9 / 0.45 = 2x
    assert document["what_if"]["ratio_baseline_to_scenario"]["embodied_kg"] == pytest.approx(2.0)
    # Market-based operational is 0 in both, so its ratio is undefined
    assert document["what_if"]["ratio_baseline_to_scenario"]["operational_market_kg"] is None


def test_estimate_example_table_and_markdown(capsys):
    assert main(["estimate", str(EXAMPLE), "--what-if", "speedup.inference=812"]) == 0
    out = capsys.readouterr().out
    assert "inference" in out
    assert "What if speedup.inference=812" in out
    assert main(["estimate", str(EXAMPLE), "--format", "markdown"]) == 0
    assert "| phase | energy_kwh |" in capsys.readouterr().out


def test_estimate_misspelt_column_exit_one(capsys, tmp_path):
    plan = tmp_path / "plan.csv"
    plan.write_text(PLAN_CSV.replace("region", "reigon", 1))
    assert main(["estimate", str(plan)]) == 1
    err = capsys.readouterr().err
    assert "unknown column 'reigon' (did you mean 'region'?)" in err
    assert len(err.strip().splitlines()) == 1


def test_estimate_missing_file_exit_one(capsys, tmp_path):
    assert main(["estimate", str(tmp_path / "absent.csv")]) == 1
    assert "absent.csv" in capsys.readouterr().err


def test_estimate_bad_what_if_usage_error(capsys):
    assert main(["estimate", str(EXAMPLE), "--what-if", "speed=2"]) == 2
    err = capsys.readouterr().err
    assert "argument --what-if: invalid 'speed=2'" in err
    assert "did you mean 'speedup'" in err


# Each value is outside the range that LifecycleModel.what_if accepts for its key.
@pytest.mark.parametrize(
    ("assignment", "expected"),
    [
        ("speedup=0", "speedup must be > 0, got 0"),
        ("speedup.training=-2", "speedup must be > 0, got -2"),
        ("speedup.trainng=2", "unknown phase 'trainng'"),
        ("utilisation=0", "utilisation must be in (0, 1]"),
        ("cfe=1.5", "cfe must be a fraction in [0, 1], got 1.5"),
        ("lifetime_years=inf", "lifetime_years must be finite"),
        ("pue=0.5", "pue must be >= 1"),
        ("region=Atlantis", "unknown grid region 'Atlantis'"),
    ],
)
def test_estimate_what_if_range_names_option(capsys, tmp_path, assignment, expected):
    missing = tmp_path / "absent.yaml"
    # The file does not exist, so exit 2 shows the option was checked before the file.
    assert main(["estimate", str(missing), "--what-if", assignment]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"argument --what-if: invalid {assignment!r}" in captured.err
    assert expected in captured.err


def test_estimate_missing_column_names_file(capsys, tmp_path):
    table = tmp_path / "bad.yaml"
    table.write_text("rows:\n  - {phase: training}\n", encoding="utf-8")
    assert main(["estimate", str(table)]) == 1
    err = capsys.readouterr().err
    assert f"lifecycle table {table}: missing required column(s): hardware, region" in err
    assert err.count("\n") == 1


def test_parse_what_if_forms():
    assert parse_what_if(["speedup=2", "cfe=0.5"]) == {"speedup": 2.0, "cfe": 0.5}
    options = parse_what_if(["speedup=2", "speedup.inference=812", "region=SWE"])
    assert options["speedup"] == {
        "data": 2.0,
        "experimentation": 2.0,
        "training": 2.0,
        "inference": 812.0,
    }
    assert options["region"] == "SWE"
    with pytest.raises(InvalidInputError, match="key=value"):
        parse_what_if(["speedup"])
    with pytest.raises(InvalidInputError, match="must be a number"):
        parse_what_if(["pue=high"])


def test_paper_json_one_figure(capsys):
    document = run_json(capsys, "paper", "--figure", "lm_waterfall")
    assert list(document["figures"]) == ["lm_waterfall"]
    # 6.7 x 10.1 x 12 = 812.04
    assert document["figures"]["lm_waterfall"]["headline"]["total_speedup"] == pytest.approx(812.04)


def test_paper_out_writes_files(capsys, tmp_path):
    out = tmp_path / "figures"
    assert main(["paper", "--out", str(out), "--figure", "fleet_efficiency"]) == 0
    assert "wrote 3 files" in capsys.readouterr().out
    names = sorted(path.name for path in out.iterdir())
    assert names == ["fleet_efficiency.csv", "fleet_efficiency.png", "summary.json"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["headline"]["fleet_efficiency"]["observed_reduction_fraction"] == 0.285


def test_paper_unknown_figure_usage_error(capsys):
    assert main(["paper", "--figure", "nope"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_paper_figure_names_in_sync():
    assert FIGURE_NAMES == FIGURES


def test_import_light_lifecycle_lazy():
    import subprocess
    import sys

    probe = (
        "import sys, sustainai\n"
        "before = sorted(m for m in ('pandas', 'matplotlib', 'yaml') if m in sys.modules)\n"
        "names = [sustainai.LifecycleModel.__name__, sustainai.paper_figures.__name__]\n"
        "print(before, *names)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.split() == ["[]", "LifecycleModel", "paper_figures"]


def test_estimate_by_hardware(capsys):
    document = run_json(capsys, "estimate", str(EXAMPLE), "--by", "hardware")
    groups = document["by_hardware"]
    assert sorted(groups) == ["cpu-server", "gpu-server"]
    total = sum(values["total_location_kg"] for values in groups.values())
    assert total == pytest.approx(document["totals"]["total_location_kg"])
    assert main(["estimate", str(EXAMPLE), "--by", "region"]) == 0
    assert "aws:us-east-1" in capsys.readouterr().out


def help_text(capsys, *argv):
    assert main([*argv, "--help"]) == 0
    return " ".join(capsys.readouterr().out.split())


def test_estimate_help_names_rows_without_tdp(capsys):
    text = help_text(capsys, "estimate")
    # hardware.csv leaves tdp_w empty for the two whole-server rows only.
    assert "needs power_w (average W per device) unless its hardware row has a TDP" in text
    assert "gpu-server and cpu-server have none" in text


@pytest.mark.parametrize(
    ("command", "choices"),
    [
        ("doctor", "table or json"),
        ("regions", "table or json"),
        ("paper", "table or json"),
        ("estimate", "table, markdown or json"),
    ],
)
def test_format_help_lists_choices(capsys, command, choices):
    text = help_text(capsys, command)
    assert f"output format: {choices}" in text
    assert "(default: table)" in text
