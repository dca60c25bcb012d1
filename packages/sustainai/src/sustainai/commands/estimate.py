"""``sustainai estimate``: lifecycle carbon of a planned or finished ML project, with what-ifs."""

from __future__ import annotations

import argparse
import difflib
from functools import partial
from pathlib import Path
from typing import Any

from sustainai.commands._files import check_input_file
from sustainai.commands._format import markdown_table, print_json, text_table
from sustainai.embodied import list_hardware
from sustainai.errors import InvalidInputError
from sustainai.intensity import lookup_intensity
from sustainai.lifecycle import PHASES, WHAT_IF_KEYS
from sustainai.validation import (
    require_fraction,
    require_positive,
    require_pue,
    require_utilisation,
)

__all__ = ["parse_what_if", "register"]

_PHASE_COLUMNS = [
    ("energy_kwh", "energy_kwh"),
    ("operational_location_kg", "op_location_kg"),
    ("operational_market_kg", "op_market_kg"),
    ("embodied_kg", "embodied_kg"),
    ("total_location_kg", "total_location_kg"),
    ("total_market_kg", "total_market_kg"),
    ("share_location", "share_location"),
]


# The same range checks as LifecycleModel.what_if, run before the table is read.
_WHAT_IF_CHECKS = {
    "speedup": partial(require_positive, "speedup"),
    "utilisation": partial(require_utilisation, "utilisation"),
    "cfe": partial(require_fraction, "cfe"),
    "lifetime_years": partial(require_positive, "lifetime_years"),
    "pue": require_pue,
}


def _rows_without_tdp() -> str:
    names = [profile.name for profile in list_hardware() if profile.tdp_w is None]
    return " and ".join(names) if names else "all rows"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``estimate`` subcommand."""
    parser = subparsers.add_parser(
        "estimate",
        help="estimate lifecycle carbon from a table of workloads",
        description=(
            "Estimate operational (location- and market-based, side by side) and amortised "
            "embodied carbon of the workloads in FILE, by lifecycle phase. FILE is a CSV or "
            "YAML table with columns phase, hardware, region and hours or energy_kwh; see "
            "the package README for the optional columns. A row without energy_kwh needs "
            "power_w (average W per device) unless its hardware row has a TDP; "
            f"{_rows_without_tdp()} have none."
        ),
    )
    parser.add_argument("file", metavar="FILE", help="lifecycle table, .csv, .yaml or .yml")
    parser.add_argument(
        "--what-if",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        type=_what_if_assignment,
        help=(
            "recompute under a changed assumption and compare; repeatable. Keys: "
            "speedup=FACTOR (all phases) or speedup.PHASE=FACTOR, utilisation=FRACTION, "
            "cfe=FRACTION (contracted carbon-free share), lifetime_years=YEARS, "
            "region=CODE, pue=RATIO"
        ),
    )
    parser.add_argument(
        "--by",
        choices=("phase", "hardware", "region", "name"),
        default="phase",
        help="column to break the totals down by (default: phase)",
    )
    parser.add_argument(
        "--format",
        choices=("table", "markdown", "json"),
        default="table",
        help="output format: table, markdown or json (one JSON object on stdout) (default: table)",
    )
    parser.set_defaults(handler=_handle)


def _what_if_assignment(text: str) -> str:
    """Check one ``--what-if`` assignment, so that a bad one is a usage error (exit 2)."""
    try:
        parse_what_if([text])
    except InvalidInputError as err:
        msg = f"invalid {text!r}: {err}"
        raise argparse.ArgumentTypeError(msg) from err
    return text


def parse_what_if(assignments: list[str]) -> dict[str, Any]:
    """Parse ``key=value`` strings into keyword arguments of ``LifecycleModel.what_if``.

    ``speedup=2`` applies to every phase and ``speedup.inference=812`` to one phase; a
    per-phase value overrides the all-phase one.

    Raises:
        InvalidInputError: An assignment has no ``=``, an unknown key, phase or region, or a
            value that is not a number or is out of range.
    """
    options: dict[str, Any] = {}
    speedups: dict[str, float] = {}
    for assignment in assignments:
        key, separator, value = assignment.partition("=")
        key = key.strip().lower().replace("-", "_")
        if not separator:
            msg = f"what-if {assignment!r} must have the form key=value"
            raise InvalidInputError(msg)
        base, _, phase = key.partition(".")
        if base not in WHAT_IF_KEYS or (phase and base != "speedup"):
            close = difflib.get_close_matches(base, WHAT_IF_KEYS, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            msg = f"unknown what-if key {key!r}: {hint}known keys: {', '.join(WHAT_IF_KEYS)}"
            raise InvalidInputError(msg)
        if phase and phase not in PHASES:
            msg = f"unknown phase {phase!r} in what-if {key!r}: choose from {', '.join(PHASES)}"
            raise InvalidInputError(msg)
        if base == "region":
            lookup_intensity(value.strip())
            options["region"] = value.strip()
            continue
        try:
            number = float(value)
        except ValueError as err:
            msg = f"what-if {key} must be a number, got {value!r}"
            raise InvalidInputError(msg) from err
        _WHAT_IF_CHECKS[base](number)
        if base == "speedup":
            speedups[phase or "*"] = number
        else:
            options[base] = number
    if speedups:
        everywhere = speedups.pop("*", None)
        if not speedups:
            options["speedup"] = everywhere
        else:
            default = 1.0 if everywhere is None else everywhere
            options["speedup"] = {phase: default for phase in PHASES} | speedups
    return options


def _group_rows(groups: dict[str, dict[str, float]]) -> list[list[Any]]:
    return [
        [group] + [values[column] for column, _ in _PHASE_COLUMNS]
        for group, values in groups.items()
    ]


def _breakdown(model: Any, by: str) -> dict[str, dict[str, float]]:
    table = model.breakdown(by)
    return {
        str(group): {column: float(value) for column, value in values.items()}
        for group, values in table.iterrows()
    }


def _kind_rows(summary: dict[str, Any]) -> list[list[Any]]:
    return [
        [kind, values["location_based_kg"], values["market_based_kg"]]
        for kind, values in summary["by_kind"].items()
    ]


def _describe_changes(changes: dict[str, Any]) -> list[str]:
    parts = []
    for key, value in changes.items():
        if key == "speedup" and isinstance(value, dict):
            parts.extend(
                f"speedup.{phase}={factor:g}" for phase, factor in value.items() if factor != 1
            )
        else:
            parts.append(f"{key}={value}")
    return parts


def _handle(args: argparse.Namespace) -> int:
    from sustainai.lifecycle import LifecycleModel

    changes = parse_what_if(args.what_if)
    check_input_file(args.file, "lifecycle table", "a lifecycle table (.csv, .yaml or .yml)")
    model = LifecycleModel.from_file(args.file)
    summary = model.to_dict()
    outcome = model.what_if(**changes) if changes else None

    if args.format == "json":
        document: dict[str, Any] = {"file": str(Path(args.file)), "rows": len(model.table)}
        document.update(summary)
        if args.by != "phase":
            document[f"by_{args.by}"] = _breakdown(model, args.by)
        document["workloads"] = model.results().to_dict(orient="records")
        if outcome is not None:
            what_if = outcome.to_dict()
            document["what_if"] = {
                "changes": what_if["changes"],
                "scenario": what_if["scenario"],
                "ratio_baseline_to_scenario": what_if["ratio_baseline_to_scenario"],
            }
        print_json(document)
        return 0

    render = markdown_table if args.format == "markdown" else text_table
    heading = "### " if args.format == "markdown" else ""
    group_headers = [args.by] + [label for _, label in _PHASE_COLUMNS]
    print(f"{heading}Lifecycle estimate of {args.file} ({len(model.table)} rows), kg CO2e")
    print()
    print(render(group_headers, _group_rows(_breakdown(model, args.by))))
    print()
    print(f"{heading}Operational versus embodied (location- and market-based, not netted)")
    print()
    print(render(["kind", "location_based_kg", "market_based_kg"], _kind_rows(summary)))
    if outcome is not None:
        changes_text = ", ".join(_describe_changes(outcome.changes))
        print()
        print(f"{heading}What if {changes_text}")
        print()
        table = outcome.comparison()
        rows = [
            [figure, row["baseline"], row["scenario"], row["ratio"]]
            for figure, row in table.iterrows()
        ]
        print(render(["figure", "baseline", "scenario", "baseline / scenario"], rows))
    return 0
