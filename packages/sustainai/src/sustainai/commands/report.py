"""``sustainai report``: summarise an emissions CSV by project, phase, run or other columns."""

from __future__ import annotations

import argparse
import logging

from sustainai.commands._files import check_input_file, check_output_file
from sustainai.commands._options import group_names, png_path
from sustainai.records import read_records
from sustainai.report import GROUP_KEYS, plot_report, summarise

__all__ = ["register"]

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``report`` subcommand."""
    parser = subparsers.add_parser(
        "report",
        help="summarise an emissions CSV by project, phase or run",
        description=(
            "Read an emissions CSV written by sustainai (or by codecarbon) and print the "
            "duration, energy and location-based, market-based and embodied emissions per group."
        ),
    )
    parser.add_argument("file", metavar="FILE", help="emissions CSV file")
    parser.add_argument(
        "--by",
        type=group_names,
        default="project,phase",
        help=f"comma-separated grouping: {', '.join(GROUP_KEYS)}, or none for the totals only "
        "(default: project,phase)",
    )
    parser.add_argument(
        "--format",
        choices=("table", "markdown", "json"),
        default="table",
        help="output format (default: table)",
    )
    parser.add_argument(
        "--plot",
        metavar="PNG",
        type=png_path,
        default=None,
        help="also write a bar chart to this PNG file, whose name must end in .png "
        "(default: no chart)",
    )
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    check_input_file(
        args.file, "emissions CSV", "an emissions CSV written by sustainai track or codecarbon"
    )
    if args.plot:
        check_output_file(args.plot, "--plot", "chart.png")
    records = read_records(args.file)
    report = summarise(records, args.by, source=args.file)
    if args.format == "json":
        print(report.to_json())
    elif args.format == "markdown":
        print(report.to_markdown())
    else:
        print(report.to_table())
    if args.plot:
        path = plot_report(report, args.plot)
        logger.info("wrote %s", path)
    return 0
