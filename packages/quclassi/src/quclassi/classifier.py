"""QuClassiClassifier: the scikit-learn estimator around encoding, training and prediction.

This module imports scikit-learn at module level to subclass its base classes, so
``quclassi/__init__.py`` imports it lazily on first use of ``QuClassiClassifier``.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin  # noqa: TID253
from sklearn.exceptions import NotFittedError as SklearnNotFittedError  # noqa: TID253

from quclassi.backends import BACKEND_NAMES, Backend, check_shots, get_backend
from quclassi.circuit import (
    encoding_angles,
    n_parameters,
    n_qubits_for_features,
    trained_gates,
    validate_structure,
)
from quclassi.encoding import FeatureEncoder, check_features
from quclassi.errors import InvalidInputError, NotFittedError
from quclassi.gradients import DIFF_METHODS
from quclassi.progress import EpochProgress
from quclassi.training import (
    OPTIMIZERS,
    Problem,
    Schedule,
    TrainingResult,
    make_optimizer,
    stratified_holdout,
    train_exact,
    train_paper,
)
from quclassi.validation import check_labels, check_positive_int

__all__ = ["GRADIENTS", "ModelNotFittedError", "QuClassiClassifier"]

logger = logging.getLogger(__name__)

GRADIENTS = ("exact", "paper")
# Defaults used when epochs or learning_rate is None. The paper values (25 epochs, learning
# rate 0.01) are those of the authors' example, github.com/Samuelstein1224/QuClassiExample main.py.
_DEFAULT_EPOCHS = {"exact": 100, "paper": 25}
_DEFAULT_LEARNING_RATE = {"exact": 0.1, "paper": 0.01}


class ModelNotFittedError(NotFittedError, SklearnNotFittedError):
    """A classifier was used before ``fit``; also scikit-learn's ``NotFittedError``."""


class QuClassiClassifier(ClassifierMixin, BaseEstimator):
    """Quantum-state-fidelity classifier: one trained quantum state per class.

    Features are scaled to [0, 1] (optionally after PCA) and encoded two per qubit. Each class
    has a parameterised state on ``n = ceil(d/2)`` qubits, trained to maximise its fidelity
    ``F = |<psi_c|phi_x>|^2`` with its own samples (loss ``-log F``). Prediction is the class
    with the largest fidelity, and ``predict_proba`` normalises the fidelities to sum to 1.

    Args:
        structure: Layer letters of each class circuit: ``s`` (RY, RZ on every qubit),
            ``d`` (RYY, RZZ on neighbour pairs), ``c`` (CRY, CRZ on neighbour pairs).
        pca: Number of principal components to keep before scaling, or ``None``.
        scaler: ``"minmax"`` (fitted on training data, test data clipped) or ``None`` when
            features already lie in [0, 1].
        gradient: ``"exact"`` (exact gradients with ``optimizer``) or ``"paper"`` (the authors'
            per-sample rule with the shift ``pi / (2 sqrt(epoch))``).
        diff_method: For ``gradient="exact"``: ``"auto"``, ``"adjoint"`` (analytic backend
            without shots) or ``"parameter-shift"`` (any backend).
        optimizer: ``"adam"`` or ``"sgd"`` for ``gradient="exact"``.
        learning_rate: Step size; ``None`` means 0.1 for exact and 0.01 for paper training.
        epochs: Passes over the training data; ``None`` means 100 for exact and 25 for paper.
        batch_size: Mini-batch size for exact training, ``None`` for full batch.
        backend: Backend name (``"analytic"``, ``"pennylane"``, ``"qiskit"``, ``"ionq"``) or a
            backend object with a ``fidelities`` method.
        shots: Shots per SWAP test, or ``None`` for exact fidelities.
        backend_options: Extra keyword arguments of the backend, for example
            ``{"device": "lightning.qubit"}``.
        early_stopping: Hold out ``validation_fraction`` of the training data and stop when
            its loss has not improved by ``tol`` for ``patience`` epochs, keeping the best
            parameters.
        validation_fraction: Fraction of each class held out when ``early_stopping`` is set.
        patience: Epochs without improvement before stopping.
        tol: Minimum decrease of the validation loss that counts as an improvement.
        random_state: Seed of the parameter initialisation, batch order, validation split and
            shot noise. The same seed gives the same parameters.
        verbose: 0 silent, 1 a progress bar on stderr, 2 also one log line per epoch.
        warm_start: Continue from the fitted parameters on the next ``fit`` instead of starting
            again. ``save`` and ``load`` keep everything it needs, so a saved checkpoint can
            resume.
    """

    def __init__(
        self,
        structure: str = "sd",
        pca: int | None = None,
        scaler: str | None = "minmax",
        gradient: str = "exact",
        diff_method: str = "auto",
        optimizer: str = "adam",
        learning_rate: float | None = None,
        epochs: int | None = None,
        batch_size: int | None = None,
        backend: str | Backend = "analytic",
        shots: int | None = None,
        backend_options: dict[str, Any] | None = None,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        patience: int = 5,
        tol: float = 1e-4,
        random_state: int | None = None,
        verbose: int = 0,
        warm_start: bool = False,
    ) -> None:
        self.structure = structure
        self.pca = pca
        self.scaler = scaler
        self.gradient = gradient
        self.diff_method = diff_method
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.backend = backend
        self.shots = shots
        self.backend_options = backend_options
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start

    def _check_settings(self) -> None:
        if self.gradient not in GRADIENTS:
            msg = f"gradient must be one of {', '.join(GRADIENTS)}; got {self.gradient!r}"
            raise InvalidInputError(msg)
        if self.diff_method not in DIFF_METHODS:
            msg = f"diff_method must be one of {', '.join(DIFF_METHODS)}; got {self.diff_method!r}"
            raise InvalidInputError(msg)
        if self.optimizer not in OPTIMIZERS:
            msg = f"optimizer must be one of {', '.join(OPTIMIZERS)}; got {self.optimizer!r}"
            raise InvalidInputError(msg)
        check_positive_int("epochs", self.epochs, allow_none=True)
        check_positive_int("batch_size", self.batch_size, allow_none=True)
        check_positive_int("patience", self.patience)
        check_shots(self.shots)
        if isinstance(self.backend, str) and self.backend.lower() not in BACKEND_NAMES:
            # get_backend raises the same error; checking here fails before any training work.
            get_backend(self.backend)
        if not 0 < self.validation_fraction < 1:
            msg = f"validation_fraction must be in (0, 1); got {self.validation_fraction!r}"
            raise InvalidInputError(msg)
        if self.random_state is not None and (
            isinstance(self.random_state, bool)
            or not isinstance(self.random_state, int | np.integer)
        ):
            msg = f"random_state must be an integer or None; got {self.random_state!r}"
            raise InvalidInputError(msg)

    def _resolved_epochs(self) -> int:
        return self.epochs if self.epochs is not None else _DEFAULT_EPOCHS[self.gradient]

    def _resolved_learning_rate(self) -> float:
        if self.learning_rate is not None:
            return self.learning_rate
        return _DEFAULT_LEARNING_RATE[self.gradient]

    def _make_backend(self, seed: int | None) -> Backend:
        if not isinstance(self.backend, str):
            if not hasattr(self.backend, "fidelities"):
                msg = (
                    f"backend must be a backend name ({', '.join(BACKEND_NAMES)}) or an object "
                    f"with a fidelities method; got {self.backend!r}"
                )
                raise InvalidInputError(msg)
            return self.backend
        options = dict(self.backend_options or {})
        if self.shots is not None:
            options.setdefault("shots", self.shots)
        if options.get("shots") is not None and seed is not None:
            options.setdefault("seed", seed)
        return get_backend(self.backend, **options)

    def _backend_settings(self) -> tuple[Any, ...]:
        backend = self.backend if isinstance(self.backend, str) else id(self.backend)
        options = sorted((self.backend_options or {}).items(), key=lambda item: item[0])
        return (backend, self.shots, repr(options))

    def _backend_name(self) -> str:
        if isinstance(self.backend, str):
            return self.backend.lower()
        return str(getattr(self.backend, "name", type(self.backend).__name__))

    def fit(
        self,
        X: Any,
        y: Any,
        on_epoch_end: Callable[[QuClassiClassifier, int], None] | None = None,
    ) -> QuClassiClassifier:
        """Fit the encoder and train one state per class.

        With ``warm_start=True`` on a fitted model, training continues from the current
        parameters with the fitted encoder for ``epochs`` more epochs, and the loss history
        grows. The optimiser's moment estimates start again from zero.

        Args:
            X: Features (N, d).
            y: Class labels (N,); at least two distinct classes.
            on_epoch_end: Called as ``on_epoch_end(model, epoch)`` after every epoch, with the
                model's fitted attributes set to that epoch's state, for example to save a
                checkpoint with ``model.save``.

        Returns:
            The fitted classifier.

        Raises:
            InvalidInputError: Invalid features, labels or settings, or a warm start on
                different classes or features.
        """
        self._check_settings()
        x = check_features(X)
        classes, labels = check_labels(y, x.shape[0])
        resuming = bool(self.warm_start) and hasattr(self, "params_")
        if resuming:
            self._check_resumable(classes, x.shape[1])
            encoder = self.encoder_
            scaled = encoder.transform(x)
        else:
            encoder = FeatureEncoder(pca=self.pca, scaler=self.scaler)
            scaled = encoder.fit_transform(x)
        n_qubits = n_qubits_for_features(scaled.shape[1])
        structure = validate_structure(self.structure, n_qubits)
        angles = encoding_angles(scaled)

        rng = np.random.default_rng(self.random_state)
        # Draw in a fixed order so the same seed gives the same parameters whatever else
        # the run does.
        n_params = n_parameters(structure, n_qubits)
        initial = rng.uniform(0.0, 2.0 * np.pi, size=(classes.size, n_params))
        backend_seed = int(rng.integers(2**32))
        split_rng = np.random.default_rng(rng.integers(2**32))
        batch_rng = np.random.default_rng(rng.integers(2**32))
        previous = TrainingResult(params=initial)
        if resuming:
            initial = self.params_.copy()
            previous = TrainingResult(
                params=initial,
                loss_history=list(self.loss_history_),
                validation_loss_history=list(self.validation_loss_history_),
            )

        if self.early_stopping:
            train_rows, validation_rows = stratified_holdout(
                labels, classes, self.validation_fraction, split_rng
            )
        else:
            train_rows, validation_rows = np.arange(labels.size), None
        backend = self._make_backend(backend_seed)
        problem = Problem(
            backend=backend,
            structure=structure,
            n_qubits=n_qubits,
            angles=angles[train_rows],
            labels=labels[train_rows],
            n_classes=classes.size,
        )

        def store(result: TrainingResult) -> None:
            merged = TrainingResult(
                params=np.array(result.params, dtype=float),
                loss_history=previous.loss_history + result.loss_history,
                validation_loss_history=(
                    previous.validation_loss_history + result.validation_loss_history
                ),
                best_epoch=result.best_epoch,
            )
            self._store(merged, classes, encoder, structure, n_qubits, backend)

        def snapshot(epoch: int, params: np.ndarray, partial: TrainingResult) -> None:
            store(dataclasses.replace(partial, params=params))
            if on_epoch_end is not None:
                on_epoch_end(self, epoch)

        epochs = self._resolved_epochs()
        learning_rate = self._resolved_learning_rate()
        schedule = Schedule(
            epochs=epochs,
            batch_size=self.batch_size,
            validation=None
            if validation_rows is None
            else (angles[validation_rows], labels[validation_rows]),
            patience=self.patience,
            tol=self.tol,
            on_epoch_end=snapshot if on_epoch_end is not None else None,
            first_epoch=len(previous.loss_history) + 1,
        )
        start = time.perf_counter()
        with EpochProgress(epochs, self.verbose) as report:
            schedule.progress = report
            if self.gradient == "paper":
                result = train_paper(problem, initial, schedule, learning_rate)
            else:
                optimizer = make_optimizer(self.optimizer, learning_rate)
                result = train_exact(
                    problem, initial, schedule, optimizer, batch_rng, self.diff_method
                )
        store(result)
        self.fit_time_s_ = time.perf_counter() - start
        logger.info(
            "trained %d classes x %d parameters in %.2f s, final loss %.4f",
            classes.size,
            n_params,
            self.fit_time_s_,
            self.loss_history_[-1],
        )
        return self

    def _check_resumable(self, classes: np.ndarray, n_features: int) -> None:
        """Check that a warm start continues the same problem."""
        same_classes = classes.shape == self.classes_.shape and bool(
            np.all(classes == self.classes_)
        )
        if not same_classes:
            msg = (
                f"warm_start continues a model with classes {self.classes_.tolist()}, but y has "
                f"classes {classes.tolist()}; fit a new model or pass the same classes"
            )
            raise InvalidInputError(msg)
        if n_features != self.n_features_in_:
            msg = (
                f"X has {n_features} features, but QuClassiClassifier is expecting "
                f"{self.n_features_in_} features as input"
            )
            raise InvalidInputError(msg)
        if self.encoder_.pca != self.pca or self.encoder_.scaler != self.scaler:
            msg = (
                "warm_start needs the pca and scaler settings the model was fitted with "
                f"(pca={self.encoder_.pca!r}, scaler={self.encoder_.scaler!r})"
            )
            raise InvalidInputError(msg)

    def _store(
        self,
        result: TrainingResult,
        classes: np.ndarray,
        encoder: FeatureEncoder,
        structure: str,
        n_qubits: int,
        backend: Backend,
    ) -> None:
        self.classes_ = classes
        self.encoder_ = encoder
        self.n_features_in_ = encoder.n_features_in_
        self.structure_ = structure
        self.n_qubits_ = n_qubits
        self.params_ = np.asarray(result.params, dtype=float)
        self.n_parameters_ = int(self.params_.size)
        self.loss_history_ = list(result.loss_history)
        self.validation_loss_history_ = list(result.validation_loss_history)
        self.best_epoch_ = result.best_epoch
        self.n_iter_ = len(result.loss_history)
        self.backend_ = backend
        self._backend_settings_ = self._backend_settings()

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            msg = (
                "this QuClassiClassifier is not fitted yet; call fit(X, y) or "
                "QuClassiClassifier.load(path) before predicting"
            )
            raise ModelNotFittedError(msg)

    def encode(self, X: Any) -> np.ndarray:
        """Return the encoding angles (N, n_qubits, 2) of ``X`` under the fitted encoder."""
        self._check_fitted()
        return encoding_angles(self.encoder_.transform(X))

    def fidelities(self, X: Any) -> np.ndarray:
        """Return the fidelity of every sample with every class state, shape (N, C)."""
        angles = self.encode(X)
        backend = getattr(self, "backend_", None)
        # set_params after fit (another backend, shot count or option) needs a new backend.
        if backend is None or getattr(self, "_backend_settings_", None) != self._backend_settings():
            backend = self._make_backend(self.random_state)
            self.backend_ = backend
            self._backend_settings_ = self._backend_settings()
        return backend.fidelities(self.structure_, self.n_qubits_, self.params_, angles)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Return the fidelities normalised to sum to 1 per sample, shape (N, C).

        A sample whose fidelities are all 0 (possible only under shot noise) gets the uniform
        distribution.
        """
        fidelities = self.fidelities(X)
        totals = fidelities.sum(axis=1, keepdims=True)
        uniform = np.full_like(fidelities, 1.0 / fidelities.shape[1])
        return np.divide(fidelities, totals, out=uniform, where=totals > 0)

    def predict(self, X: Any) -> np.ndarray:
        """Return the class with the largest fidelity for every sample."""
        fidelities = self.fidelities(X)
        return self.classes_[np.argmax(fidelities, axis=1)]

    def class_params(self, label: Any) -> np.ndarray:
        """Return the trained parameter vector (P,) of the class ``label``."""
        self._check_fitted()
        matches = np.flatnonzero(self.classes_ == label)
        if matches.size == 0:
            msg = f"unknown class {label!r}; the model's classes are {self.classes_.tolist()}"
            raise InvalidInputError(msg)
        return self.params_[matches[0]].copy()

    def circuit_spec(self) -> dict[str, Any]:
        """Describe the fitted circuits for exporters: structure, gates and parameters.

        Returns:
            A dict with ``structure``, ``n_qubits`` (per register), ``gates`` (the
            ``circuit.Gate`` list of one class), ``classes`` and ``params`` (C, P).
        """
        self._check_fitted()
        return {
            "structure": self.structure_,
            "n_qubits": self.n_qubits_,
            "gates": trained_gates(self.structure_, self.n_qubits_),
            "classes": self.classes_.tolist(),
            "params": self.params_.copy(),
        }

    def to_qiskit(self, x: Any) -> list[Any]:
        """Build the measured SWAP-test circuits of one sample, one Qiskit circuit per class.

        Args:
            x: One sample's raw features, shape (d,) or (1, d).

        Returns:
            Qiskit ``QuantumCircuit`` objects with ``2 n + 1`` qubits, named
            ``quclassi_class_<label>``. Needs the ``quclassi[qiskit]`` extra.
        """
        from quclassi.export import swap_test_circuits

        angles = self.encode(np.reshape(np.asarray(x, dtype=float), (1, -1)))[0]
        return swap_test_circuits(
            self.structure_, self.n_qubits_, self.params_, angles, labels=self.classes_.tolist()
        )

    def save(self, path: Any, metadata: dict[str, Any] | None = None) -> None:
        """Write the fitted model to a versioned JSON file, atomically.

        Args:
            path: Target file.
            metadata: Extra JSON-serialisable facts to store, read back as ``metadata_``.
        """
        from quclassi.model_io import save_model

        self._check_fitted()
        save_model(self, path, metadata)

    @classmethod
    def load(cls, path: Any) -> QuClassiClassifier:
        """Read a model written by ``save``.

        Raises:
            SchemaVersionError: The file has another schema version.
            ModelFileError: The file is not a valid quclassi model.
        """
        from quclassi.model_io import load_model

        return load_model(cls, path)
