"""Emissions records: one CSV line per tracked run, appended safely by concurrent writers.

The first columns are codecarbon's ``emissions.csv`` columns in codecarbon's order
(``EmissionsData`` in codecarbon 3.3.2), with codecarbon's units: seconds, kg CO2e, kg/s, W
and kWh, where the power and energy columns include the data-centre PUE as codecarbon's do.
Dashboards built for codecarbon therefore read these files unchanged. The sustainai columns
follow: lifecycle phase, exit status, market-based and embodied emissions, the energy method,
whether the energy was measured, and the assumptions behind it.

An append takes an exclusive ``fcntl.flock`` on the file and writes the whole line, plus the
header when the file is empty, with one ``os.write`` on a descriptor opened with
``O_APPEND``. Writers in several processes therefore never interleave or duplicate the header.
"""

from __future__ import annotations

import csv
import fcntl
import io
import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sustainai.errors import RecordsFormatError

__all__ = [
    "CODECARBON_COLUMNS",
    "COLUMNS",
    "EXTRA_COLUMNS",
    "append_record",
    "check_records_file",
    "format_line",
    "read_records",
]

CODECARBON_COLUMNS: tuple[str, ...] = (
    "timestamp",
    "project_name",
    "run_id",
    "experiment_id",
    "duration",
    "emissions",
    "emissions_rate",
    "cpu_power",
    "gpu_power",
    "ram_power",
    "cpu_energy",
    "gpu_energy",
    "ram_energy",
    "energy_consumed",
    "water_consumed",
    "country_name",
    "country_iso_code",
    "region",
    "cloud_provider",
    "cloud_region",
    "os",
    "python_version",
    "codecarbon_version",
    "cpu_count",
    "cpu_model",
    "gpu_count",
    "gpu_model",
    "longitude",
    "latitude",
    "ram_total_size",
    "tracking_mode",
    "cpu_utilization_percent",
    "gpu_utilization_percent",
    "ram_utilization_percent",
    "ram_used_gb",
    "on_cloud",
    "pue",
    "wue",
)

EXTRA_COLUMNS: tuple[str, ...] = (
    "phase",
    "status",
    "exit_code",
    "energy_method",
    "measured",
    "it_energy_kwh",
    "g_co2e_per_kwh",
    "intensity_year",
    "intensity_source",
    "renewable_fraction",
    "residual_g_co2e_per_kwh",
    "emissions_market_kg",
    "hardware",
    "embodied_emissions_kg",
    "total_emissions_kg",
    "sampling_interval_s",
    "samples",
    "assumptions",
    "sustainai_version",
)

COLUMNS: tuple[str, ...] = CODECARBON_COLUMNS + EXTRA_COLUMNS

# Columns every reader needs, parsed as numbers; the remaining numeric columns may be empty.
_REQUIRED_NUMBERS = (
    "duration",
    "emissions",
    "cpu_energy",
    "gpu_energy",
    "ram_energy",
    "energy_consumed",
)
_OPTIONAL_NUMBERS = (
    "emissions_rate",
    "cpu_power",
    "gpu_power",
    "ram_power",
    "water_consumed",
    "cpu_count",
    "gpu_count",
    "longitude",
    "latitude",
    "ram_total_size",
    "cpu_utilization_percent",
    "gpu_utilization_percent",
    "ram_utilization_percent",
    "ram_used_gb",
    "pue",
    "wue",
    "exit_code",
    "it_energy_kwh",
    "g_co2e_per_kwh",
    "intensity_year",
    "renewable_fraction",
    "residual_g_co2e_per_kwh",
    "emissions_market_kg",
    "embodied_emissions_kg",
    "total_emissions_kg",
    "sampling_interval_s",
    "samples",
)
_HEADER_LINE = ",".join(COLUMNS) + "\n"


def _format_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    if isinstance(value, Mapping):
        return json.dumps(dict(value), sort_keys=True)
    return str(value)


def format_line(record: Mapping[str, Any]) -> str:
    """Format one record as a CSV line in column order, ending with a newline.

    Raises:
        RecordsFormatError: The record lacks columns or has unknown ones.
    """
    missing = [name for name in COLUMNS if name not in record]
    unknown = [name for name in record if name not in COLUMNS]
    if missing or unknown:
        msg = f"record has missing columns {missing} and unknown columns {unknown}"
        source = "<record>"
        raise RecordsFormatError(source, 0, msg)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(
        [_format_value(record[name]) for name in COLUMNS]
    )
    return buffer.getvalue()


def _read_header(path: Path) -> list[str] | None:
    """Return the first CSV row of a file, or None for an empty file."""
    with path.open(newline="", encoding="utf-8") as stream:
        return next(csv.reader(stream), None)


def _check_header(path: Path, header: list[str] | None) -> None:
    if header is None or header == list(COLUMNS):
        return
    if header[: len(CODECARBON_COLUMNS)] == list(CODECARBON_COLUMNS):
        problem = (
            "the header has codecarbon's columns but not sustainai's extra columns "
            "(written by codecarbon or by another sustainai version); write to a new file"
        )
    else:
        problem = (
            "the header is not sustainai's emissions header (it should start with "
            f"{', '.join(CODECARBON_COLUMNS[:4])}, ...); this file is not a sustainai "
            "emissions file, so choose another output file"
        )
    raise RecordsFormatError(str(path), 1, problem)


def _input_header_problem(header: list[str]) -> str:
    """Describe what an input file's header lacks compared with an emissions CSV."""
    expected_start = ", ".join(CODECARBON_COLUMNS[:4])
    if header[:3] == list(CODECARBON_COLUMNS[:3]):
        missing = [name for name in _REQUIRED_NUMBERS if name not in header]
        return (
            f"the header lacks the columns {', '.join(missing)}, which every emissions CSV "
            "written by sustainai track or codecarbon contains"
        )
    found_start = ", ".join(header[:4])
    return (
        f"the header starts with {found_start}, but an emissions CSV written by sustainai "
        f"track or codecarbon starts with {expected_start}, ...; pass such a file"
    )


def check_records_file(path: Path | str) -> None:
    """Check that records can be appended to ``path``: it is absent, empty or ours.

    Call it before starting work, so that a bad output path fails before any result exists.

    Raises:
        RecordsFormatError: The file has a foreign header.
        OSError: The file or its folder cannot be read or created.
    """
    path = Path(path)
    if path.exists():
        _check_header(path, _read_header(path))
    elif not path.parent.is_dir():
        msg = f"the folder of the output file {path} does not exist"
        raise FileNotFoundError(msg)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def append_record(path: Path | str, record: Mapping[str, Any]) -> None:
    """Append one record to an emissions CSV, writing the header if the file is new or empty.

    Args:
        path: The CSV file; it is created with mode 0644 when missing.
        record: Values for exactly the names in ``COLUMNS``.

    Raises:
        RecordsFormatError: The record does not match the columns, or the file has a
            foreign header.
        OSError: The file cannot be opened or written.
    """
    path = Path(path)
    line = format_line(record).encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        if size == 0:
            data = _HEADER_LINE.encode("utf-8") + line
        else:
            _check_header(path, _read_header(path))
            # A writer that died mid-line (a full disk) leaves no final newline. Starting a new
            # line keeps this record intact, and the reader reports the broken line's number.
            with path.open("rb") as stream:
                stream.seek(size - 1)
                data = line if stream.read(1) == b"\n" else b"\n" + line
        _write_all(fd, data)
    finally:
        os.close(fd)


def _parse_number(path: Path, line_number: int, column: str, text: str, required: bool) -> Any:
    if text == "":
        if required:
            raise RecordsFormatError(str(path), line_number, f"column {column!r} is empty")
        return None
    try:
        value = float(text)
    except ValueError as err:
        problem = f"column {column!r} holds {text!r}, not a number"
        raise RecordsFormatError(str(path), line_number, problem) from err
    if not math.isfinite(value):
        raise RecordsFormatError(str(path), line_number, f"column {column!r} is {text}")
    return value


def _parse_measured(path: Path, line_number: int, text: str) -> bool | None:
    if text == "":
        return None
    if text in ("True", "False"):
        return text == "True"
    problem = f"column 'measured' holds {text!r}, expected True or False"
    raise RecordsFormatError(str(path), line_number, problem)


def read_records(path: Path | str) -> list[dict[str, Any]]:
    """Read and validate every record of an emissions CSV.

    Files written by codecarbon are accepted too. Their sustainai columns read as None,
    except ``energy_method``, which reads as ``codecarbon``.

    Args:
        path: A CSV file written by sustainai or codecarbon.

    Returns:
        One dictionary per line with every name in ``COLUMNS``. Numeric columns are floats
        or None, ``measured`` is a bool or None, and ``assumptions`` is a dict.

    Raises:
        RecordsFormatError: The file is empty, has a foreign header, or a line has the
            wrong number of fields or a value that does not parse. The message gives the
            line number.
        OSError: The file cannot be read.
    """
    path = Path(path)
    with path.open(newline="", encoding="utf-8") as stream:
        reader = csv.reader(stream)
        try:
            header = next(reader, None)
        except (csv.Error, UnicodeDecodeError) as err:
            raise RecordsFormatError(str(path), 1, f"not a CSV file ({err})") from err
        if header is None:
            raise RecordsFormatError(str(path), 1, "the file is empty, it has no header")
        from_codecarbon = False
        if header != list(COLUMNS):
            has_codecarbon_columns = header[:3] == list(CODECARBON_COLUMNS[:3]) and set(
                _REQUIRED_NUMBERS
            ) <= set(header)
            if not has_codecarbon_columns:
                raise RecordsFormatError(str(path), 1, _input_header_problem(header))
            from_codecarbon = True
        records = []
        line_number = reader.line_num
        try:
            for row in reader:
                line_number = reader.line_num
                if len(row) != len(header):
                    problem = f"expected {len(header)} fields as in the header, found {len(row)}"
                    raise RecordsFormatError(str(path), line_number, problem)
                records.append(_parse_row(path, line_number, dict(zip(header, row, strict=True))))
        except (csv.Error, UnicodeDecodeError) as err:
            problem = f"not valid CSV ({err})"
            raise RecordsFormatError(str(path), line_number + 1, problem) from err
    if from_codecarbon:
        for record in records:
            record["energy_method"] = record["energy_method"] or "codecarbon"
    return records


def _parse_row(path: Path, line_number: int, raw: dict[str, str]) -> dict[str, Any]:
    record: dict[str, Any] = {name: raw.get(name, "") for name in COLUMNS}
    for column in _REQUIRED_NUMBERS:
        record[column] = _parse_number(path, line_number, column, record[column], required=True)
        if record[column] < 0:
            problem = f"column {column!r} is negative ({record[column]:g})"
            raise RecordsFormatError(str(path), line_number, problem)
    for column in _OPTIONAL_NUMBERS:
        record[column] = _parse_number(path, line_number, column, record[column], required=False)
    record["measured"] = _parse_measured(path, line_number, record["measured"])
    text = record["assumptions"]
    try:
        record["assumptions"] = json.loads(text) if text else {}
    except json.JSONDecodeError as err:
        problem = f"column 'assumptions' is not a JSON object ({err.msg})"
        raise RecordsFormatError(str(path), line_number, problem) from err
    return record
