import json

import pytest

from sustainai.errors import InvalidInputError
from sustainai.records import COLUMNS
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
