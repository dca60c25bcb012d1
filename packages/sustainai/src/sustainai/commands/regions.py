"""``sustainai regions``: list the shipped grid carbon intensities, with year and source."""

from __future__ import annotations

import argparse

from sustainai.commands._format import print_json, text_table
from sustainai.intensity import list_regions

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``regions`` subcommand."""
    parser = subparsers.add_parser(
        "regions",
        help="list grid carbon intensity per country and cloud region",
        description=(
            "List the grid carbon intensities shipped with sustainai (g CO2e/kWh, "
            "location-based), with the year and source of each value. Countries use ISO 3166 "
            "alpha-3 codes; cloud regions use provider:region."
        ),
    )
    parser.add_argument(
        "--search", metavar="TEXT", help="keep rows whose key, name or country code contains TEXT"
    )
    parser.add_argument(
        "--kind",
        choices=("country", "cloud", "world"),
        help="keep only countries, cloud regions or the world mean (default: all kinds)",
    )
    parser.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="output format: table or json (one JSON object on stdout) (default: table)",
    )
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    rows = list_regions(search=args.search, kind=args.kind)
    if args.format == "json":
        print_json({"count": len(rows), "regions": [row.to_dict() for row in rows]})
        return 0
    if not rows:
        print("no region matches these filters; run `sustainai regions` for the full list")
        return 0
    headers = ["region", "name", "g_co2e_per_kwh", "year", "source"]
    body = [[row.region, row.name, row.g_co2e_per_kwh, row.year, row.source] for row in rows]
    print(text_table(headers, body))
    print(f"\n{len(rows)} region(s)")
    return 0
