"""Write a training run directory: config.json, metrics.csv, weights.npz, curves.png.

Every file is written atomically, so a reader sees either the previous file or the new one.
:mod:`virtualflow.runs` reads the same format.
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
from virtualflow.keras.trainer import StepRecord

__all__ = ["write_run_directory"]

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
    with atomic_path(out / "weights.npz", suffix=".npz") as temporary:
        np.savez(temporary, **weights)
    plot_runs([load_run(out)], out / "curves.png")
    return out
