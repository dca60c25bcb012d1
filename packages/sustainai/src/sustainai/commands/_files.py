"""Checks of the files a command reads, run before any work starts."""

from __future__ import annotations

import os
from pathlib import Path

from sustainai.errors import InputFileError

__all__ = ["check_input_file"]


def check_input_file(path: str | Path, description: str, expected: str) -> Path:
    """Check that an input file exists, is a regular file and is readable.

    Args:
        path: The path as the user wrote it.
        description: What the file is, for example ``emissions CSV``.
        expected: What the user should pass instead, for example
            ``an emissions CSV written by sustainai track or codecarbon``.

    Returns:
        The path.

    Raises:
        InputFileError: The file is missing, is a folder or cannot be read.
    """
    source = Path(path)
    if not source.exists():
        msg = f"{description} {path} not found: pass the path of {expected}"
        raise InputFileError(msg)
    if source.is_dir():
        msg = f"{description} {path} is a folder, not a file: pass the path of {expected}"
        raise InputFileError(msg)
    if not os.access(source, os.R_OK):
        msg = f"cannot read {description} {path} (permission denied): check its permissions"
        raise InputFileError(msg)
    return source
