"""``sustainai track``: run a command and record its energy and carbon."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Sequence
from types import FrameType

from sustainai.commands._files import check_output_file
from sustainai.commands._format import write_text_atomic
from sustainai.commands._options import (
    fraction,
    hardware_name,
    non_negative_number,
    phase_name,
    positive_fraction,
    positive_seconds,
    pue_number,
    region_name,
)
from sustainai.sensors import DEFAULT_POWERCAP_ROOT
from sustainai.tracker import DEFAULT_REGION, REGION_VARIABLE, Tracker, TrackingResult

__all__ = ["register", "run_tracked_command"]

# Exit codes of POSIX shells for a command that cannot be run.
EXIT_NOT_EXECUTABLE = 126
EXIT_NOT_FOUND = 127

# Signals the wrapper forwards to the child so that the child decides how to stop and the
# wrapper lives on to write the record.
_FORWARDED = (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``track`` subcommand."""
    parser = subparsers.add_parser(
        "track",
        help="run a command and record its energy and carbon",
        description=(
            "Run CMD, exit with its exit code, append one record to the emissions CSV and "
            "print a one-line summary on stderr, so that the command's own stdout passes "
            "through unchanged. A record is written when the command fails or is killed by "
            "a signal too. A command that does not exist exits with 127 and writes nothing."
        ),
    )
    parser.add_argument("--project", default="default", help="project name (default: default)")
    parser.add_argument(
        "--phase",
        type=phase_name,
        default="training",
        help="lifecycle phase: data, experimentation, training, inference (default: training)",
    )
    parser.add_argument(
        "--region",
        type=region_name,
        default=None,
        help="grid region, ISO 3166 alpha-3 (FRA) or provider:region "
        f"(default: ${REGION_VARIABLE}, else {DEFAULT_REGION})",
    )

    # Carbon accounting.
    parser.add_argument(
        "--pue",
        type=pue_number,
        default=1.0,
        help="data-centre power usage effectiveness, >= 1 (default: 1.0)",
    )
    parser.add_argument(
        "--renewable-fraction",
        type=fraction,
        default=0.0,
        help="share of the energy covered by renewable contracts, 0-1, for the market-based "
        "figure (default: 0.0)",
    )
    parser.add_argument(
        "--residual-intensity",
        type=non_negative_number,
        default=None,
        metavar="G_PER_KWH",
        help="residual-mix intensity in g CO2e/kWh for the market-based figure "
        "(default: the location-based intensity)",
    )
    parser.add_argument(
        "--hardware",
        type=hardware_name,
        default="auto",
        help="hardware table row whose embodied carbon is amortised over the run, or 'none' "
        "(default: auto, gpu-server with a GPU, else cpu-server)",
    )
    parser.add_argument(
        "--hardware-share",
        type=positive_fraction,
        default=1.0,
        metavar="FRACTION",
        help="fraction of that hardware the command occupies, above 0 and at most 1, e.g. "
        "0.125 for one GPU of an 8-GPU server (default: 1, the whole machine)",
    )

    # Output and sampling.
    parser.add_argument(
        "--output",
        default="emissions.csv",
        help="CSV file the record is appended to (default: emissions.csv)",
    )
    parser.add_argument(
        "--interval",
        type=positive_seconds,
        default=1.0,
        metavar="SECONDS",
        help="seconds between sensor readings (default: 1)",
    )
    parser.add_argument(
        "--scope",
        choices=("process", "machine"),
        default="process",
        help="what the CPU-time estimate counts: the command and its children, or the whole "
        "machine (default: process)",
    )
    parser.add_argument(
        "--powercap-root",
        default=str(DEFAULT_POWERCAP_ROOT),
        help=f"folder holding the RAPL zones (default: {DEFAULT_POWERCAP_ROOT})",
    )
    parser.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="summary as one line of text or one JSON object, printed as the last line of "
        "stderr because stdout belongs to CMD; to pipe the JSON, discard or redirect CMD's "
        "stdout: `sustainai track --format json -- CMD 2>&1 >/dev/null | tail -n 1` "
        "(default: table)",
    )
    parser.add_argument(
        "--summary-out",
        metavar="FILE",
        default=None,
        help="also write the JSON summary to FILE, atomically, for scripts (default: none)",
    )

    parser.add_argument(
        "tracked_command",
        nargs=argparse.REMAINDER,
        metavar="-- CMD ARGS",
        help="the command to run",
    )
    parser.set_defaults(handler=_handle)


def _status_of(returncode: int) -> tuple[str, int]:
    """Return the record status and the wrapper's exit code for a child's return code."""
    if returncode < 0:
        number = -returncode
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return f"killed by {name}", 128 + number
    return ("ok" if returncode == 0 else f"exit {returncode}"), returncode


def _resolve(command: str) -> str | None:
    if os.sep in command:
        return command if os.path.exists(command) else None
    return shutil.which(command)


def run_tracked_command(
    command: Sequence[str], tracker: Tracker
) -> tuple[int, TrackingResult | None]:
    """Run a command under a tracker and record it.

    The tracker starts before the command, so an unknown region or a foreign output file
    fails before anything runs. While the command runs, SIGINT is ignored by the wrapper,
    because a terminal sends it to the command too, and the signals in ``_FORWARDED`` are
    passed on to the command.

    Args:
        command: Program and arguments.
        tracker: A tracker that is not running; its estimator follows the child process.

    Returns:
        The exit code (the command's, 128 + N for a command killed by signal N, 126 or 127
        when it cannot be run) and the result, which is None when the command never ran.
    """
    executable = _resolve(command[0])
    if executable is None:
        print(f"sustainai: error: command not found: {command[0]!r}", file=sys.stderr)
        return EXIT_NOT_FOUND, None
    tracker.start()
    try:
        # argv[0] stays as the user wrote it; only the executable path is resolved.
        child = subprocess.Popen(list(command), executable=executable)
    except OSError as err:
        # As in POSIX shells: 127 when the file is missing, 126 when it cannot be executed
        # (no execute permission, a folder, a script without an interpreter line).
        tracker.cancel()
        code = EXIT_NOT_FOUND if isinstance(err, FileNotFoundError) else EXIT_NOT_EXECUTABLE
        print(f"sustainai: error: cannot run {command[0]!r}: {err.strerror}", file=sys.stderr)
        return code, None

    def forward(signum: int, _frame: FrameType | None) -> None:
        child.send_signal(signum)

    tracker.follow_process(child.pid)
    previous = {signum: signal.signal(signum, forward) for signum in _FORWARDED}
    previous[signal.SIGINT] = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        returncode = child.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    status, exit_code = _status_of(returncode)
    return exit_code, tracker.stop(status=status, exit_code=returncode)


def _summary_object(result: TrackingResult) -> dict[str, object]:
    record = result.record
    return {
        "project": record["project_name"],
        "phase": record["phase"],
        "status": record["status"],
        "exit_code": record["exit_code"],
        "wall_s": record["duration"],
        "energy_kwh": record["energy_consumed"],
        "emissions_kg": record["emissions"],
        "emissions_market_kg": record["emissions_market_kg"],
        "embodied_kg": result.embodied_kg,
        "total_kg": record["total_emissions_kg"],
        "g_co2e_per_kwh": record["g_co2e_per_kwh"],
        "pue": record["pue"],
        "measured": record["measured"],
        "energy_method": record["energy_method"],
        "run_id": record["run_id"],
        "output": str(result.output) if result.output else None,
    }


def _handle(args: argparse.Namespace) -> int:
    command = list(args.tracked_command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        print("sustainai track: error: no command given; write it after --", file=sys.stderr)
        return 2
    check_output_file(args.output, "--output", "emissions.csv")
    if args.summary_out is not None:
        check_output_file(args.summary_out, "--summary-out", "summary.json")
    tracker = Tracker(
        args.project,
        phase=args.phase,
        region=args.region,
        pue=args.pue,
        output=args.output,
        interval_s=args.interval,
        renewable_fraction=args.renewable_fraction,
        residual_g_co2e_per_kwh=args.residual_intensity,
        hardware=None if args.hardware == "none" else args.hardware,
        hardware_share=args.hardware_share,
        scope=args.scope,
        powercap_root=args.powercap_root,
        include_self=False,
    )
    exit_code, result = run_tracked_command(command, tracker)
    if result is not None:
        summary = json.dumps(_summary_object(result))
        if args.summary_out is not None:
            write_text_atomic(args.summary_out, summary + "\n")
        if args.format == "json":
            print(summary, file=sys.stderr)
        else:
            print(f"sustainai: {result.summary_line()}", file=sys.stderr)
    return exit_code
