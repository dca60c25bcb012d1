"""Argparse ``type=`` functions that reject a bad option value as a usage error (exit 2).

Argparse prefixes each message with the option, as in ``argument --pue: must be ...``, so the
messages here give the value and the valid range.
"""

from __future__ import annotations

import argparse
import difflib
import math
import os
from collections.abc import Callable

from sustainai.embodied import hardware_profile, list_hardware
from sustainai.errors import UnknownHardwareError, UnknownRegionError
from sustainai.intensity import lookup_intensity
from sustainai.lifecycle import PHASES
from sustainai.report import GROUP_KEYS

__all__ = [
    "fraction",
    "group_names",
    "hardware_name",
    "non_negative_number",
    "phase_name",
    "png_path",
    "positive_fraction",
    "positive_seconds",
    "pue_number",
    "region_name",
]


def _finite_number(text: str, requirement: str) -> float:
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        msg = f"{requirement}, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return number


def _bounded(requirement: str, accept: Callable[[float], bool]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        number = _finite_number(text, requirement)
        if not accept(number):
            msg = f"{requirement}, got {text!r}"
            raise argparse.ArgumentTypeError(msg)
        return number

    return parse


pue_number = _bounded(
    "must be a finite number >= 1 (facility energy / IT energy, 1 means no overhead)",
    lambda number: number >= 1.0,
)
fraction = _bounded(
    "must be a fraction from 0 to 1 (write 60% as 0.6)", lambda number: 0.0 <= number <= 1.0
)
positive_seconds = _bounded(
    "must be a positive finite number of seconds", lambda number: number > 0.0
)
non_negative_number = _bounded("must be a finite number >= 0", lambda number: number >= 0.0)
positive_fraction = _bounded(
    "must be a fraction above 0 and at most 1 (one GPU of an 8-GPU server is 0.125)",
    lambda number: 0.0 < number <= 1.0,
)


def phase_name(text: str) -> str:
    """Return a lifecycle phase from ``PHASES``, or raise with the closest name."""
    phase = text.strip().lower()
    if phase in PHASES:
        return phase
    close = difflib.get_close_matches(phase, PHASES, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    msg = f"unknown phase {text!r}: {hint}choose from {', '.join(PHASES)}"
    raise argparse.ArgumentTypeError(msg)


def hardware_name(text: str) -> str:
    """Return ``auto``, ``none`` or a row key of the hardware table, or raise with close names."""
    if text in ("auto", "none"):
        return text
    try:
        return hardware_profile(text).name
    except UnknownHardwareError as err:
        hint = f"did you mean {', '.join(err.suggestions)}? " if err.suggestions else ""
        known = ", ".join(profile.name for profile in list_hardware())
        msg = f"unknown hardware {text!r}: {hint}choose from {known}, auto or none"
        raise argparse.ArgumentTypeError(msg) from err


def group_names(text: str) -> list[str]:
    """Return the grouping names of ``report --by``: a comma-separated list or ``none``."""
    if text.strip() == "none":
        return []
    names = [name.strip() for name in text.split(",") if name.strip()]
    choices = ", ".join(GROUP_KEYS)
    if not names:
        msg = f"must name groupings from {choices}, or none for the totals only, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    unknown = [name for name in names if name not in GROUP_KEYS]
    if unknown:
        msg = f"unknown grouping {', '.join(unknown)} in {text!r}: choose from {choices}"
        raise argparse.ArgumentTypeError(msg)
    return names


def png_path(text: str) -> str:
    """Return a plot path that ends in ``.png``, or raise because the plot is written as PNG."""
    if text.lower().endswith(".png") and len(text) > len(".png"):
        return text
    if os.path.isdir(text):
        # check_output_file reports a folder with a file name to use inside it.
        return text
    msg = f"the plot is written as a PNG image, so the file name must end in .png, got {text!r}"
    raise argparse.ArgumentTypeError(msg)


def region_name(text: str) -> str:
    """Return a grid region of the shipped table as written, or raise with close names."""
    if not text.strip():
        msg = "must be a grid region such as FRA or gcp:europe-west1, got ''"
        raise argparse.ArgumentTypeError(msg)
    try:
        lookup_intensity(text)
    except UnknownRegionError as err:
        raise argparse.ArgumentTypeError(str(err)) from err
    return text
