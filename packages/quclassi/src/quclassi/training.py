"""Training loops of QuClassi: exact gradients with Adam or SGD, and the original paper's rule.

Each class has its own parameter vector, trained on that class's samples only. The loss of
class c is the mean of ``-log F_c(x)`` over its own training samples. ``loss_history`` records
the mean of the class losses after each epoch.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from quclassi.backends import Backend
from quclassi.circuit import trained_gates
from quclassi.errors import InvalidInputError
from quclassi.gradients import fidelity_vjp, supports_adjoint
from quclassi.simulator import data_states, trained_states

__all__ = [
    "FIDELITY_FLOOR",
    "OPTIMIZERS",
    "Adam",
    "Sgd",
    "TrainingResult",
    "class_losses",
    "make_optimizer",
    "paper_shift",
    "stratified_holdout",
    "train_exact",
    "train_paper",
]

logger = logging.getLogger(__name__)

OPTIMIZERS = ("adam", "sgd")

# Fidelities below this floor count as this value inside -log F, so a fidelity of 0 (possible
# under shot noise) gives a large finite loss instead of inf.
FIDELITY_FLOOR = 1e-10


class Adam:
    """Adam optimiser (Kingma and Ba, 2015) with the usual defaults beta1=0.9, beta2=0.999."""

    def __init__(
        self, learning_rate: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8
    ) -> None:
        self.learning_rate = learning_rate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self._first: np.ndarray | None = None
        self._second: np.ndarray | None = None
        self._steps = 0

    def step(self, params: np.ndarray, gradient: np.ndarray) -> np.ndarray:
        """Return the parameters after one update with ``gradient``."""
        if self._first is None or self._second is None:
            self._first = np.zeros_like(params)
            self._second = np.zeros_like(params)
        self._steps += 1
        self._first = self.beta1 * self._first + (1 - self.beta1) * gradient
        self._second = self.beta2 * self._second + (1 - self.beta2) * gradient**2
        first_unbiased = self._first / (1 - self.beta1**self._steps)
        second_unbiased = self._second / (1 - self.beta2**self._steps)
        return params - self.learning_rate * first_unbiased / (np.sqrt(second_unbiased) + self.eps)


class Sgd:
    """Plain gradient descent: ``params - learning_rate * gradient``."""

    def __init__(self, learning_rate: float) -> None:
        self.learning_rate = learning_rate

    def step(self, params: np.ndarray, gradient: np.ndarray) -> np.ndarray:
        """Return the parameters after one update with ``gradient``."""
        return params - self.learning_rate * gradient


def make_optimizer(name: str, learning_rate: float) -> Adam | Sgd:
    """Create an optimiser by name (``"adam"`` or ``"sgd"``)."""
    if name not in OPTIMIZERS:
        msg = f"optimizer must be one of {', '.join(OPTIMIZERS)}; got {name!r}"
        raise InvalidInputError(msg)
    if not (isinstance(learning_rate, int | float) and math.isfinite(learning_rate)) or (
        learning_rate <= 0
    ):
        msg = f"learning_rate must be a positive number; got {learning_rate!r}"
        raise InvalidInputError(msg)
    return Adam(learning_rate) if name == "adam" else Sgd(learning_rate)


@dataclass
class Problem:
    """The fixed inputs of one training run."""

    backend: Backend
    structure: str
    n_qubits: int
    angles: np.ndarray
    labels: np.ndarray
    n_classes: int


@dataclass
class TrainingResult:
    """Trained parameters with the per-epoch loss record."""

    params: np.ndarray
    loss_history: list[float] = field(default_factory=list)
    validation_loss_history: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False


def class_losses(fidelities: np.ndarray, labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Return each class's mean ``-log F`` over its own samples, shape (C,).

    Args:
        fidelities: Array (N, C).
        labels: Class indices (N,) in 0..C-1.
        n_classes: C.
    """
    own = fidelities[np.arange(labels.size), labels]
    per_sample = -np.log(np.maximum(own, FIDELITY_FLOOR))
    counts = np.bincount(labels, minlength=n_classes)
    sums = np.bincount(labels, weights=per_sample, minlength=n_classes)
    return np.divide(sums, counts, out=np.zeros(n_classes), where=counts > 0)


def _mean_loss(
    problem: Problem, params: np.ndarray, angles: np.ndarray, labels: np.ndarray
) -> float:
    fidelities = problem.backend.fidelities(problem.structure, problem.n_qubits, params, angles)
    return float(np.mean(class_losses(fidelities, labels, problem.n_classes)))


def _loss_gradient(
    problem: Problem, params: np.ndarray, rows: np.ndarray, diff_method: str
) -> np.ndarray:
    """Gradient (C, P) of the class losses on the samples ``rows``."""
    angles = problem.angles[rows]
    labels = problem.labels[rows]
    fidelities = problem.backend.fidelities(problem.structure, problem.n_qubits, params, angles)
    own = np.maximum(fidelities[np.arange(rows.size), labels], FIDELITY_FLOOR)
    counts = np.bincount(labels, minlength=problem.n_classes)
    # d(-log F)/dF = -1/F, averaged over each class's own samples in this batch.
    cotangent = np.zeros_like(fidelities)
    cotangent[np.arange(rows.size), labels] = -1.0 / (own * counts[labels])
    return fidelity_vjp(
        problem.backend,
        problem.structure,
        problem.n_qubits,
        params,
        angles,
        cotangent,
        diff_method,
    )


class _EarlyStopping:
    """Track the validation loss and keep the best parameters."""

    def __init__(self, patience: int, tol: float) -> None:
        self.patience = patience
        self.tol = tol
        self.best_loss = math.inf
        self.best_params: np.ndarray | None = None
        self.best_epoch: int | None = None
        self._epochs_without_gain = 0

    def update(self, epoch: int, loss: float, params: np.ndarray) -> bool:
        """Record an epoch's validation loss and return whether training should stop."""
        if loss < self.best_loss - self.tol:
            self.best_loss = loss
            self.best_params = params.copy()
            self.best_epoch = epoch
            self._epochs_without_gain = 0
            return False
        self._epochs_without_gain += 1
        return self._epochs_without_gain >= self.patience


@dataclass
class Schedule:
    """Epoch count, batching, early stopping and callbacks shared by both trainers.

    Attributes:
        epochs: Number of epochs to run.
        batch_size: Mini-batch size of exact training, ``None`` for full batch.
        validation: Held-out (angles, labels) that enable early stopping.
        patience: Epochs without validation improvement before stopping.
        tol: Minimum validation-loss decrease that counts as improvement.
        progress: Called as ``progress(epoch, loss)`` after every epoch.
        on_epoch_end: Called as ``on_epoch_end(epoch, params, result)`` after every epoch,
            once the epoch's losses are recorded; used for checkpoints.
        first_epoch: Number of the first epoch, above 1 when training resumes. The paper
            rule's shift ``pi / (2 sqrt(epoch))`` continues from it.
    """

    epochs: int
    batch_size: int | None = None
    validation: tuple[np.ndarray, np.ndarray] | None = None
    patience: int = 5
    tol: float = 1e-4
    progress: Callable[[int, float], None] | None = None
    on_epoch_end: Callable[[int, np.ndarray, TrainingResult], None] | None = None
    first_epoch: int = 1

    def epoch_numbers(self) -> range:
        """Return the numbers of the epochs to run."""
        return range(self.first_epoch, self.first_epoch + self.epochs)


def _finish_epoch(
    problem: Problem,
    schedule: Schedule,
    result: TrainingResult,
    stopper: _EarlyStopping | None,
    epoch: int,
    params: np.ndarray,
) -> bool:
    """Record the epoch's losses, report progress and return whether to stop early."""
    loss = _mean_loss(problem, params, problem.angles, problem.labels)
    result.loss_history.append(loss)
    if schedule.progress is not None:
        schedule.progress(epoch, loss)
    stop = False
    if stopper is not None and schedule.validation is not None:
        validation_angles, validation_labels = schedule.validation
        validation_loss = _mean_loss(problem, params, validation_angles, validation_labels)
        result.validation_loss_history.append(validation_loss)
        stop = stopper.update(epoch, validation_loss, params)
    if schedule.on_epoch_end is not None:
        schedule.on_epoch_end(epoch, params, result)
    return stop


def _apply_best(result: TrainingResult, stopper: _EarlyStopping | None, stopped: bool) -> None:
    if stopper is not None and stopper.best_params is not None:
        result.params = stopper.best_params
        result.best_epoch = stopper.best_epoch
    result.stopped_early = stopped


def train_exact(
    problem: Problem,
    initial_params: np.ndarray,
    schedule: Schedule,
    optimizer: Adam | Sgd,
    rng: np.random.Generator,
    diff_method: str = "auto",
) -> TrainingResult:
    """Minimise the class losses with exact gradients, full batch or mini-batch.

    Args:
        problem: Backend, circuit and encoded training data.
        initial_params: Array (C, P) of starting parameters.
        schedule: Epochs, batch size and early stopping.
        optimizer: ``Adam`` or ``Sgd``.
        rng: Generator that shuffles mini-batches.
        diff_method: ``"auto"``, ``"adjoint"`` or ``"parameter-shift"``.

    Returns:
        The trained parameters and the loss record. With early stopping the parameters of the
        epoch with the lowest validation loss.
    """
    params = np.array(initial_params, dtype=float)
    n_samples = problem.labels.size
    batch_size = schedule.batch_size or n_samples
    result = TrainingResult(params=params)
    stopper = _EarlyStopping(schedule.patience, schedule.tol) if schedule.validation else None
    stopped = False
    for epoch in schedule.epoch_numbers():
        order = np.arange(n_samples) if batch_size >= n_samples else rng.permutation(n_samples)
        for start in range(0, n_samples, batch_size):
            rows = order[start : start + batch_size]
            params = optimizer.step(params, _loss_gradient(problem, params, rows, diff_method))
        result.params = params
        if _finish_epoch(problem, schedule, result, stopper, epoch, params):
            stopped = True
            break
    _apply_best(result, stopper, stopped)
    return result


def paper_shift(epoch: int) -> float:
    """Return the original rule's finite-difference shift ``pi / (2 sqrt(epoch))``, epoch from 1."""
    return math.pi / (2.0 * math.sqrt(epoch))


def _sample_fidelity_function(problem: Problem) -> Callable[[np.ndarray, int], np.ndarray]:
    """Return ``f(params_rows (K, P), sample_row) -> F (K,)`` for the per-sample paper rule.

    On the exact analytic backend the data states and the gate list are computed once, which
    removes the per-call input checks that dominate the cost of these tiny circuits. Every
    other backend is called through ``fidelities``.
    """
    backend = problem.backend
    if not supports_adjoint(backend):

        def through_backend(rows: np.ndarray, sample_row: int) -> np.ndarray:
            sample = problem.angles[sample_row : sample_row + 1]
            return backend.fidelities(problem.structure, problem.n_qubits, rows, sample)[0]

        return through_backend

    gates = trained_gates(problem.structure, problem.n_qubits)
    data = data_states(problem.angles)

    def analytic(rows: np.ndarray, sample_row: int) -> np.ndarray:
        states = trained_states(problem.structure, problem.n_qubits, rows, gates)
        return np.minimum(np.abs(states @ data[sample_row].conj()) ** 2, 1.0)

    return analytic


def train_paper(
    problem: Problem,
    initial_params: np.ndarray,
    schedule: Schedule,
    learning_rate: float,
) -> TrainingResult:
    """Train with the update rule of the authors' example (QuClassiExample, main.py).

    For every epoch e (from 1), every class, every own training sample (in data order) and
    every parameter j in turn: ``g = [L(theta_j + s) - L(theta_j - s)] / 2`` with
    ``L = -log F`` of that one sample and ``s = pi / (2 sqrt(e))``, then at once
    ``theta_j -= learning_rate * g``. This is a finite difference with a shrinking step, not
    the exact parameter-shift rule, and it costs two circuits per sample and parameter.

    NOTE: parameters are visited in this package's numbering (every ``s`` gate, then every
    ``d`` gate). The example visits qubit 1's RY/RZ, then the (1, 2) pair, then qubit 2, so
    the sequential updates follow a slightly different path from the same start.

    Args:
        problem: Backend, circuit and encoded training data.
        initial_params: Array (C, P) of starting parameters.
        schedule: Epochs and early stopping; ``batch_size`` is ignored.
        learning_rate: Step size (0.01 in the authors' code).

    Returns:
        The trained parameters and the loss record.
    """
    params = np.array(initial_params, dtype=float)
    n_params = params.shape[1]
    result = TrainingResult(params=params)
    stopper = _EarlyStopping(schedule.patience, schedule.tol) if schedule.validation else None
    stopped = False
    shifted_fidelities = _sample_fidelity_function(problem)
    for epoch in schedule.epoch_numbers():
        shift = paper_shift(epoch)
        for class_index in range(problem.n_classes):
            for row in np.flatnonzero(problem.labels == class_index):
                for param_index in range(n_params):
                    shifted = np.repeat(params[class_index : class_index + 1], 2, axis=0)
                    shifted[0, param_index] += shift
                    shifted[1, param_index] -= shift
                    fidelities = shifted_fidelities(shifted, row)
                    losses = -np.log(np.maximum(fidelities, FIDELITY_FLOOR))
                    gradient = 0.5 * (losses[0] - losses[1])
                    params[class_index, param_index] -= learning_rate * gradient
        result.params = params
        if _finish_epoch(problem, schedule, result, stopper, epoch, params):
            stopped = True
            break
    _apply_best(result, stopper, stopped)
    return result


def stratified_holdout(
    labels: np.ndarray, classes: np.ndarray, fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Split sample rows into training and validation rows, ``fraction`` of each class held out.

    Args:
        labels: Class index of each sample, in 0..C-1.
        classes: Class labels, used in the error message.
        fraction: Validation fraction in (0, 1).
        rng: Generator of the random split.

    Returns:
        Sorted training rows and sorted validation rows.

    Raises:
        InvalidInputError: A class is too small to keep one sample on each side.
    """
    all_rows = np.arange(labels.size)
    validation: list[np.ndarray] = []
    for class_index, label in enumerate(classes):
        rows = rng.permutation(np.flatnonzero(labels == class_index))
        n_validation = int(round(fraction * rows.size))
        if rows.size - n_validation < 1 or n_validation < 1:
            msg = (
                f"class {label!r} has {rows.size} samples, too few to hold out "
                f"validation_fraction={fraction} for early stopping and "
                "keep at least one for training; add samples or set early_stopping=False"
            )
            raise InvalidInputError(msg)
        validation.append(rows[:n_validation])
    validation_rows = np.sort(np.concatenate(validation))
    train_rows = np.setdiff1d(all_rows, validation_rows)
    return train_rows, validation_rows
