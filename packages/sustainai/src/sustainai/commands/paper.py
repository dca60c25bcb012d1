"""``sustainai paper``: regenerate the quantitative figures of Wu et al. (2022)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sustainai.commands._files import check_input_file, check_output_folder
from sustainai.commands._format import print_json, text_table, write_text_atomic

__all__ = ["register"]

# Kept in sync with sustainai.paper.FIGURES (a test checks) so that --help stays light.
FIGURE_NAMES = (
    "lifecycle_splits",
    "lm_waterfall",
    "fleet_efficiency",
    "embodied_vs_operational",
    "growth",
    "ml_task_footprint",
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``paper`` subcommand."""
    parser = subparsers.add_parser(
        "paper",
        help="regenerate the Sustainable AI paper's quantitative figures",
        description=(
            "Regenerate the quantitative figures of Wu et al., 'Sustainable AI' (MLSys 2022) "
            "from the shipped parameter file, where each value cites its section and says "
            "whether it is quoted, derived or assumed. Prints tables; with --out also writes "
            "one PNG plot and one CSV table per figure plus summary.json."
        ),
    )
    parser.add_argument(
        "--figure",
        action="append",
        choices=FIGURE_NAMES,
        metavar="NAME",
        help=f"figure to regenerate, repeatable (default: all): {', '.join(FIGURE_NAMES)}",
    )
    parser.add_argument("--out", metavar="DIR", help="folder for the PNG, CSV and JSON files")
    parser.add_argument(
        "--params", metavar="FILE", help="parameter YAML file to use instead of the shipped one"
    )
    parser.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="output format: table or json (one JSON object on stdout) (default: table)",
    )
    parser.set_defaults(handler=_handle)


def _write_outputs(figures: dict[str, Any], out: Path) -> list[str]:
    from sustainai.paper_plots import save_figure_png

    written = []
    for name, figure in figures.items():
        written.append(str(save_figure_png(figure, out / f"{name}.png")))
        csv_text = figure.table.to_csv(index=False, lineterminator="\n")
        written.append(str(write_text_atomic(out / f"{name}.csv", csv_text)))
    return written


def _handle(args: argparse.Namespace) -> int:
    import json

    from sustainai.paper import load_paper_params, paper_figures

    if args.params is not None:
        check_input_file(
            args.params,
            "parameter file",
            "a YAML file laid out like the shipped paper_params.yaml, or leave out --params",
        )
    if args.out:
        check_output_folder(args.out, "--out")
    params = load_paper_params(args.params)
    figures = paper_figures(args.figure, params)
    document = {"figures": {name: figure.to_dict() for name, figure in figures.items()}}
    if args.out:
        out = Path(args.out)
        written = _write_outputs(figures, out)
        headlines = {name: figure.headline for name, figure in figures.items()}
        summary = json.dumps({"headline": headlines}, indent=2, allow_nan=False) + "\n"
        written.append(str(write_text_atomic(out / "summary.json", summary)))
        document["written"] = written

    if args.format == "json":
        print_json(document)
        return 0
    for name, figure in figures.items():
        print(f"== {name}: {figure.title}")
        table = figure.table
        print(text_table(list(table.columns), list(table.itertuples(index=False, name=None))))
        print()
        print(text_table(["headline", "value"], list(figure.headline.items())))
        for note in figure.notes:
            print(f"  note: {note}")
        print()
    if args.out:
        print(f"wrote {len(document['written'])} files to {args.out}")
    return 0
