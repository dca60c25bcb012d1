"""Facts about the machine and the run that every emissions record carries."""

from __future__ import annotations

import functools
import os
import platform
from pathlib import Path

__all__ = ["cpu_model", "ram_total_gib", "machine_info"]

_BYTES_PER_GIB = 1024**3


@functools.cache
def cpu_model(cpuinfo: Path | str = "/proc/cpuinfo") -> str:
    """Return the CPU model name from ``/proc/cpuinfo``, or ``platform.processor()`` elsewhere."""
    try:
        text = Path(cpuinfo).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return platform.processor()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name":
            return value.strip()
    return platform.processor()


def ram_total_gib() -> float | None:
    """Return the physical memory in GiB, or None where the OS does not report it."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / _BYTES_PER_GIB
    except (OSError, ValueError):
        return None


def machine_info() -> dict[str, object]:
    """Return the machine columns of a record, with codecarbon's names and units."""
    return {
        "os": platform.platform(),
        "python_version": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model(),
        "ram_total_size": ram_total_gib(),
    }
