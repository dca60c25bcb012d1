"""Baselines for QuClassi, trained on the same features, with their trained-parameter counts.

The baselines are a variational quantum classifier, logistic regression and a small MLP.

All models see the same features: PCA (optional) and min-max scaling into [0, 1], fitted on the
training split only. QuClassi's qubit budget is 2n + 1 for d = 2n features; the variational
classifier (``quclassi.vqc.FarhiVQC``) uses d + 1, the same for even d.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from quclassi.errors import InvalidInputError

__all__ = [
    "ModelResult",
    "compare_models",
    "logistic_regression_parameters",
    "mlp_parameters",
    "vqc_parameters",
]

logger = logging.getLogger(__name__)


@dataclass
class ModelResult:
    """Accuracy, size and fit time of one model on one train/test split."""

    model: str
    config: str
    n_params: int
    n_qubits: int | None
    train_accuracy: float
    test_accuracy: float
    fit_wall_s: float

    def as_dict(self) -> dict[str, Any]:
        """Return the result as a plain dict."""
        return asdict(self)


def logistic_regression_parameters(n_features: int, n_classes: int) -> int:
    """Return the weights and biases of logistic regression: one output for two classes."""
    outputs = 1 if n_classes == 2 else n_classes
    return outputs * (n_features + 1)


def mlp_parameters(n_features: int, hidden: Sequence[int], n_classes: int) -> int:
    """Return the weights and biases of an MLP with one output for two classes."""
    sizes = [n_features, *hidden, 1 if n_classes == 2 else n_classes]
    return sum(
        fan_in * fan_out + fan_out for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True)
    )


def vqc_parameters(n_features: int, layers: int, n_classes: int) -> int:
    """Return the angles of the variational classifier.

    Each layer pair has 2 d angles per circuit, and more than two classes use one circuit each.
    """
    circuits = 1 if n_classes == 2 else n_classes
    return circuits * 2 * layers * n_features


def _timed_fit(model: Any, features: np.ndarray, labels: np.ndarray) -> float:
    start = time.perf_counter()
    model.fit(features, labels)
    return time.perf_counter() - start


def _timed_fit_logging_convergence(model: Any, features: np.ndarray, labels: np.ndarray) -> float:
    """Fit a scikit-learn model and log, instead of raise, its convergence warnings."""
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        wall_s = _timed_fit(model, features, labels)
    for warning in caught:
        if issubclass(warning.category, ConvergenceWarning):
            logger.warning("%s did not converge: %s", type(model).__name__, warning.message)
        else:
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
    return wall_s


def _accuracy(model: Any, features: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(model.predict(features) == labels))


def compare_models(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    pca: int | None = None,
    structures: Sequence[str] = ("s", "sd", "sdc"),
    seed: int = 0,
    quclassi_epochs: int | None = None,
    vqc_layers: int = 2,
    vqc_epochs: int = 100,
    mlp_hidden: Sequence[int] = (32,),
) -> list[ModelResult]:
    """Train QuClassi for each structure and every baseline on the same features.

    Args:
        x_train: Raw training features (N, D).
        y_train: Training labels (N,).
        x_test: Raw test features (M, D).
        y_test: Test labels (M,).
        pca: Principal components to keep, or ``None`` to use the D raw features.
        structures: QuClassi layer structures to train.
        seed: Seed of every model's initialisation.
        quclassi_epochs: QuClassi training epochs; ``None`` uses the classifier's default.
        vqc_layers: (XX, ZZ) layer pairs of the variational classifier.
        vqc_epochs: Adam steps of the variational classifier.
        mlp_hidden: Hidden layer widths of the MLP.

    Returns:
        One result per model, QuClassi structures first.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    from quclassi.circuit import n_parameters, n_qubits_for_features
    from quclassi.classifier import QuClassiClassifier
    from quclassi.encoding import FeatureEncoder
    from quclassi.vqc import FarhiVQC

    if len(np.unique(y_train)) < 2:
        msg = f"need at least two classes in the training labels; got {np.unique(y_train)}"
        raise InvalidInputError(msg)
    encoder = FeatureEncoder(pca=pca, scaler="minmax").fit(x_train)
    train = encoder.transform(x_train)
    test = encoder.transform(x_test)
    n_features = train.shape[1]
    n_classes = len(np.unique(y_train))
    n_qubits = n_qubits_for_features(n_features)
    results = []

    for structure in structures:
        model = QuClassiClassifier(
            structure=structure, scaler=None, epochs=quclassi_epochs, random_state=seed
        )
        wall_s = _timed_fit(model, train, y_train)
        results.append(
            ModelResult(
                model="QuClassi",
                config=structure,
                n_params=n_classes * n_parameters(structure, n_qubits),
                n_qubits=2 * n_qubits + 1,
                train_accuracy=_accuracy(model, train, y_train),
                test_accuracy=_accuracy(model, test, y_test),
                fit_wall_s=wall_s,
            )
        )
        logger.info("QuClassi %s: test accuracy %.4f", structure, results[-1].test_accuracy)

    vqc = FarhiVQC(layers=vqc_layers, epochs=vqc_epochs, random_state=seed)
    wall_s = _timed_fit(vqc, train, y_train)
    results.append(
        ModelResult(
            model="VQC (XX/ZZ readout)",
            config=f"{vqc_layers} layer pair(s)" + ("" if n_classes == 2 else ", one-vs-rest"),
            n_params=vqc.n_parameters_,
            n_qubits=vqc.n_qubits_,
            train_accuracy=_accuracy(vqc, train, y_train),
            test_accuracy=_accuracy(vqc, test, y_test),
            fit_wall_s=wall_s,
        )
    )

    logistic = LogisticRegression(max_iter=2000)
    wall_s = _timed_fit_logging_convergence(logistic, train, y_train)
    results.append(
        ModelResult(
            model="logistic regression",
            config="L2, C=1",
            n_params=int(logistic.coef_.size + logistic.intercept_.size),
            n_qubits=None,
            train_accuracy=_accuracy(logistic, train, y_train),
            test_accuracy=_accuracy(logistic, test, y_test),
            fit_wall_s=wall_s,
        )
    )

    mlp = MLPClassifier(hidden_layer_sizes=tuple(mlp_hidden), max_iter=2000, random_state=seed)
    wall_s = _timed_fit_logging_convergence(mlp, train, y_train)
    results.append(
        ModelResult(
            model="MLP",
            config="hidden " + "x".join(str(width) for width in mlp_hidden),
            n_params=int(sum(w.size for w in mlp.coefs_) + sum(b.size for b in mlp.intercepts_)),
            n_qubits=None,
            train_accuracy=_accuracy(mlp, train, y_train),
            test_accuracy=_accuracy(mlp, test, y_test),
            fit_wall_s=wall_s,
        )
    )
    return results
