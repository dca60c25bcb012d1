"""``quclassi bench``: time the analytic backend against plain and broadcast PennyLane QNodes.

The measurement itself lives in ``quclassi.benchmark``. This module parses the options and
renders the rows as a text table, one JSON object, or the Markdown page of ``docs/benchmarks``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import sys
import time
from typing import Any

from quclassi.commands.common import positive_float, positive_int, seed, structure_letters
from quclassi.commands.paths import check_output_path

__all__ = ["register", "render_markdown"]

logger = logging.getLogger(__name__)

_METHOD_ORDER = ("per_sample", "broadcast", "analytic")


def _int_list(text: str, minimum: int = 1) -> list[int]:
    try:
        values = [int(field) for field in text.split(",") if field.strip()]
    except ValueError as err:
        msg = f"expected comma-separated integers, for example 2,4; got {text!r}"
        raise argparse.ArgumentTypeError(msg) from err
    if not values:
        msg = "expected at least one integer"
        raise argparse.ArgumentTypeError(msg)
    if min(values) < minimum:
        msg = f"expected integers of at least {minimum}, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return values


def _qubit_list(text: str) -> list[int]:
    # The benchmark's circuits have two-qubit layers, so every register needs two qubits.
    return _int_list(text, minimum=2)


def register(subparsers: Any) -> None:
    """Add the ``bench`` subcommand to the CLI's subparsers."""
    parser = subparsers.add_parser(
        "bench",
        help="time fidelities and gradients: analytic backend against PennyLane QNodes",
        description=(
            "Compute fidelities and loss gradients on the same random data and parameters "
            "with (a) a PennyLane SWAP-test QNode per sample and parameter shift, (b) the same "
            "QNode broadcast over samples, and (c) the analytic backend, and report wall times, "
            "speedups and the largest differences from the analytic results."
        ),
    )
    parser.add_argument(
        "--qubits",
        type=_qubit_list,
        default=[2, 4, 6, 8],
        help="register sizes n, comma-separated; circuits have 2n+1 qubits (default: 2,4,6,8)",
    )
    parser.add_argument(
        "--samples",
        type=_int_list,
        default=[100, 1000],
        help="sample counts N, comma-separated (default: 100,1000)",
    )
    parser.add_argument(
        "--structure", type=structure_letters, default="sd", help="layer letters (default: sd)"
    )
    parser.add_argument(
        "--repeats",
        type=positive_int,
        default=3,
        help="timed repeats of whole-batch runs (default: 3)",
    )
    parser.add_argument(
        "--budget-s",
        type=positive_float,
        default=20.0,
        help="seconds per register size for timing the per-sample QNode, separately for "
        "forward and gradient; fewer samples than N are then timed and scaled (default: 20)",
    )
    parser.add_argument(
        "--seed", type=seed, default=0, help="seed of the random data and parameters (default: 0)"
    )
    parser.add_argument(
        "--format",
        choices=["table", "json", "markdown"],
        default="table",
        help="output on stdout or --out: text table, one JSON object, or the Markdown page "
        "of docs/benchmarks (default: table)",
    )
    parser.add_argument(
        "--out", metavar="PATH", help="write to this file instead of stdout (default: stdout)"
    )
    parser.set_defaults(handler=run)


def _seconds(value: float) -> str:
    if value >= 100:
        return f"{value:.0f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.2g}"


def _timing(row: Any, kind: str) -> str:
    median = getattr(row, f"{kind}_median_s")
    low = getattr(row, f"{kind}_min_s")
    high = getattr(row, f"{kind}_max_s")
    text = f"{_seconds(median)} ({_seconds(low)}–{_seconds(high)})"
    timed = getattr(row, f"{kind}_samples_timed")
    if timed < row.n_samples:
        text += f" *est. from {timed}*"
    return text


def _ratio(value: float) -> str:
    return f"{value:,.0f}×" if value >= 10 else f"{value:.1f}×"


def render_table(rows: list[Any]) -> str:
    """Render the rows as a fixed-width text table of median times in seconds."""
    header = (
        f"{'n':>2} {'N':>5} {'method':<11} {'device':<16} "
        f"{'forward_s':>10} {'gradient_s':>11} {'max|dF|':>9} {'max|dgrad|':>10} timed"
    )
    lines = [header]
    for row in rows:
        timed = f"{row.gradient_samples_timed}/{row.n_samples}"
        lines.append(
            f"{row.n_qubits:>2} {row.n_samples:>5} {row.method:<11} {row.device:<16} "
            f"{row.forward_median_s:>10.4g} {row.gradient_median_s:>11.4g} "
            f"{row.max_abs_diff_fidelity:>9.1e} {row.max_abs_diff_gradient:>10.1e} {timed}"
        )
    return "\n".join(lines) + "\n"


def render_markdown(
    rows: list[Any],
    ratios: list[dict[str, Any]],
    info: dict[str, Any],
    command: str,
    wall_s: float,
    load_start: float,
) -> str:
    """Render the benchmark page: setup, gradient and forward tables, and the targets."""
    by_case: dict[tuple[int, int], dict[str, Any]] = {}
    for row in rows:
        by_case.setdefault((row.n_qubits, row.n_samples), {})[row.method] = row
    ratio_by_case = {(entry["n_qubits"], entry["n_samples"]): entry for entry in ratios}
    versions = ", ".join(f"{name} {value}" for name, value in info["versions"].items())
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    max_diff_f = max(row.max_abs_diff_fidelity for row in rows)
    max_diff_j = max(row.max_abs_diff_gradient for row in rows)

    lines = [
        "# quclassi benchmark: analytic backend against PennyLane SWAP-test QNodes",
        "",
        f"- Command: `{command}` ({wall_s:.0f} s in all)",
        f"- Date: {today}",
        f"- Machine: {info['cpu_model']}, {info['cpu_count']} logical CPUs, {info['platform']}, "
        f"Python {info['python']}",
        f"- Versions: {versions}",
        f"- Load average (1 min) on the machine: {load_start:.1f} at the start, "
        f"{info['load_average_1min']:.1f} at the end. Other jobs shared the CPUs while this "
        "ran, so absolute times may be inflated; every method ran in the same process, one "
        "after another, so the ratios are less affected.",
        "",
        "## What is measured",
        "",
        "For each register size n (SWAP-test circuits of 2n+1 qubits) and sample count N, on the "
        "same random features in [0, 1] and the same random `sd` parameters of one class:",
        "",
        "- **(a) per-sample QNode**: a PennyLane SWAP-test QNode on `default.qubit`, called once "
        "per sample, gradient by the parameter-shift rule (`qml.grad`).",
        "- **(b) broadcast QNode**: the same QNode with parameter broadcasting over all samples: "
        "`default.qubit` with backpropagation for n ≤ 4, `lightning.qubit` with adjoint "
        "differentiation for n ≥ 6 (PennyLane runs one lightning circuit per sample; a broadcast "
        "default.qubit batch of 1000 states of 13 or more qubits with backpropagation needs "
        "several GB).",
        "- **(c) analytic**: quclassi's analytic backend (n-qubit states, one matrix product; "
        "adjoint vector-Jacobian product).",
        "",
        "Forward = the fidelities F of N samples. Gradient = the gradient of one class's training "
        "loss L = −mean log F over the N samples with respect to its P parameters, fidelities "
        "included, which is the work of one full-batch training step. Times are "
        "wall-clock seconds for all N samples: median (min–max) over the repeats. For (a) the "
        "repeats are single samples: the median, fastest and slowest single-sample time times N. "
        "*est. from k* marks (a) rows where only the first k samples were timed within the time "
        "budget and the time was extrapolated linearly to N. Speedup = peer median / analytic "
        "median.",
        "",
        "## Loss gradients (dL/dθ, L = −mean log F)",
        "",
        "| n | N | P | (a) per-sample, s | (b) broadcast, s | (c) analytic, s | (c) vs (a) "
        "| (c) vs (b) | max abs diff (a), (b) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for (n_qubits, n_samples), methods in sorted(by_case.items()):
        plain, broadcast, analytic = (
            methods[key] for key in ("per_sample", "broadcast", "analytic")
        )
        ratio = ratio_by_case[(n_qubits, n_samples)]
        lines.append(
            f"| {n_qubits} | {n_samples} | {analytic.n_params} | {_timing(plain, 'gradient')} "
            f"| {_timing(broadcast, 'gradient')} ({broadcast.device}) "
            f"| {_timing(analytic, 'gradient')} "
            f"| {_ratio(ratio['gradient_speedup_vs_per_sample'])} "
            f"| {_ratio(ratio['gradient_speedup_vs_broadcast'])} "
            f"| {plain.max_abs_diff_gradient:.1e}, {broadcast.max_abs_diff_gradient:.1e} |"
        )
    lines += [
        "",
        "## Forward fidelities",
        "",
        "| n | N | (a) per-sample, s | (b) broadcast, s | (c) analytic, s | (c) vs (a) "
        "| (c) vs (b) | max abs diff (a), (b) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for (n_qubits, n_samples), methods in sorted(by_case.items()):
        plain, broadcast, analytic = (
            methods[key] for key in ("per_sample", "broadcast", "analytic")
        )
        ratio = ratio_by_case[(n_qubits, n_samples)]
        lines.append(
            f"| {n_qubits} | {n_samples} | {_timing(plain, 'forward')} "
            f"| {_timing(broadcast, 'forward')} ({broadcast.device}) "
            f"| {_timing(analytic, 'forward')} "
            f"| {_ratio(ratio['forward_speedup_vs_per_sample'])} "
            f"| {_ratio(ratio['forward_speedup_vs_broadcast'])} "
            f"| {plain.max_abs_diff_fidelity:.1e}, {broadcast.max_abs_diff_fidelity:.1e} |"
        )

    worst_plain = min(entry["gradient_speedup_vs_per_sample"] for entry in ratios)
    worst_broadcast = min(entry["gradient_speedup_vs_broadcast"] for entry in ratios)
    lines += [
        "",
        "## Targets",
        "",
        f"- Analytic gradients at least 1000× faster than (a) in every case: "
        f"{'met' if worst_plain >= 1000 else 'NOT met'} (smallest speedup {_ratio(worst_plain)}).",
        f"- Analytic gradients at least 10× faster than (b) in every case: "
        f"{'met' if worst_broadcast >= 10 else 'NOT met'} "
        f"(smallest speedup {_ratio(worst_broadcast)}).",
        f"- Same results: largest |ΔF| = {max_diff_f:.1e}, largest |Δgrad| = {max_diff_j:.1e} "
        f"({'below' if max(max_diff_f, max_diff_j) < 1e-6 else 'NOT below'} 1e-6).",
        "",
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run ``quclassi bench`` and return the exit code."""
    from quclassi import benchmark

    check_output_path(args.out, "--out")
    load_start = benchmark.machine_info()["load_average_1min"]
    start = time.perf_counter()
    rows = benchmark.run_benchmark(
        qubits=args.qubits,
        samples=args.samples,
        structure=args.structure,
        repeats=args.repeats,
        per_sample_budget_s=args.budget_s,
        seed=args.seed,
    )
    wall_s = time.perf_counter() - start
    ratios = benchmark.speedups(rows)
    info = benchmark.machine_info()

    if args.format == "json":
        text = (
            json.dumps(
                {
                    "rows": benchmark.rows_as_dicts(rows),
                    "speedups": ratios,
                    "machine": info,
                    "wall_s": wall_s,
                }
            )
            + "\n"
        )
    elif args.format == "markdown":
        command = "quclassi bench " + " ".join(
            [
                f"--qubits {','.join(map(str, args.qubits))}",
                f"--samples {','.join(map(str, args.samples))}",
                f"--structure {args.structure}",
                f"--repeats {args.repeats}",
                f"--budget-s {args.budget_s:g}",
                "--format markdown",
            ]
        )
        text = render_markdown(rows, ratios, info, command, wall_s, load_start)
    else:
        text = render_table(rows)

    if args.out is None:
        sys.stdout.write(text)
    else:
        from quclassi.atomic import write_text_atomic

        write_text_atomic(args.out, text)
        logger.info("wrote %s", args.out)
    return 0
