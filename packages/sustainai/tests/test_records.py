import csv
import dataclasses
import subprocess
import sys
import textwrap

import pytest

from sustainai.errors import RecordsFormatError
from sustainai.records import (
    CODECARBON_COLUMNS,
    COLUMNS,
    EXTRA_COLUMNS,
    append_record,
    check_records_file,
    read_records,
)

# The fields of codecarbon 3.3.2's EmissionsData dataclass, in declaration order.
CODECARBON_3_3_2 = [
    "timestamp", "project_name", "run_id", "experiment_id", "duration", "emissions",
    "emissions_rate", "cpu_power", "gpu_power", "ram_power", "cpu_energy", "gpu_energy",
    "ram_energy", "energy_consumed", "water_consumed", "country_name", "country_iso_code",
    "region", "cloud_provider", "cloud_region", "os", "python_version", "codecarbon_version",
    "cpu_count", "cpu_model", "gpu_count", "gpu_model", "longitude", "latitude",
    "ram_total_size", "tracking_mode", "cpu_utilization_percent", "gpu_utilization_percent",
    "ram_utilization_percent", "ram_used_gb", "on_cloud", "pue", "wue",
]  # fmt: skip


def make_record(**changes):
    record = dict.fromkeys(COLUMNS, "")
    numbers = {
        "duration": 2.0,
        "emissions": 0.5,
        "cpu_energy": 1.0,
        "gpu_energy": 0.0,
        "ram_energy": 0.25,
        "energy_consumed": 1.25,
        "emissions_market_kg": 0.1,
        "embodied_emissions_kg": 0.2,
        "total_emissions_kg": 0.7,
    }
    record.update(numbers, project_name="p", phase="training", run_id="r", measured=False)
    record["assumptions"] = {"cpu": "4 W per busy logical CPU"}
    record.update(changes)
    return record


def test_first_columns_are_codecarbons():
    assert list(CODECARBON_COLUMNS) == CODECARBON_3_3_2
    assert COLUMNS[: len(CODECARBON_COLUMNS)] == CODECARBON_COLUMNS


def test_columns_match_installed_codecarbon():
    module = pytest.importorskip("codecarbon.output_methods.emissions_data")
    fields = [field.name for field in dataclasses.fields(module.EmissionsData)]
    assert list(CODECARBON_COLUMNS) == fields


def test_extra_columns_follow():
    assert COLUMNS[len(CODECARBON_COLUMNS) :] == EXTRA_COLUMNS
    for name in (
        "phase",
        "emissions_market_kg",
        "embodied_emissions_kg",
        "energy_method",
        "measured",
    ):
        assert name in EXTRA_COLUMNS


def test_round_trip(tmp_path):
    path = tmp_path / "emissions.csv"
    append_record(path, make_record(run_id="a"))
    append_record(path, make_record(run_id="b", measured=True, gpu_count=2))
    lines = path.read_text().splitlines()
    assert lines[0] == ",".join(COLUMNS)
    assert len(lines) == 3
    records = read_records(path)
    assert [record["run_id"] for record in records] == ["a", "b"]
    assert records[0]["measured"] is False
    assert records[1]["measured"] is True
    assert records[1]["gpu_count"] == 2.0
    assert records[0]["energy_consumed"] == 1.25
    assert records[0]["assumptions"] == {"cpu": "4 W per busy logical CPU"}
    assert records[0]["exit_code"] is None


def test_concurrent_appends_stay_intact(tmp_path):
    path = tmp_path / "emissions.csv"
    # Each line is about 20 kB, far above PIPE_BUF, so unlocked writers would interleave.
    script = textwrap.dedent(
        f"""
        import sys
        from sustainai.records import COLUMNS, append_record
        writer = sys.argv[1]
        for index in range(40):
            record = dict.fromkeys(COLUMNS, "")
            record.update(duration=1.0, emissions=0.0, cpu_energy=0.0, gpu_energy=0.0,
                          ram_energy=0.0, energy_consumed=0.0)
            record["run_id"] = f"{{writer}}-{{index}}"
            record["assumptions"] = {{"padding": writer * 20000}}
            append_record({str(path)!r}, record)
        """
    )
    writers = [subprocess.Popen([sys.executable, "-c", script, letter]) for letter in "ABCDE"]
    assert [writer.wait(timeout=120) for writer in writers] == [0] * 5
    text = path.read_text()
    assert text.count("timestamp,project_name") == 1
    records = read_records(path)
    assert len(records) == 200
    assert sorted(record["run_id"] for record in records) == sorted(
        f"{letter}-{index}" for letter in "ABCDE" for index in range(40)
    )
    for record in records:
        assert record["assumptions"]["padding"] == record["run_id"][0] * 20000


def test_wrong_field_count_names_line(tmp_path):
    path = tmp_path / "emissions.csv"
    append_record(path, make_record())
    with path.open("a") as stream:
        stream.write("2026-01-01,p,r\n")
    append_record(path, make_record())
    with pytest.raises(RecordsFormatError, match=r"line 3: expected \d+ fields") as error:
        read_records(path)
    assert error.value.line_number == 3


def test_non_number_names_line_and_column(tmp_path):
    path = tmp_path / "emissions.csv"
    append_record(path, make_record())
    append_record(path, make_record(duration="fast"))
    with pytest.raises(RecordsFormatError, match="line 3: column 'duration' holds 'fast'"):
        read_records(path)


def test_negative_energy_rejected(tmp_path):
    path = tmp_path / "emissions.csv"
    append_record(path, make_record(energy_consumed=-1.0))
    with pytest.raises(RecordsFormatError, match="line 2: column 'energy_consumed' is negative"):
        read_records(path)


def test_foreign_csv_rejected_at_line_one(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text("date,amount\n2026-01-01,3\n")
    with pytest.raises(
        RecordsFormatError, match="sales.csv, line 1: the header starts with date, amount, but"
    ):
        read_records(path)


def test_empty_file_rejected(tmp_path):
    path = tmp_path / "emissions.csv"
    path.write_text("")
    with pytest.raises(RecordsFormatError, match="line 1: the file is empty"):
        read_records(path)


def test_binary_file_rejected(tmp_path):
    path = tmp_path / "model.bin"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    with pytest.raises(RecordsFormatError, match="line 1"):
        read_records(path)


def test_append_refuses_foreign_file(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text("date,amount\n")
    with pytest.raises(RecordsFormatError, match="not a sustainai emissions file"):
        append_record(path, make_record())
    assert path.read_text() == "date,amount\n"
    with pytest.raises(RecordsFormatError):
        check_records_file(path)


def test_append_after_torn_line_starts_new_line(tmp_path):
    path = tmp_path / "emissions.csv"
    append_record(path, make_record(run_id="first"))
    with path.open("a") as stream:
        stream.write("2026-01-01,torn")
    append_record(path, make_record(run_id="last"))
    lines = path.read_text().splitlines()
    assert lines[2] == "2026-01-01,torn"
    assert lines[3].split(",")[2] == "last"
    with pytest.raises(RecordsFormatError, match="line 3"):
        read_records(path)


def test_reads_codecarbon_file(tmp_path):
    path = tmp_path / "emissions.csv"
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(CODECARBON_3_3_2)
        row = dict.fromkeys(CODECARBON_3_3_2, "")
        row.update(project_name="cc", duration="8.0", emissions="0.001", cpu_energy="0.002",
                   gpu_energy="0", ram_energy="0.0005", energy_consumed="0.0025")  # fmt: skip
        writer.writerow(row.values())
    (record,) = read_records(path)
    assert record["project_name"] == "cc"
    assert record["energy_consumed"] == 0.0025
    assert record["energy_method"] == "codecarbon"
    assert record["measured"] is None
    assert record["embodied_emissions_kg"] is None


def test_record_with_unknown_column_rejected(tmp_path):
    with pytest.raises(RecordsFormatError, match="unknown columns \\['colour'\\]"):
        append_record(tmp_path / "e.csv", make_record(colour="red"))
    assert not (tmp_path / "e.csv").exists()
