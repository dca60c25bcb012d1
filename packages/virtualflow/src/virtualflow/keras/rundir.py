"""Write a training run directory: config.json, metrics.csv, weights.npz, curves.png.

Every file is written atomically, so a reader sees either the previous file or the new one.
:mod:`virtualflow.runs` reads the same format. ``checkpoint.npz`` stores the full training
state and the next step, so that ``virtualflow train --resume`` can continue a run.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from virtualflow.atomic import atomic_path, write_text_atomic
from virtualflow.errors import RunDirectoryError
from virtualflow.keras.trainer import StepRecord

__all__ = [
    "load_checkpoint",
    "read_records",
    "save_checkpoint",
    "write_progress",
    "write_run_directory",
]

CHECKPOINT = "checkpoint.npz"
_STEP_KEY = "run/next_step"

METRIC_COLUMNS = ("step", "loss", "accuracy", "num_devices", "wall_s")


def write_run_directory(
    out: str | os.PathLike[str],
    config: dict[str, Any],
    records: Sequence[StepRecord],
    weights: dict[str, np.ndarray],
) -> Path:
    """Write the run directory ``out`` and return its path.

    Args:
        out: Directory; created when missing, its four files replaced when present.
        config: Training arguments, plan and library versions (JSON-serialisable).
        records: One record per step, in step order.
        weights: Final model variables keyed by variable path.
    """
    from virtualflow.runs import load_run, plot_runs

    out = write_progress(out, config, records)
    with atomic_path(out / "weights.npz", suffix=".npz") as temporary:
        np.savez(temporary, **weights)
    plot_runs([load_run(out)], out / "curves.png")
    return out


def write_progress(
    out: str | os.PathLike[str], config: dict[str, Any], records: Sequence[StepRecord]
) -> Path:
    """Write ``config.json`` and ``metrics.csv`` of the steps run so far; return ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out / "config.json", json.dumps(config, indent=2, sort_keys=True) + "\n")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(METRIC_COLUMNS)
    for record in records:
        writer.writerow(
            [
                record.step,
                repr(record.loss),
                repr(record.accuracy),
                record.num_devices,
                f"{record.wall_s:.6f}",
            ]
        )
    write_text_atomic(out / "metrics.csv", buffer.getvalue())
    return out


def save_checkpoint(
    out: str | os.PathLike[str], state: dict[str, np.ndarray], next_step: int
) -> Path:
    """Write ``out/checkpoint.npz``: the training state and the first step still to run."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(out / CHECKPOINT, suffix=".npz") as temporary:
        np.savez(temporary, **state, **{_STEP_KEY: np.asarray(next_step)})
    return out / CHECKPOINT


def load_checkpoint(out: str | os.PathLike[str]) -> tuple[dict[str, np.ndarray], int]:
    """Read ``out/checkpoint.npz`` and return ``(state, next_step)``.

    Raises:
        RunDirectoryError: The checkpoint is missing or has no step.
    """
    path = Path(out) / CHECKPOINT
    if not path.is_file():
        msg = f"no checkpoint to resume from: {path} not found; run without --resume first"
        raise RunDirectoryError(msg)
    with np.load(path) as archive:
        state = {key: archive[key] for key in archive.files}
    if _STEP_KEY not in state:
        msg = f"{path} has no {_STEP_KEY!r} entry; it was not written by virtualflow train"
        raise RunDirectoryError(msg)
    return state, int(state.pop(_STEP_KEY))


def read_records(out: str | os.PathLike[str], before: int) -> list[StepRecord]:
    """Return the rows of ``out/metrics.csv`` with ``step < before`` as records.

    Raises:
        RunDirectoryError: The file is missing or lacks steps before ``before``.
    """
    path = Path(out) / "metrics.csv"
    if not path.is_file():
        msg = f"cannot resume: {path} not found"
        raise RunDirectoryError(msg)
    with path.open(encoding="utf-8", newline="") as file:
        rows = [row for row in csv.DictReader(file) if int(row["step"]) < before]
    if len(rows) != before:
        msg = f"cannot resume: {path} has {len(rows)} rows before step {before}, expected {before}"
        raise RunDirectoryError(msg)
    return [
        StepRecord(
            step=int(row["step"]),
            loss=float(row["loss"]),
            accuracy=float(row["accuracy"]),
            num_devices=int(row["num_devices"]),
            wall_s=float(row["wall_s"]),
        )
        for row in rows
    ]
