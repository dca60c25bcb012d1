"""Training run directories: load two runs, compare them, and plot their curves.

A run directory, as written by ``virtualflow train --out RUN``, contains:

- ``config.json``: the training arguments, the plan (``VirtualNodePlan.to_dict()``) and the
  library versions;
- ``metrics.csv``: one row per step with the columns ``step``, ``loss``, ``accuracy``,
  ``num_devices`` and ``wall_s``;
- ``weights.npz``: every model variable, batch-norm moving statistics included, keyed by
  variable path;
- ``curves.png``: the loss and accuracy curves of that run.

Two runs reproduce each other when their final weights and their per-step losses agree.
"""

from __future__ import annotations

import csv
import json
import math
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from virtualflow.atomic import atomic_path
from virtualflow.errors import RunDirectoryError

__all__ = ["Run", "RunComparison", "Verdict", "compare_runs", "load_run", "plot_runs"]

Verdict = Literal["bit_identical", "within_tolerance", "differs"]

METRIC_COLUMNS = ("step", "loss", "accuracy", "num_devices", "wall_s")
REQUIRED_COLUMNS = ("step", "loss")


@dataclass(frozen=True)
class Run:
    """One loaded run directory.

    Attributes:
        path: The run directory.
        config: Parsed ``config.json``.
        metrics: Column name to values, one value per step, ``NaN`` where a cell is empty.
        weights: Variable path to its final value.
    """

    path: Path
    config: dict[str, Any]
    metrics: dict[str, np.ndarray]
    weights: dict[str, np.ndarray]

    @property
    def name(self) -> str:
        """Directory name, used as the run's label."""
        return self.path.resolve().name

    @property
    def steps(self) -> np.ndarray:
        """Step numbers in file order."""
        return self.metrics["step"]

    @property
    def device_counts(self) -> list[int]:
        """Device counts in step order with repeats collapsed, e.g. ``[1, 2, 4, 2]``."""
        counts = self.metrics.get("num_devices")
        if counts is None:
            plan = self.config.get("plan")
            if isinstance(plan, dict) and "num_devices" in plan:
                return [int(plan["num_devices"])]
            return []
        collapsed: list[int] = []
        for value in counts:
            if math.isnan(value):
                continue
            if not collapsed or collapsed[-1] != int(value):
                collapsed.append(int(value))
        return collapsed


def _read_config(path: Path) -> dict[str, Any]:
    config_file = path / "config.json"
    try:
        data = json.loads(config_file.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        msg = f"{config_file} not found; is {path} a run directory written by 'virtualflow train'?"
        raise RunDirectoryError(msg) from err
    except json.JSONDecodeError as err:
        msg = f"{config_file}: invalid JSON ({err})"
        raise RunDirectoryError(msg) from err
    if not isinstance(data, dict):
        msg = f"{config_file}: expected a JSON object, got {type(data).__name__}"
        raise RunDirectoryError(msg)
    return data


def _parse_cell(text: str, metrics_file: Path, line: int, column: str) -> float:
    if text.strip() == "":
        return math.nan
    try:
        return float(text)
    except ValueError as err:
        msg = f"{metrics_file}:{line}: column {column!r} is not a number: {text!r}"
        raise RunDirectoryError(msg) from err


def _read_metrics(path: Path) -> dict[str, np.ndarray]:
    metrics_file = path / "metrics.csv"
    try:
        with metrics_file.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            missing = [column for column in REQUIRED_COLUMNS if column not in header]
            if missing:
                msg = f"{metrics_file}: missing the columns {missing}; found {header}"
                raise RunDirectoryError(msg)
            columns = [column for column in METRIC_COLUMNS if column in header]
            values: dict[str, list[float]] = {column: [] for column in columns}
            for row in reader:
                for column in columns:
                    cell = row[column] if row[column] is not None else ""
                    values[column].append(_parse_cell(cell, metrics_file, reader.line_num, column))
    except FileNotFoundError as err:
        msg = f"{metrics_file} not found; the run may not have finished"
        raise RunDirectoryError(msg) from err
    if not values["step"]:
        msg = f"{metrics_file} has no rows; the run may not have finished a step"
        raise RunDirectoryError(msg)
    return {column: np.asarray(column_values) for column, column_values in values.items()}


def _read_weights(path: Path) -> dict[str, np.ndarray]:
    weights_file = path / "weights.npz"
    try:
        with np.load(weights_file, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except FileNotFoundError as err:
        msg = f"{weights_file} not found; the run may not have finished"
        raise RunDirectoryError(msg) from err
    except (zipfile.BadZipFile, ValueError, OSError) as err:
        # numpy's own message for a non-archive file suggests allow_pickle=True, which would
        # run code from the file, so the message names the file and the safe fix instead.
        msg = (
            f"{weights_file} is not a valid weights file (expected the .npz archive that "
            f"'virtualflow train' writes); re-run 'virtualflow train --out {path}' to write it"
        )
        raise RunDirectoryError(msg) from err


def load_run(path: str | os.PathLike[str]) -> Run:
    """Load ``config.json``, ``metrics.csv`` and ``weights.npz`` from a run directory.

    Raises:
        RunDirectoryError: The directory or one of the files is missing or malformed.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        msg = f"{path} is a file, not a run directory; pass the --out folder of 'virtualflow train'"
        raise RunDirectoryError(msg)
    if not path.is_dir():
        msg = f"run directory {path} not found; pass the --out folder of 'virtualflow train'"
        raise RunDirectoryError(msg)
    return Run(
        path=path,
        config=_read_config(path),
        metrics=_read_metrics(path),
        weights=_read_weights(path),
    )


@dataclass(frozen=True)
class RunComparison:
    """Outcome of :func:`compare_runs`.

    Attributes:
        verdict: ``"bit_identical"`` when every weight and loss is equal bit for bit,
            ``"within_tolerance"`` when all agree within ``rtol`` and ``atol``, else
            ``"differs"``.
        rtol: Relative tolerance used.
        atol: Absolute tolerance used.
        max_abs_weight_diff: Largest absolute difference over all shared variables.
        max_weight_diff_variable: Variable where that difference occurs.
        max_abs_loss_diff: Largest absolute loss difference over the shared steps.
        steps_compared: Number of steps present in both runs.
        reasons: Why the verdict is ``"differs"``, empty otherwise.
    """

    run_a: Run
    run_b: Run
    verdict: Verdict
    rtol: float
    atol: float
    max_abs_weight_diff: float
    max_weight_diff_variable: str | None
    max_abs_loss_diff: float
    steps_compared: int
    reasons: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """Return a flat JSON-ready summary with snake_case keys."""
        return {
            "verdict": self.verdict,
            "run_a": str(self.run_a.path),
            "run_b": str(self.run_b.path),
            "rtol": self.rtol,
            "atol": self.atol,
            "max_abs_weight_diff": self.max_abs_weight_diff,
            "max_weight_diff_variable": self.max_weight_diff_variable,
            "max_abs_loss_diff": self.max_abs_loss_diff,
            "steps_compared": self.steps_compared,
            "variables_compared": len(set(self.run_a.weights) & set(self.run_b.weights)),
            "final_loss_a": _final(self.run_a, "loss"),
            "final_loss_b": _final(self.run_b, "loss"),
            "final_accuracy_a": _final(self.run_a, "accuracy"),
            "final_accuracy_b": _final(self.run_b, "accuracy"),
            "device_counts_a": self.run_a.device_counts,
            "device_counts_b": self.run_b.device_counts,
            "reasons": list(self.reasons),
        }


def _final(run: Run, column: str) -> float | None:
    values = run.metrics.get(column)
    if values is None or len(values) == 0 or math.isnan(values[-1]):
        return None
    return float(values[-1])


def _max_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    """Return max |a - b|, ignoring places where both are NaN; inf where only one is NaN."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    both_nan = np.isnan(a) & np.isnan(b)
    if np.any(np.isnan(a) != np.isnan(b)):
        return math.inf
    with np.errstate(invalid="ignore"):
        # Equal infinities count as no difference, although inf - inf is NaN.
        diff = np.where(a == b, 0.0, np.abs(a - b))[~both_nan]
    diff = np.where(np.isnan(diff), math.inf, diff)
    return float(diff.max()) if diff.size else 0.0


def _compare_weights(a: Run, b: Run, rtol: float, atol: float, reasons: list[str]):
    """Return (all bit-equal, all close, max abs difference, variable of the max)."""
    only_a = sorted(set(a.weights) - set(b.weights))
    only_b = sorted(set(b.weights) - set(a.weights))
    if only_a:
        reasons.append(f"variables only in {a.name}: {only_a}")
    if only_b:
        reasons.append(f"variables only in {b.name}: {only_b}")
    identical = not only_a and not only_b
    close = identical
    max_diff, max_variable = 0.0, None
    for name in sorted(set(a.weights) & set(b.weights)):
        value_a, value_b = a.weights[name], b.weights[name]
        if value_a.shape != value_b.shape:
            reasons.append(f"variable {name!r} has shape {value_a.shape} vs {value_b.shape}")
            identical = close = False
            continue
        identical = (
            identical and value_a.dtype == value_b.dtype and np.array_equal(value_a, value_b)
        )
        if value_a.size == 0:
            continue
        diff = _max_abs_diff(value_a, value_b)
        if diff > max_diff or max_variable is None:
            max_diff, max_variable = diff, name
        if not np.allclose(value_a, value_b, rtol=rtol, atol=atol, equal_nan=True):
            close = False
    if identical:
        close = True
    elif not close and not reasons:
        reasons.append(
            f"weights differ by up to {max_diff:.3g} (in {max_variable!r}), "
            f"beyond rtol={rtol:g}, atol={atol:g}"
        )
    return identical, close, max_diff, max_variable


def compare_runs(a: Run, b: Run, rtol: float = 1e-5, atol: float = 1e-6) -> RunComparison:
    """Compare the final weights and the per-step losses of two runs.

    Values agree within tolerance when ``|a - b| <= atol + rtol * |b|`` elementwise (the
    rule of :func:`numpy.allclose`). Losses are compared on the steps present in both runs,
    and runs with different step lists differ.

    Args:
        a: First run.
        b: Second run.
        rtol: Relative tolerance, >= 0.
        atol: Absolute tolerance, >= 0.

    Raises:
        ValueError: A tolerance is negative or not finite.
    """
    for name, value in (("rtol", rtol), ("atol", atol)):
        if not math.isfinite(value) or value < 0:
            msg = f"{name} must be a finite number >= 0, got {value!r}"
            raise ValueError(msg)
    reasons: list[str] = []
    weights_identical, weights_close, max_diff, max_variable = _compare_weights(
        a, b, rtol, atol, reasons
    )

    # A later row for the same step (e.g. a step repeated after a resume) replaces earlier ones.
    loss_by_step_a = dict(zip(a.steps.tolist(), a.metrics["loss"].tolist(), strict=True))
    loss_by_step_b = dict(zip(b.steps.tolist(), b.metrics["loss"].tolist(), strict=True))
    steps_match = list(loss_by_step_a) == list(loss_by_step_b)
    if not steps_match:
        reasons.append(
            f"step lists differ: {a.name} has {len(loss_by_step_a)} steps, "
            f"{b.name} has {len(loss_by_step_b)}"
        )
    shared = [step for step in loss_by_step_a if step in loss_by_step_b]
    loss_a = np.array([loss_by_step_a[step] for step in shared], dtype=np.float64)
    loss_b = np.array([loss_by_step_b[step] for step in shared], dtype=np.float64)
    losses_identical = np.array_equal(loss_a, loss_b, equal_nan=True)
    losses_close = bool(np.allclose(loss_a, loss_b, rtol=rtol, atol=atol, equal_nan=True))
    max_loss_diff = _max_abs_diff(loss_a, loss_b)
    if not losses_close:
        reasons.append(
            f"losses differ by up to {max_loss_diff:.3g}, beyond rtol={rtol:g}, atol={atol:g}"
        )

    if weights_identical and losses_identical and steps_match:
        verdict: Verdict = "bit_identical"
    elif weights_close and losses_close and steps_match:
        verdict = "within_tolerance"
    else:
        verdict = "differs"
    return RunComparison(
        run_a=a,
        run_b=b,
        verdict=verdict,
        rtol=rtol,
        atol=atol,
        max_abs_weight_diff=max_diff,
        max_weight_diff_variable=max_variable,
        max_abs_loss_diff=max_loss_diff,
        steps_compared=len(shared),
        reasons=tuple(reasons) if verdict == "differs" else (),
    )


def plot_runs(runs: list[Run], out: str | os.PathLike[str]) -> Path:
    """Plot the loss and accuracy curves of several runs into one PNG, written atomically.

    Returns:
        The path of the written file.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    out = Path(out)
    has_accuracy = any("accuracy" in run.metrics for run in runs)
    figure, axes = plt.subplots(1, 2 if has_accuracy else 1, figsize=(10 if has_accuracy else 5, 4))
    axes = np.atleast_1d(axes)
    styles = ["-", "--", ":", "-."]
    for index, run in enumerate(runs):
        style = styles[index % len(styles)]
        label = f"{run.name} (devices {'→'.join(map(str, run.device_counts)) or '?'})"
        axes[0].plot(run.steps, run.metrics["loss"], style, label=label)
        if has_accuracy and "accuracy" in run.metrics:
            axes[1].plot(run.steps, run.metrics["accuracy"], style, label=label)
    axes[0].set_xlabel("step")
    axes[0].set_ylabel("training loss")
    axes[0].set_title("Loss")
    if has_accuracy:
        axes[1].set_xlabel("step")
        axes[1].set_ylabel("training accuracy (fraction)")
        axes[1].set_title("Accuracy")
    for axis in axes:
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.legend(fontsize="small")
        axis.grid(alpha=0.3)
    figure.tight_layout()

    try:
        with atomic_path(out, suffix=".png") as temporary:
            figure.savefig(temporary, format="png", dpi=100)
    finally:
        plt.close(figure)
    return out
