"""Command-line interface of virtualflow."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from importlib.metadata import version

from virtualflow.commands import compare as compare_command
from virtualflow.commands import plan as plan_command
from virtualflow.commands import profile as profile_command
from virtualflow.commands import train as train_command
from virtualflow.commands.options import UsageError
from virtualflow.errors import VirtualFlowError

__all__ = ["build_parser", "main"]

logger = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with the global options and every subcommand."""
    parser = argparse.ArgumentParser(
        prog="virtualflow",
        description=("Virtual node processing: the same training result on any number of devices."),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version('virtualflow')}")
    _add_verbosity_options(parser, default=False)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    plan_command.register(subparsers)
    compare_command.register(subparsers)
    train_command.register(subparsers)
    profile_command.register(subparsers)
    # -v and -q work after the subcommand too. SUPPRESS leaves a flag given before it intact.
    for command_parser in subparsers.choices.values():
        _add_verbosity_options(command_parser, default=argparse.SUPPRESS)
    return parser


def _add_verbosity_options(parser: argparse.ArgumentParser, default: object) -> None:
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=default,
        help="print debug logs and tracebacks",
    )
    verbosity.add_argument(
        "-q", "--quiet", action="store_true", default=default, help="print only results and errors"
    )


def _configure_logging(verbose: bool, quiet: bool) -> None:
    level = logging.INFO
    if verbose:
        level = logging.DEBUG
    elif quiet:
        level = logging.WARNING
    if not verbose:
        # TensorFlow's C++ start-up messages (CPU features, oneDNN) drown the progress bar.
        # TensorFlow reads this variable on its first import, so it is set before that.
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    logging.basicConfig(
        level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code.

    Args:
        argv: Arguments without the program name; ``None`` reads ``sys.argv``.

    Returns:
        0 on success, 1 on a runtime failure, 2 on a usage error.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_request:
        return int(exit_request.code or 0)
    _configure_logging(args.verbose, args.quiet)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.handler(args))
    except UsageError as err:
        print(f"virtualflow {args.command}: error: {err}", file=sys.stderr)
        return 2
    except (VirtualFlowError, OSError) as err:
        if args.verbose:
            logger.exception("%s failed", args.command)
        print(f"virtualflow: error: {err}", file=sys.stderr)
        return 1
