"""``virtualflow compare``: tell whether two training runs reproduce each other."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from virtualflow.commands.options import check_output_file
from virtualflow.runs import compare_runs, load_run, plot_runs

__all__ = ["register"]

VERDICT_TEXT = {
    "bit_identical": "bit-identical",
    "within_tolerance": "equal within tolerance",
    "differs": "differs",
}


def _tolerance(text: str) -> float:
    try:
        value = float(text)
    except ValueError as err:
        msg = f"expected a number >= 0, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from err
    if not math.isfinite(value) or value < 0:
        msg = f"expected a finite number >= 0, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``compare`` subcommand to the CLI."""
    parser = subparsers.add_parser(
        "compare",
        help="compare two run directories: final weights and loss curves",
        description=(
            "Compare the final weights (weights.npz) and per-step losses (metrics.csv) of two "
            "run directories written by 'virtualflow train --out'. The verdict is bit-identical, "
            "equal within tolerance (|a - b| <= atol + rtol * |b| for every value) or differs. "
            "The exit code is 0 whatever the verdict unless --fail-on-differ is given."
        ),
    )
    parser.add_argument("run_a", metavar="RUN_A", help="first run directory")
    parser.add_argument("run_b", metavar="RUN_B", help="second run directory")
    parser.add_argument(
        "--rtol", type=_tolerance, default=1e-5, help="relative tolerance (default: 1e-5)"
    )
    parser.add_argument(
        "--atol", type=_tolerance, default=1e-6, help="absolute tolerance (default: 1e-6)"
    )
    parser.add_argument(
        "--plot", metavar="PNG", help="write the loss and accuracy curves of both runs here"
    )
    parser.add_argument(
        "--fail-on-differ",
        action="store_true",
        help="exit with code 1 when the verdict is 'differs'",
    )
    parser.add_argument(
        "--format",
        choices=["table", "json"],
        default="table",
        help="output format of the comparison on stdout (default: %(default)s)",
    )
    parser.set_defaults(handler=run)


def _json_safe(value: Any) -> Any:
    """Replace infinities and NaN, which JSON cannot encode, by null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    return value


def run(args: argparse.Namespace) -> int:
    """Load both runs, compare them, optionally plot, and print the verdict."""
    if args.plot:
        check_output_file("--plot", args.plot)
    run_a = load_run(args.run_a)
    run_b = load_run(args.run_b)
    comparison = compare_runs(run_a, run_b, rtol=args.rtol, atol=args.atol)
    plot_path = str(plot_runs([run_a, run_b], args.plot)) if args.plot else None

    report = comparison.to_dict()
    report["plot"] = plot_path
    if args.format == "json":
        print(json.dumps(_json_safe(report)))
    else:
        print(_format_table(report))

    if args.fail_on_differ and comparison.verdict == "differs":
        print(
            f"virtualflow: error: runs {run_a.path} and {run_b.path} differ: "
            + "; ".join(comparison.reasons),
            file=sys.stderr,
        )
        return 1
    return 0


def _devices(counts: list[int]) -> str:
    return "→".join(map(str, counts)) if counts else "unknown"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.6g}"


def _format_table(report: dict[str, Any]) -> str:
    variable = report["max_weight_diff_variable"]
    rows = [
        ("run a", f"{report['run_a']} (devices {_devices(report['device_counts_a'])})"),
        ("run b", f"{report['run_b']} (devices {_devices(report['device_counts_b'])})"),
        ("variables compared", str(report["variables_compared"])),
        (
            "max |weight a - b|",
            _number(report["max_abs_weight_diff"]) + (f" (in {variable})" if variable else ""),
        ),
        ("steps compared", str(report["steps_compared"])),
        ("max |loss a - b|", _number(report["max_abs_loss_diff"])),
        (
            "final loss a / b",
            f"{_number(report['final_loss_a'])} / {_number(report['final_loss_b'])}",
        ),
        (
            "final accuracy a / b",
            f"{_number(report['final_accuracy_a'])} / {_number(report['final_accuracy_b'])}",
        ),
        (
            "verdict",
            f"{VERDICT_TEXT[report['verdict']]} (rtol={report['rtol']:g}, atol={report['atol']:g})",
        ),
    ]
    rows.extend(("reason", reason) for reason in report["reasons"])
    if report["plot"]:
        rows.append(("plot", report["plot"]))
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in rows)
