import json

import pytest

from sustainai.cli import main
from sustainai.errors import InvalidInputError
from sustainai.records import CODECARBON_COLUMNS, COLUMNS
from sustainai.report import plot_report, summarise


def record(project, phase, run, energy, location, market, embodied, measured=True):
    row = dict.fromkeys(COLUMNS)
    row.update(
        project_name=project,
        phase=phase,
        run_id=run,
        duration=10.0,
        energy_consumed=energy,
        emissions=location,
        emissions_market_kg=market,
        embodied_emissions_kg=embodied,
        total_emissions_kg=location + (embodied or 0.0),
        measured=measured,
    )
    return row


RECORDS = [
    record("a", "training", "r1", 1.0, 0.4, 0.0, 0.1),
    record("a", "training", "r2", 2.0, 0.8, 0.1, 0.2, measured=False),
    record("a", "inference", "r3", 0.5, 0.2, 0.2, None),
    record("b", "training", "r4", 4.0, 1.6, 1.6, 0.5, measured=False),
]


def test_groups_by_project_and_phase():
    report = summarise(RECORDS, ["project", "phase"])
    keys = [(group["project"], group["phase"]) for group in report.groups]
    assert keys == [("a", "inference"), ("a", "training"), ("b", "training")]
    training = report.groups[1]
    # r1 + r2: 1 + 2 kWh, 0.4 + 0.8 kg location, 0.0 + 0.1 kg market, 0.1 + 0.2 kg embodied.
    assert training["runs"] == 2
    assert training["energy_kwh"] == pytest.approx(3.0)
    assert training["emissions_kg"] == pytest.approx(1.2)
    assert training["emissions_market_kg"] == pytest.approx(0.1)
    assert training["embodied_kg"] == pytest.approx(0.3)
    assert training["total_kg"] == pytest.approx(1.5)
    assert training["measured"] == "partly"
    assert report.groups[0]["measured"] == "yes"
    assert report.groups[2]["measured"] == "no"


def test_totals_over_all_records():
    report = summarise(RECORDS, ["run"])
    assert len(report.groups) == 4
    assert report.totals["runs"] == 4
    assert report.totals["energy_kwh"] == pytest.approx(7.5)
    # The missing embodied value of r3 counts as zero: 0.1 + 0.2 + 0.5.
    assert report.totals["embodied_kg"] == pytest.approx(0.8)


def test_json_has_units_in_keys():
    document = json.loads(summarise(RECORDS, ["project"]).to_json())
    assert document["group_by"] == ["project"]
    assert set(document["totals"]) == {
        "runs", "duration_s", "energy_kwh", "emissions_kg", "emissions_market_kg",
        "embodied_kg", "total_kg", "measured",
    }  # fmt: skip
    assert [group["project"] for group in document["groups"]] == ["a", "b"]


def test_table_and_markdown_have_total_row():
    report = summarise(RECORDS, ["project"])
    table = report.to_table().splitlines()
    assert table[0].startswith("project")
    assert table[-1].startswith("all")
    assert len(table) == 2 + 2 + 1
    markdown = report.to_markdown().splitlines()
    assert markdown[0].startswith("| project | runs |")
    assert markdown[1].startswith("|---|")
    assert markdown[-1].startswith("| all |")


def test_unknown_group_key():
    with pytest.raises(InvalidInputError, match="cannot group by colour: choose from project"):
        summarise(RECORDS, ["colour"])


def test_plot_writes_png(tmp_path):
    path = plot_report(summarise(RECORDS, ["project", "phase"]), tmp_path / "chart.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [item.name for item in tmp_path.iterdir()] == ["chart.png"]


def test_no_grouping_gives_one_row():
    report = summarise(RECORDS, [])
    table = report.to_table().splitlines()
    assert len(table) == 3
    assert table[-1].startswith("4")


def write_codecarbon_csv(path):
    # One row in codecarbon 3.3.2's emissions.csv layout: its columns only, no sustainai ones.
    values = dict.fromkeys(CODECARBON_COLUMNS, "")
    values.update(
        timestamp="2026-12-04T21:00:00",
        project_name="codecarbon",
        run_id="c1",
        experiment_id="5b0fa12a-3dd7-45bb-9766-cc326314d9f1",
        duration="2.5",
        emissions="1.2e-10",
        cpu_energy="1e-09",
        gpu_energy="0",
        ram_energy="5e-10",
        energy_consumed="1.5e-09",
        country_iso_code="FRA",
        pue="1.0",
    )
    path.write_text(
        ",".join(CODECARBON_COLUMNS) + "\n" + ",".join(values[name] for name in CODECARBON_COLUMNS)
    )
    return path


def test_codecarbon_file_totals_and_missing_figures(tmp_path, capsys):
    path = write_codecarbon_csv(tmp_path / "emissions.csv")
    assert main(["report", str(path), "--format", "json"]) == 0
    totals = json.loads(capsys.readouterr().out)["totals"]
    # The file has only the location-based figure, so the total equals it.
    assert totals["emissions_kg"] == pytest.approx(1.2e-10)
    assert totals["total_kg"] == pytest.approx(1.2e-10)
    assert totals["emissions_market_kg"] is None
    assert totals["embodied_kg"] is None


def test_codecarbon_file_table_shows_na(tmp_path, capsys):
    path = write_codecarbon_csv(tmp_path / "emissions.csv")
    assert main(["report", str(path), "--by", "project"]) == 0
    header, _, row, total = capsys.readouterr().out.splitlines()
    # Columns: project, runs, duration, energy, location, market, embodied, total, measured.
    assert row.split() == ["codecarbon", "1", "2.5", "1.5e-09", "1.2e-10", "n/a", "n/a",
                           "1.2e-10", "unknown"]  # fmt: skip
    assert total.split()[0] == "all"
