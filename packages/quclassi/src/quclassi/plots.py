"""PNG plots of training: the loss curve and the confusion matrix (matplotlib, Agg backend)."""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from quclassi.atomic import write_bytes_atomic

__all__ = ["confusion_matrix", "plot_confusion", "plot_loss"]


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(figure: Any, path: str | os.PathLike[str]) -> None:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120, bbox_inches="tight")
    write_bytes_atomic(path, buffer.getvalue())


def confusion_matrix(y_true: Any, y_pred: Any, labels: Sequence[Any]) -> np.ndarray:
    """Count samples by true class (rows) and predicted class (columns), in ``labels`` order."""
    index = {label: position for position, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=int)
    for true, predicted in zip(
        np.asarray(y_true).tolist(), np.asarray(y_pred).tolist(), strict=True
    ):
        if true in index and predicted in index:
            matrix[index[true], index[predicted]] += 1
    return matrix


def plot_loss(
    loss_history: Sequence[float],
    path: str | os.PathLike[str],
    validation_loss_history: Sequence[float] | None = None,
    title: str = "QuClassi training loss",
) -> None:
    """Write the per-epoch training loss (mean -log F) as a PNG, atomically."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6, 4))
    epochs = np.arange(1, len(loss_history) + 1)
    axes.plot(epochs, loss_history, label="training")
    if validation_loss_history:
        axes.plot(
            epochs[: len(validation_loss_history)], validation_loss_history, label="validation"
        )
    axes.set_xlabel("epoch")
    axes.set_ylabel("loss: mean -log fidelity (nats)")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend()
    _save(figure, path)
    plt.close(figure)


def plot_confusion(
    matrix: np.ndarray,
    labels: Sequence[Any],
    path: str | os.PathLike[str],
    title: str = "QuClassi confusion matrix",
) -> None:
    """Write a confusion matrix (rows true, columns predicted; sample counts) as a PNG."""
    plt = _pyplot()
    size = max(4.0, 0.6 * len(labels) + 2.0)
    figure, axes = plt.subplots(figsize=(size, size))
    image = axes.imshow(matrix, cmap="Blues")
    figure.colorbar(image, ax=axes, label="samples")
    ticks = np.arange(len(labels))
    axes.set_xticks(ticks, [str(label) for label in labels])
    axes.set_yticks(ticks, [str(label) for label in labels])
    axes.set_xlabel("predicted class")
    axes.set_ylabel("true class")
    axes.set_title(title)
    threshold = matrix.max() / 2 if matrix.size else 0
    for row in range(matrix.shape[0]):
        for column in range(matrix.shape[1]):
            colour = "white" if matrix[row, column] > threshold else "black"
            axes.text(column, row, str(matrix[row, column]), ha="center", va="center", color=colour)
    _save(figure, path)
    plt.close(figure)
