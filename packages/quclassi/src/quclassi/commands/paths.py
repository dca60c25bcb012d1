"""Checks of the input and output paths given on the command line, run before any work starts.

Each check raises ``InvalidInputError`` with one line that names the option, the user's path
and what to do. Without these checks the user would see a raw ``[Errno 2]`` text, for an
output path the name of the hidden temporary file, and only after the training had run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from quclassi.errors import InvalidInputError

__all__ = ["check_dataset_file", "check_input_file", "check_model_output", "check_output_path"]

MODEL_HINT = "pass a model file written by 'quclassi train --out'"
CSV_HINT = "pass the path of an existing CSV file"


def check_input_file(path: str, option: str, kind: str, hint: str) -> None:
    """Check that ``path`` is a readable file.

    Args:
        path: The path as the user typed it.
        option: The option that gave the path, for example ``--model``.
        kind: What the file is, for example ``model file``.
        hint: What to do instead, appended to the message.

    Raises:
        InvalidInputError: The path does not exist, is a folder or cannot be read.
    """
    target = Path(path)
    if not target.exists():
        problem = "not found"
    elif target.is_dir():
        problem = "is a folder, not a file"
    elif not os.access(target, os.R_OK):
        problem = "is not readable (check its permissions)"
    else:
        return
    msg = f"{kind} {path} ({option}) {problem}: {hint}"
    raise InvalidInputError(msg)


def check_dataset_file(dataset: str | None, option: str = "--dataset") -> None:
    """Check the file of a ``csv:PATH`` data set; other data set names need no file."""
    if dataset is not None and dataset.startswith("csv:"):
        check_input_file(dataset[len("csv:") :], option, "CSV data file", CSV_HINT)


def check_output_path(path: str | None, option: str, example: str = "out") -> None:
    """Check that a file can be written at ``path``; ``None`` (option not given) passes.

    ``example`` is the file name suggested when ``path`` is a folder.

    Raises:
        InvalidInputError: ``path`` is a folder, or its folder is missing, not a folder or
            not writable.
    """
    if path is None:
        return
    target = Path(path)
    if target.is_dir():
        msg = f"{option} {path} is a folder: pass a file path, for example {target / example}"
        raise InvalidInputError(msg)
    folder = target.parent
    if not folder.exists():
        msg = f"{option} {path}: folder {folder} does not exist; create it or pick another path"
    elif not folder.is_dir():
        msg = f"{option} {path}: {folder} is a file, not a folder; pick another path"
    elif not os.access(folder, os.W_OK | os.X_OK):
        msg = f"{option} {path}: folder {folder} is not writable; pick another path"
    else:
        return
    raise InvalidInputError(msg)


def check_model_output(path: str | None, option: str) -> None:
    """Check that writing a model to ``path`` replaces nothing but an earlier model file.

    Raises:
        InvalidInputError: ``path`` cannot be written (see ``check_output_path``), or it is an
            existing file that is not a quclassi model, such as a data CSV.
    """
    check_output_path(path, option, example="model.json")
    if path is None or not Path(path).is_file():
        return
    from quclassi.model_io import FORMAT_NAME

    try:
        with open(path, encoding="utf-8") as handle:
            content = json.load(handle)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        content = None
    if isinstance(content, dict) and content.get("format") == FORMAT_NAME:
        return
    msg = (
        f"{option} {path} exists and is not a quclassi model file, so it is not replaced: "
        "pass a new path, or delete the file first"
    )
    raise InvalidInputError(msg)
