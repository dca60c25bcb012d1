"""Checks of command-line option values shared by the subcommands.

A bad option value is a usage error: the CLI exits with code 2 and a message that names the
option as the user typed it. The library raises its own errors with parameter names for
library users; the checks here run first, so the CLI reports option names instead.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from virtualflow.errors import PlanError
from virtualflow.plan import VirtualNodePlan

__all__ = [
    "UsageError",
    "check_node_batch",
    "check_output_file",
    "check_run_folder",
    "device_count_problem",
    "momentum",
    "non_negative_int",
    "plan_from_options",
    "positive_float",
    "positive_int",
]


class UsageError(Exception):
    """Invalid option value or combination of values, reported by the CLI with exit code 2."""


def _parse_number(
    text: str, convert: Callable[[str], Any], accept: Callable[[Any], bool], expected: str
) -> Any:
    """Convert an option value, raising a usage error unless ``accept`` returns True."""
    try:
        value = convert(text)
    except ValueError as err:
        msg = f"expected {expected}, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from err
    if not accept(value):
        msg = f"expected {expected}, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def positive_int(text: str) -> int:
    """Parse an integer >= 1 (argparse ``type``)."""
    return _parse_number(text, int, lambda value: value >= 1, "an integer >= 1")


def positive_float(text: str) -> float:
    """Parse a finite number > 0 (argparse ``type``)."""
    return _parse_number(text, float, lambda value: 0 < value < math.inf, "a finite number > 0")


def non_negative_int(text: str) -> int:
    """Parse an integer >= 0 (argparse ``type``)."""
    return _parse_number(text, int, lambda value: value >= 0, "an integer >= 0")


def momentum(text: str) -> float:
    """Parse a momentum in [0, 1) (argparse ``type``)."""
    return _parse_number(text, float, lambda value: 0 <= value < 1, "a number in [0, 1)")


def device_count_problem(devices: int, virtual_nodes: int) -> str | None:
    """Return why ``devices`` identical devices cannot share ``virtual_nodes``, or None."""
    divisors = [count for count in range(1, virtual_nodes + 1) if virtual_nodes % count == 0]
    choices = ", ".join(map(str, divisors))
    if devices < 1:
        return f"the device count must be at least 1; use one of {choices}"
    if devices > virtual_nodes:
        return (
            f"{devices} devices are more than --virtual-nodes {virtual_nodes}, so a device "
            f"would run no virtual node; use one of {choices}"
        )
    if virtual_nodes % devices:
        return (
            f"{devices} devices do not divide --virtual-nodes {virtual_nodes} evenly; "
            f"use one of {choices}"
        )
    return None


def check_node_batch(global_batch: int, virtual_nodes: int, nodes_option: str) -> None:
    """Raise a usage error unless ``global_batch`` splits into equal virtual-node batches."""
    if global_batch < virtual_nodes:
        msg = (
            f"--global-batch {global_batch} is smaller than {nodes_option} {virtual_nodes}, "
            f"so a virtual node would get no example; pass {nodes_option} {global_batch} or "
            "less, or a larger --global-batch"
        )
        raise UsageError(msg)
    if global_batch % virtual_nodes:
        lower = global_batch - global_batch % virtual_nodes
        msg = (
            f"--global-batch {global_batch} is not a multiple of {nodes_option} "
            f"{virtual_nodes}; pass a multiple of {virtual_nodes}, e.g. {lower} or "
            f"{lower + virtual_nodes}"
        )
        raise UsageError(msg)


def plan_from_options(
    global_batch: int,
    virtual_nodes: int,
    *,
    devices: int | None = None,
    nodes_per_device: Sequence[int] | None = None,
    nodes_option: str = "--virtual-nodes",
    uneven_hint: str = "",
) -> VirtualNodePlan:
    """Build the plan of the given option values or raise a usage error naming the options.

    Args:
        global_batch: Value of ``--global-batch``.
        virtual_nodes: Number of virtual nodes, taken from the option ``nodes_option``.
        devices: Value of ``--devices`` (homogeneous plan).
        nodes_per_device: Value of ``--nodes-per-device`` (heterogeneous plan).
        nodes_option: Option that sets the number of virtual nodes, for the messages.
        uneven_hint: Sentence appended when ``--devices`` does not divide the node count.

    Raises:
        UsageError: The values do not form a valid plan.
    """
    check_node_batch(global_batch, virtual_nodes, nodes_option)
    if nodes_per_device is not None:
        total = sum(nodes_per_device)
        if total != virtual_nodes:
            text = ",".join(map(str, nodes_per_device))
            msg = (
                f"--nodes-per-device {text} adds up to {total}, but --virtual-nodes is "
                f"{virtual_nodes}; give counts that add up to {virtual_nodes}"
            )
            raise UsageError(msg)
    elif devices is not None:
        problem = device_count_problem(devices, virtual_nodes)
        if problem:
            msg = f"--devices {devices} is invalid: {problem}{uneven_hint}"
            raise UsageError(msg)
    try:
        return VirtualNodePlan(
            global_batch, virtual_nodes, devices=devices, nodes_per_device=nodes_per_device
        )
    except PlanError as err:
        # The checks above cover every plan error that these options can cause. This fallback
        # keeps exit code 2 if the library adds a check.
        raise UsageError(str(err)) from err


def _first_non_folder(path: Path) -> Path | None:
    """Return the nearest existing ancestor of ``path`` that is not a folder, or None."""
    for ancestor in path.parents:
        if ancestor.exists():
            return None if ancestor.is_dir() else ancestor
    return None


def check_run_folder(option: str, path: str) -> None:
    """Raise a usage error unless ``path`` can be created or reused as a run folder."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        msg = (
            f"{option} {path} is an existing file, not a run folder; pass the path of a new "
            "or existing folder"
        )
        raise UsageError(msg)
    blocker = _first_non_folder(folder)
    if blocker is not None:
        msg = f"{option} {path} cannot be created because {blocker} is a file, not a folder"
        raise UsageError(msg)


def check_output_file(option: str, path: str) -> None:
    """Raise a usage error unless ``path`` can be written as a file in an existing folder."""
    target = Path(path)
    if target.is_dir():
        msg = f"{option} {path} is a folder; pass a file path, e.g. {target / 'out.json'}"
        raise UsageError(msg)
    parent = target.parent
    if not parent.is_dir():
        what = "is a file, not a folder" if parent.exists() else "does not exist"
        msg = f"{option} {path}: the folder {parent} {what}; create it or pass another path"
        raise UsageError(msg)
