"""Checks of the files a command reads and writes, run before any work starts."""

from __future__ import annotations

import os
from pathlib import Path

from sustainai.errors import InputFileError, OutputPathError

__all__ = ["check_input_file", "check_output_file", "check_output_folder"]


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


def check_output_file(path: str | Path, option: str, example: str) -> Path:
    """Check that a file can be written at ``path``: its folder exists and it is no folder.

    Args:
        path: The path as the user wrote it.
        option: The option that named it, for example ``--plot``.
        example: A file name that fits the option, for example ``chart.png``, suggested
            inside the folder when ``path`` is a folder.

    Returns:
        The path.

    Raises:
        OutputPathError: The path is a folder, or its folder is missing or not writable.
    """
    target = Path(path)
    folder = target.parent
    if target.is_dir():
        msg = f"{option} {path} is a folder: pass a file path such as {target / example}"
        raise OutputPathError(msg)
    if not folder.is_dir():
        msg = f"{option} {path}: the folder {folder} does not exist, so create it first"
        raise OutputPathError(msg)
    if not os.access(folder, os.W_OK | os.X_OK):
        msg = f"{option} {path}: cannot write to the folder {folder} (permission denied)"
        raise OutputPathError(msg)
    return target


def check_output_folder(path: str | Path, option: str) -> Path:
    """Check that ``path`` is a folder or can be created as one.

    Args:
        path: The path as the user wrote it.
        option: The option that named it, for example ``--out``.

    Returns:
        The path.

    Raises:
        OutputPathError: The path, or a parent of it, is an existing file.
    """
    target = Path(path)
    for candidate in (target, *target.parents):
        if candidate.exists() and not candidate.is_dir():
            msg = f"{option} {path}: {candidate} is a file, not a folder: pass a folder path"
            raise OutputPathError(msg)
    return target
