"""A variational quantum classifier in the TensorFlow-Quantum / Farhi style, simulated exactly.

The baseline QuClassi is compared with. Each of the d features sits on its own data qubit as
``RX(pi x)``, the continuous form of encoding a binary pixel with an X gate. One readout qubit
starts in ``|->`` (X then H). Each layer couples every data
qubit to the readout: first ``XX(theta) = exp(-i theta X_j X_r / 2)`` on all pairs (j, r), then
``ZZ(theta) = exp(-i theta Z_j Z_r / 2)``. The output is ``<Z>`` of the readout after a final H,
a value in [-1, 1], trained with the hinge loss on labels +-1, each class weighted to half of
the loss. That uses d + 1 qubits, the same
budget as QuClassi's 2n + 1 for d = 2n features. More than two classes use one-vs-rest: one
circuit per class, prediction by the largest output.

Simulation: every gate couples a data qubit only to the readout, so splitting the readout into
the eigenstates of each layer's readout Pauli turns the layer into single-qubit rotations of the
data qubits (``RX(+-theta)`` or ``RZ(+-theta)``). The state is then a sum of at most
``2**(2 layers - 1)`` terms, each a readout vector times a product state of the data qubits, and
``<X_r>`` before the final H follows from pairwise overlaps. Cost is linear in d instead of
exponential. Gradients use the exact two-term parameter-shift rule, which changes one data
qubit's factor at a time.
"""

from __future__ import annotations

import itertools
import logging
from typing import Any

import numpy as np

from quclassi.errors import InvalidInputError, NotFittedError

__all__ = ["FarhiVQC", "readout_expectations", "readout_jacobian"]

logger = logging.getLogger(__name__)

_PAULI_X = np.array([[0.0, 1.0], [1.0, 0.0]], dtype=complex)
# Projectors onto the readout eigenstates with eigenvalue +1 and -1, per layer type.
_PROJECTORS = {
    "x": (
        np.array([[0.5, 0.5], [0.5, 0.5]], dtype=complex),
        np.array([[0.5, -0.5], [-0.5, 0.5]], dtype=complex),
    ),
    "z": (
        np.array([[1.0, 0.0], [0.0, 0.0]], dtype=complex),
        np.array([[0.0, 0.0], [0.0, 1.0]], dtype=complex),
    ),
}


def _layer_kinds(n_layers: int) -> list[str]:
    return ["x", "z"] * n_layers


def _branches(kinds: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Enumerate the readout eigenvalue paths that leave a non-zero readout vector.

    Returns:
        Signs (T, M) in {+1, -1}, one per term and layer, and readout vectors (T, 2).
    """
    start = np.array([1.0, -1.0], dtype=complex) / np.sqrt(2.0)
    signs, vectors = [], []
    for path in itertools.product((1, -1), repeat=len(kinds)):
        vector = start
        for kind, sign in zip(kinds, path, strict=True):
            vector = _PROJECTORS[kind][0 if sign == 1 else 1] @ vector
        if np.linalg.norm(vector) > 1e-12:
            signs.append(path)
            vectors.append(vector)
    return np.array(signs, dtype=float), np.array(vectors)


def _rotate(states: np.ndarray, kind: str, angles: np.ndarray) -> np.ndarray:
    """Apply RX or RZ with per-term angles (T,) or (T, d) to states (N, T, ..., 2)."""
    half = angles / 2.0
    cos, sin = np.cos(half), np.sin(half)
    zero, one = states[..., 0], states[..., 1]
    if kind == "x":
        return np.stack([cos * zero - 1j * sin * one, -1j * sin * zero + cos * one], axis=-1)
    return np.stack([np.exp(-1j * half) * zero, np.exp(1j * half) * one], axis=-1)


def _check_inputs(features: np.ndarray, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    features = np.asarray(features, dtype=float)
    params = np.asarray(params, dtype=float)
    if features.ndim != 2:
        msg = f"features must be a 2-D array (samples, features); got shape {features.shape}"
        raise InvalidInputError(msg)
    if params.ndim != 2 or params.shape[1] != features.shape[1] or params.shape[0] % 2:
        msg = (
            f"params must have shape (2 * layers, {features.shape[1]}) for "
            f"{features.shape[1]} features; got {params.shape}"
        )
        raise InvalidInputError(msg)
    return features, params


def _data_states(features: np.ndarray, n_terms: int) -> np.ndarray:
    """Return the encoded data qubits RX(pi x)|0>, repeated per term: (N, T, d, 2)."""
    half = np.pi * features / 2.0
    qubits = np.stack([np.cos(half), -1j * np.sin(half)], axis=-1)
    return np.repeat(qubits[:, None], n_terms, axis=1)


def _final_states(features: np.ndarray, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    kinds = _layer_kinds(params.shape[0] // 2)
    signs, vectors = _branches(kinds)
    states = _data_states(features, len(signs))
    for layer, kind in enumerate(kinds):
        states = _rotate(states, kind, signs[:, layer, None] * params[layer][None, :])
    readout = vectors.conj() @ _PAULI_X @ vectors.T
    return states, readout


def readout_expectations(features: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Return the classifier output ``<Z_r>`` after the final H for every sample.

    Args:
        features: Array (N, d) of features; ``RX(pi x)`` encodes each.
        params: Array (2 * layers, d): rows alternate XX and ZZ angles, one column per qubit.

    Returns:
        Array (N,) of values in [-1, 1].
    """
    features, params = _check_inputs(features, params)
    states, readout = _final_states(features, params)
    overlaps = np.einsum("ntjk,nujk->ntuj", states.conj(), states)
    return np.einsum("tu,ntu->n", readout, overlaps.prod(axis=-1)).real


def readout_jacobian(features: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Return ``d <Z_r> / d params`` for every sample, shape (N, 2 * layers, d).

    Each angle enters through ``exp(-i theta P / 2)`` with ``P**2 = I``, so the two-term rule
    ``[f(theta + pi/2) - f(theta - pi/2)] / 2`` is exact. A shifted angle of qubit j changes
    only that qubit's factor of each pairwise overlap, so the other factors are reused.
    """
    features, params = _check_inputs(features, params)
    kinds = _layer_kinds(params.shape[0] // 2)
    signs, vectors = _branches(kinds)
    readout = vectors.conj() @ _PAULI_X @ vectors.T
    initial = _data_states(features, len(signs))
    states = initial
    for layer, kind in enumerate(kinds):
        states = _rotate(states, kind, signs[:, layer, None] * params[layer][None, :])
    overlaps = np.einsum("ntjk,nujk->ntuj", states.conj(), states)

    # Products over all qubits except j, from prefix and suffix products along the qubit axis.
    ones = np.ones(overlaps.shape[:-1] + (1,), dtype=complex)
    prefix = np.concatenate([ones, np.cumprod(overlaps, axis=-1)[..., :-1]], axis=-1)
    suffix = np.concatenate(
        [np.cumprod(overlaps[..., ::-1], axis=-1)[..., ::-1][..., 1:], ones], axis=-1
    )
    others = prefix * suffix

    jacobian = np.zeros((features.shape[0],) + params.shape)
    for qubit in range(params.shape[1]):
        for layer in range(params.shape[0]):
            values = []
            for shift in (np.pi / 2, -np.pi / 2):
                shifted = params[:, qubit].copy()
                shifted[layer] += shift
                qubit_states = initial[:, :, qubit]
                for position, kind in enumerate(kinds):
                    qubit_states = _rotate(
                        qubit_states, kind, signs[:, position] * shifted[position]
                    )
                qubit_overlaps = np.einsum("ntk,nuk->ntu", qubit_states.conj(), qubit_states)
                values.append(
                    np.einsum("tu,ntu->n", readout, others[..., qubit] * qubit_overlaps).real
                )
            jacobian[:, layer, qubit] = (values[0] - values[1]) / 2.0
    return jacobian


class FarhiVQC:
    """Variational quantum classifier baseline: XX/ZZ layers to one readout qubit, hinge loss.

    Args:
        layers: Number of (XX, ZZ) layer pairs; each pair has 2 d parameters per circuit.
        epochs: Full-batch Adam steps.
        learning_rate: Adam step size.
        init_scale: Initial angles are drawn uniformly from [-init_scale, init_scale] radians.
        random_state: Seed of the initial angles.
    """

    def __init__(
        self,
        layers: int = 2,
        epochs: int = 100,
        learning_rate: float = 0.05,
        init_scale: float = np.pi,
        random_state: int | None = None,
    ) -> None:
        if isinstance(layers, bool) or not isinstance(layers, int) or not 1 <= layers <= 3:
            msg = f"layers must be 1, 2 or 3 (the term count grows as 4**layers); got {layers!r}"
            raise InvalidInputError(msg)
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            msg = f"epochs must be a positive integer; got {epochs!r}"
            raise InvalidInputError(msg)
        self.layers = layers
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.init_scale = init_scale
        self.random_state = random_state

    def fit(self, features: Any, labels: Any) -> FarhiVQC:
        """Train one circuit (two classes) or one circuit per class (one-vs-rest).

        Args:
            features: Array (N, d) with values in [0, 1].
            labels: Array (N,) of class labels; at least two classes.
        """
        from quclassi.training import Adam

        features = np.asarray(features, dtype=float)
        labels = np.asarray(labels)
        if features.ndim != 2 or len(features) != len(labels):
            msg = f"features (N, d) and labels (N,) do not match: {features.shape}, {labels.shape}"
            raise InvalidInputError(msg)
        if not np.all(np.isfinite(features)) or features.min() < 0 or features.max() > 1:
            msg = "features must be finite and lie in [0, 1]; scale them first"
            raise InvalidInputError(msg)
        self.classes_ = np.unique(labels)
        if len(self.classes_) < 2:
            msg = f"need at least two classes; got {self.classes_.tolist()}"
            raise InvalidInputError(msg)

        targets = [self.classes_[1]] if len(self.classes_) == 2 else list(self.classes_)
        rng = np.random.default_rng(self.random_state)
        shape = (2 * self.layers, features.shape[1])
        self.params_ = []
        self.loss_history_ = []
        for target in targets:
            signs = np.where(labels == target, 1.0, -1.0)
            # Each side of a one-vs-rest split carries half the loss. Unweighted, the rest
            # classes outnumber the target 9 to 1 on ten classes, and every circuit learned to
            # predict "rest" (chance accuracy on 10-class MNIST and digits).
            positive = signs > 0
            weights = np.where(positive, 0.5 / positive.sum(), 0.5 / (~positive).sum())
            params = rng.uniform(-self.init_scale, self.init_scale, shape)
            optimizer = Adam(self.learning_rate)
            history = []
            for _ in range(self.epochs):
                outputs = readout_expectations(features, params)
                margins = 1.0 - signs * outputs
                history.append(float(np.sum(weights * np.maximum(margins, 0.0))))
                # Weighted hinge loss sum(w max(0, 1 - y f)): d/df = -w y where the margin > 0.
                cotangent = np.where(margins > 0, -signs * weights, 0.0)
                gradient = np.einsum("n,npq->pq", cotangent, readout_jacobian(features, params))
                params = optimizer.step(params, gradient)
            self.params_.append(params)
            self.loss_history_.append(history)
        self.n_features_in_ = features.shape[1]
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            msg = "this FarhiVQC is not fitted yet; call fit(features, labels) first"
            raise NotFittedError(msg)

    def decision_function(self, features: Any) -> np.ndarray:
        """Return the circuit outputs: (N,) for two classes, (N, C) for one-vs-rest."""
        self._check_fitted()
        outputs = np.stack(
            [readout_expectations(features, params) for params in self.params_], axis=1
        )
        return outputs[:, 0] if len(self.classes_) == 2 else outputs

    def predict(self, features: Any) -> np.ndarray:
        """Return the predicted class of every sample."""
        scores = self.decision_function(features)
        if len(self.classes_) == 2:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[np.argmax(scores, axis=1)]

    def score(self, features: Any, labels: Any) -> float:
        """Return the accuracy on ``features`` and ``labels``."""
        return float(np.mean(self.predict(features) == np.asarray(labels)))

    @property
    def n_parameters_(self) -> int:
        """Trained angles over all circuits."""
        self._check_fitted()
        return sum(params.size for params in self.params_)

    @property
    def n_qubits_(self) -> int:
        """Qubits of one circuit: one per feature plus the readout."""
        self._check_fitted()
        return self.n_features_in_ + 1
