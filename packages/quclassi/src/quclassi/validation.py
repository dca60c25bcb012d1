"""Checks of the estimator's settings and labels at the public boundary."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from quclassi.errors import InvalidInputError

__all__ = ["check_labels", "check_positive_int"]


def check_positive_int(name: str, value: Any, allow_none: bool = False) -> int | None:
    """Return ``value`` as an int, or raise ``InvalidInputError`` naming the setting ``name``."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        expected = "a positive integer or None" if allow_none else "a positive integer"
        msg = f"{name} must be {expected}; got {value!r}"
        raise InvalidInputError(msg)
    return int(value)


def check_labels(y: Any, n_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """Validate class labels and return (sorted classes, class index of each sample)."""
    if y is None:
        msg = "QuClassiClassifier requires y to be passed, but the target y is None"
        raise InvalidInputError(msg)
    labels_in = np.asarray(y)
    if labels_in.ndim == 2 and labels_in.shape[1] == 1:
        from sklearn.exceptions import DataConversionWarning

        warnings.warn(
            "A column-vector y was passed when a 1d array was expected; it was flattened",
            DataConversionWarning,
            stacklevel=3,
        )
        labels_in = labels_in.ravel()
    if labels_in.ndim != 1 or labels_in.shape[0] != n_samples:
        msg = (
            f"y must be a 1-D array with one label per sample ({n_samples}); "
            f"got shape {labels_in.shape}"
        )
        raise InvalidInputError(msg)
    if labels_in.dtype.kind == "f":
        if not np.all(np.isfinite(labels_in)):
            msg = "y contains NaN or infinite labels; remove those samples first"
            raise InvalidInputError(msg)
        if not np.all(np.mod(labels_in, 1) == 0):
            msg = (
                "Unknown label type: continuous. y must hold class labels (integers or "
                "strings), not continuous values"
            )
            raise InvalidInputError(msg)
    classes, labels = np.unique(labels_in, return_inverse=True)
    if classes.size < 2:
        msg = (
            f"training data must contain at least two classes; got {classes.size} class "
            f"({classes.tolist()})"
        )
        raise InvalidInputError(msg)
    return classes, labels
