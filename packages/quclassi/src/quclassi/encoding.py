"""Feature preprocessing before the arcsin encoding: optional PCA, then min-max scaling.

Both steps are fitted on training data only. At transform time values that fall outside the
training range are clipped into [0, 1], so test data always encodes.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from quclassi.errors import InvalidInputError, InvalidTypeError, NotFittedError

__all__ = ["SCALERS", "FeatureEncoder", "check_features"]

logger = logging.getLogger(__name__)

SCALERS = ("minmax", None)


def check_features(x: Any, n_features: int | None = None) -> np.ndarray:
    """Convert input features to a finite 2-D float array and check the feature count.

    Args:
        x: Array-like of shape (N, d).
        n_features: Expected d, or ``None`` to accept any.

    Returns:
        The features as a float array (N, d).

    Raises:
        InvalidInputError: The input is not numeric, not 2-D, empty, has NaN or inf, or has a
            different feature count than expected.
    """
    if hasattr(x, "toarray") and hasattr(x, "nnz"):
        msg = "sparse input is not supported; pass a dense array, for example X.toarray()"
        raise InvalidInputError(msg)
    try:
        raw = np.asarray(x)
        if raw.dtype.kind == "c":
            msg = "Complex data not supported; pass real-valued features"
            raise InvalidInputError(msg)
        array = raw.astype(float)
    except TypeError as err:
        msg = f"features must be numeric; conversion to float failed: {err}"
        raise InvalidTypeError(msg) from err
    except ValueError as err:
        msg = f"features must be numeric; conversion to float failed: {err}"
        raise InvalidInputError(msg) from err
    if array.ndim != 2:
        msg = (
            f"features must be a 2-D array (samples, features); got {array.ndim} dimensions "
            f"with shape {array.shape}. Reshape your data with x.reshape(1, -1) for a single "
            "sample"
        )
        raise InvalidInputError(msg)
    if array.shape[0] == 0:
        msg = (
            f"Found array with 0 sample(s) (shape={array.shape}) while a minimum of 1 is required."
        )
        raise InvalidInputError(msg)
    if array.shape[1] == 0:
        msg = (
            f"Found array with 0 feature(s) (shape={array.shape}) while a minimum of 1 is required."
        )
        raise InvalidInputError(msg)
    bad = ~np.isfinite(array)
    if bad.any():
        row, column = np.argwhere(bad)[0]
        msg = (
            f"features contain {int(bad.sum())} NaN or infinite values (first at row {row}, "
            f"column {column}); remove or impute them first"
        )
        raise InvalidInputError(msg)
    if n_features is not None and array.shape[1] != n_features:
        msg = (
            f"X has {array.shape[1]} features, but QuClassiClassifier is expecting {n_features} "
            "features as input"
        )
        raise InvalidInputError(msg)
    return array


class FeatureEncoder:
    """Optional PCA followed by per-feature min-max scaling into [0, 1].

    Args:
        pca: Number of principal components to keep, or ``None`` for no PCA.
        scaler: ``"minmax"`` to scale each feature with the training minimum and maximum, or
            ``None`` when features are already in [0, 1].
    """

    def __init__(self, pca: int | None = None, scaler: str | None = "minmax") -> None:
        if scaler not in SCALERS:
            msg = f"scaler must be 'minmax' or None; got {scaler!r}"
            raise InvalidInputError(msg)
        if pca is not None and (
            isinstance(pca, bool) or not isinstance(pca, int | np.integer) or pca < 1
        ):
            msg = f"pca must be a positive integer number of components or None; got {pca!r}"
            raise InvalidInputError(msg)
        self.pca = None if pca is None else int(pca)
        self.scaler = scaler
        self.mean_: np.ndarray | None = None
        self.components_: np.ndarray | None = None
        self.data_min_: np.ndarray | None = None
        self.data_range_: np.ndarray | None = None
        self.n_features_in_: int | None = None

    @property
    def n_features_out(self) -> int:
        """Number of features after PCA, which the encoding spreads over the data qubits."""
        if self.n_features_in_ is None:
            msg = "the feature encoder is not fitted; call fit first"
            raise NotFittedError(msg)
        return self.pca if self.pca is not None else self.n_features_in_

    def fit(self, x: Any) -> FeatureEncoder:
        """Fit PCA and the scaler on training features (N, d)."""
        x = check_features(x)
        n_samples, n_features = x.shape
        if self.pca is not None:
            if self.pca > n_features:
                msg = (
                    f"pca={self.pca} is larger than the number of features ({n_features}); "
                    f"choose at most {n_features} components"
                )
                raise InvalidInputError(msg)
            if self.pca > n_samples:
                msg = (
                    f"pca={self.pca} is larger than the number of training samples "
                    f"({n_samples}); choose at most {n_samples} components"
                )
                raise InvalidInputError(msg)
            self.mean_, self.components_ = _fit_pca(x, self.pca)
            x = (x - self.mean_) @ self.components_.T
        if self.scaler == "minmax":
            self.data_min_ = x.min(axis=0)
            data_range = x.max(axis=0) - self.data_min_
            # A constant feature maps to 0 instead of dividing by zero.
            self.data_range_ = np.where(data_range > 0, data_range, 1.0)
        self.n_features_in_ = n_features
        return self

    def transform(self, x: Any) -> np.ndarray:
        """Apply PCA and scaling. Scaled values outside [0, 1] are clipped into it.

        Raises:
            NotFittedError: ``fit`` was not called.
            InvalidInputError: The features are invalid or their count differs from ``fit``.
        """
        if self.n_features_in_ is None:
            msg = "the feature encoder is not fitted; call fit first"
            raise NotFittedError(msg)
        x = check_features(x, self.n_features_in_)
        if self.components_ is not None:
            x = (x - self.mean_) @ self.components_.T
        if self.scaler == "minmax":
            scaled = (x - self.data_min_) / self.data_range_
            n_clipped = int(np.count_nonzero((scaled < 0) | (scaled > 1)))
            if n_clipped:
                logger.debug("clipped %d scaled feature values into [0, 1]", n_clipped)
            x = np.clip(scaled, 0.0, 1.0)
        return x

    def fit_transform(self, x: Any) -> np.ndarray:
        """Fit on ``x`` and return its transformed features."""
        return self.fit(x).transform(x)

    def to_dict(self) -> dict[str, Any]:
        """Return the fitted state as JSON-serialisable values."""

        def as_list(array: np.ndarray | None) -> list | None:
            return None if array is None else array.tolist()

        return {
            "pca": self.pca,
            "scaler": self.scaler,
            "n_features_in": self.n_features_in_,
            "pca_mean": as_list(self.mean_),
            "pca_components": as_list(self.components_),
            "scaler_min": as_list(self.data_min_),
            "scaler_range": as_list(self.data_range_),
        }

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> FeatureEncoder:
        """Rebuild a fitted encoder from ``to_dict`` output."""

        def as_array(values: list | None) -> np.ndarray | None:
            return None if values is None else np.asarray(values, dtype=float)

        encoder = cls(pca=state["pca"], scaler=state["scaler"])
        encoder.n_features_in_ = state["n_features_in"]
        encoder.mean_ = as_array(state["pca_mean"])
        encoder.components_ = as_array(state["pca_components"])
        encoder.data_min_ = as_array(state["scaler_min"])
        encoder.data_range_ = as_array(state["scaler_range"])
        return encoder


def _fit_pca(x: np.ndarray, n_components: int) -> tuple[np.ndarray, np.ndarray]:
    """Fit PCA and return (mean, components (k, d)), components sorted by explained variance.

    With more samples than features the components are the top eigenvectors of the d x d
    scatter matrix, which is several times faster than an SVD of the N x d data. Each
    component's sign is fixed so that its largest-magnitude entry is positive, which makes the
    result independent of the solver's sign choice.
    """
    mean = x.mean(axis=0)
    centred = x - mean
    if x.shape[0] > x.shape[1]:
        _, vectors = np.linalg.eigh(centred.T @ centred)
        components = vectors[:, ::-1][:, :n_components].T
    else:
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        components = vt[:n_components]
    largest = np.argmax(np.abs(components), axis=1)
    signs = np.sign(components[np.arange(n_components), largest])
    return mean, components * signs[:, None]
