"""Summaries of emissions records grouped by project, phase, run or other columns.

Location-based, market-based and embodied emissions stay in separate columns: the report
never nets one into another. ``total_kg`` is location-based operational plus embodied.
Market-based and embodied sums are None where no record of the group has the figure, as in
files written by codecarbon.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sustainai.atomic import write_atomic
from sustainai.errors import InvalidInputError

__all__ = ["GROUP_KEYS", "Report", "plot_report", "summarise"]

# Names accepted by --by, mapped to the record columns they group on.
GROUP_KEYS: dict[str, str] = {
    "project": "project_name",
    "phase": "phase",
    "run": "run_id",
    "experiment": "experiment_id",
    "region": "country_iso_code",
    "method": "energy_method",
    "status": "status",
    "hardware": "hardware",
}

_SUMS = (
    ("duration_s", "duration"),
    ("energy_kwh", "energy_consumed"),
    ("emissions_kg", "emissions"),
    ("emissions_market_kg", "emissions_market_kg"),
    ("embodied_kg", "embodied_emissions_kg"),
    ("total_kg", "total_emissions_kg"),
)
# Figures that files written by codecarbon lack. A group where no record has the figure
# sums to None (null in JSON, "n/a" in tables), because 0 would claim a known zero.
_OPTIONAL_SUMS = frozenset({"emissions_market_kg", "embodied_emissions_kg"})
_HEADINGS = {
    "runs": "runs",
    "duration_s": "duration (s)",
    "energy_kwh": "energy (kWh)",
    "emissions_kg": "location (kg CO2e)",
    "emissions_market_kg": "market (kg CO2e)",
    "embodied_kg": "embodied (kg CO2e)",
    "total_kg": "location + embodied (kg CO2e)",
    "measured": "measured",
}


def _measured_label(values: Iterable[bool | None]) -> str:
    values = list(values)
    if any(value is None for value in values):
        return "unknown"
    if all(values):
        return "yes"
    return "no" if not any(values) else "partly"


@dataclass(frozen=True)
class Report:
    """Records summed per group.

    Attributes:
        group_by: The grouping names, from ``GROUP_KEYS``.
        groups: One dictionary per group: the grouping values, ``runs``, the sums named in
            ``_SUMS`` and ``measured`` (yes, no, partly or unknown), sorted by the values.
        totals: The same sums over every record.
        source: The file the records came from, if any.
    """

    group_by: tuple[str, ...]
    groups: list[dict[str, Any]]
    totals: dict[str, Any]
    source: str = ""
    columns: tuple[str, ...] = field(default=tuple(_HEADINGS))

    def to_dict(self) -> dict[str, Any]:
        """Return the report as one JSON-ready object with units in the key names."""
        return {
            "source": self.source,
            "group_by": list(self.group_by),
            "groups": self.groups,
            "totals": self.totals,
        }

    def to_json(self) -> str:
        """Return the report as a JSON document."""
        return json.dumps(self.to_dict(), indent=2)

    def _rows(self) -> tuple[list[str], list[list[str]]]:
        headings = list(self.group_by) + [_HEADINGS[name] for name in self.columns]
        rows = []
        # Without grouping the single group equals the totals, so only the totals row is shown.
        groups = self.groups if self.group_by else []
        for group in [*groups, {**self.totals, **dict.fromkeys(self.group_by, "")}]:
            cells = [str(group[name]) for name in self.group_by]
            for name in self.columns:
                value = group[name]
                if value is None:
                    cells.append("n/a")
                elif isinstance(value, float):
                    cells.append(f"{value:.4g}")
                else:
                    cells.append(str(value))
            rows.append(cells)
        if rows and self.group_by:
            rows[-1][0] = "all"
        return headings, rows

    def to_table(self) -> str:
        """Return the report as an aligned plain-text table, with a final ``all`` row."""
        headings, rows = self._rows()
        widths = [max(len(row[i]) for row in [headings, *rows]) for i in range(len(headings))]
        lines = ["  ".join(cell.ljust(width) for cell, width in zip(headings, widths, strict=True))]
        lines.append("  ".join("-" * width for width in widths))
        for row in rows:
            lines.append(
                "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            )
        return "\n".join(line.rstrip() for line in lines)

    def to_markdown(self) -> str:
        """Return the report as a GitHub-flavoured markdown table, with a final ``all`` row."""
        headings, rows = self._rows()
        lines = ["| " + " | ".join(headings) + " |", "|" + "---|" * len(headings)]
        for row in rows:
            lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
        return "\n".join(lines)


def _record_total_kg(record: Mapping[str, Any]) -> float:
    """Return a record's location-based plus embodied emissions.

    Files written by codecarbon have no ``total_emissions_kg`` column, so the total is
    rebuilt from the location-based figure and the embodied figure where one exists.
    """
    if record["total_emissions_kg"] is not None:
        return record["total_emissions_kg"]
    return record["emissions"] + (record["embodied_emissions_kg"] or 0.0)


def _sum_known(values: Sequence[float | None]) -> float | None:
    """Sum the values that are present, or return None when none is."""
    known = [value for value in values if value is not None]
    return sum(known) if known else None


def _summed(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    summary: dict[str, Any] = {"runs": len(records)}
    for name, column in _SUMS:
        if name == "total_kg":
            summary[name] = sum(_record_total_kg(record) for record in records)
        elif column in _OPTIONAL_SUMS:
            summary[name] = _sum_known([record[column] for record in records])
        else:
            summary[name] = sum(record[column] for record in records)
    summary["measured"] = _measured_label(record["measured"] for record in records)
    return summary


def summarise(
    records: Sequence[Mapping[str, Any]], by: Sequence[str] = ("project", "phase"), source: str = ""
) -> Report:
    """Group records and sum their duration, energy and emissions.

    Args:
        records: Records as returned by ``sustainai.records.read_records``.
        by: Names from ``GROUP_KEYS``; an empty sequence gives the totals only.
        source: Where the records came from, shown in the JSON output.

    Raises:
        InvalidInputError: A grouping name is unknown.
    """
    unknown = [name for name in by if name not in GROUP_KEYS]
    if unknown:
        msg = f"cannot group by {', '.join(unknown)}: choose from {', '.join(GROUP_KEYS)}"
        raise InvalidInputError(msg)
    buckets: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
    for record in records:
        key = tuple(str(record[GROUP_KEYS[name]] or "") for name in by)
        buckets.setdefault(key, []).append(record)
    groups = []
    for key in sorted(buckets):
        groups.append({**dict(zip(by, key, strict=True)), **_summed(buckets[key])})
    return Report(tuple(by), groups, _summed(records), source)


def plot_report(report: Report, path: Path | str) -> Path:
    """Draw a PNG bar chart of operational and embodied emissions per group.

    Each group gets one bar of location-based operational emissions with the embodied share
    stacked on it, and a thinner bar of market-based operational emissions next to it. The
    file is written atomically.

    Args:
        report: The report to draw.
        path: The PNG file to write.

    Returns:
        The written path.

    Raises:
        FileNotFoundError: The folder of ``path`` does not exist.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    if not path.parent.is_dir():
        # Without this check the error would name the hidden temporary file.
        msg = f"cannot write {path}: the folder {path.parent} does not exist"
        raise FileNotFoundError(msg)
    labels = [
        " / ".join(str(group[name]) for name in report.group_by) or "all" for group in report.groups
    ]
    if not labels:
        labels = ["all"]
    groups = report.groups or [report.totals]
    positions = range(len(groups))
    # A figure the records lack (None) is drawn as an empty bar.
    location = [group["emissions_kg"] for group in groups]
    embodied = [group["embodied_kg"] or 0.0 for group in groups]
    market = [group["emissions_market_kg"] or 0.0 for group in groups]
    figure, axes = plt.subplots(figsize=(max(6.0, 1.2 * len(groups) + 3), 4.5))
    axes.bar([p - 0.2 for p in positions], location, width=0.4, label="operational, location-based")
    axes.bar(
        [p - 0.2 for p in positions],
        embodied,
        width=0.4,
        bottom=location,
        label="embodied (amortised)",
    )
    axes.bar([p + 0.2 for p in positions], market, width=0.4, label="operational, market-based")
    axes.set_xticks(list(positions), labels, rotation=20, ha="right")
    axes.set_ylabel("emissions (kg CO2e)")
    axes.set_xlabel(" / ".join(report.group_by) or "all records")
    axes.set_title("Emissions per group")
    axes.legend()
    figure.tight_layout()
    try:
        write_atomic(path, lambda stream: figure.savefig(stream, format="png", dpi=120))
    finally:
        plt.close(figure)
    return path
