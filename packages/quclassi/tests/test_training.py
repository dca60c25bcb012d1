import dataclasses
import math

import numpy as np
import pytest

from quclassi.backends.analytic import AnalyticBackend
from quclassi.circuit import encoding_angles, n_parameters
from quclassi.errors import InvalidInputError
from quclassi.training import (
    Adam,
    Problem,
    Schedule,
    Sgd,
    class_losses,
    make_optimizer,
    paper_shift,
    train_exact,
    train_paper,
)


def make_problem(seed=0, n_samples=40):
    rng = np.random.default_rng(seed)
    labels = np.repeat([0, 1], n_samples // 2)
    # Class 0 near feature values 0.2, class 1 near 0.8, so one state per class separates them.
    centres = np.where(labels[:, None] == 0, 0.2, 0.8)
    x = np.clip(centres + 0.05 * rng.normal(size=(n_samples, 4)), 0, 1)
    return Problem(
        backend=AnalyticBackend(),
        structure="sd",
        n_qubits=2,
        angles=encoding_angles(x),
        labels=labels,
        n_classes=2,
    )


def test_class_losses_by_hand():
    fidelities = np.array([[0.5, 0.1], [0.25, 0.9], [0.9, 1.0]])
    labels = np.array([0, 0, 1])
    # Class 0: mean(-log 0.5, -log 0.25) = 1.5 log 2; class 1: -log 1.0 = 0.
    np.testing.assert_allclose(class_losses(fidelities, labels, 2), [1.5 * math.log(2), 0.0])


def test_class_losses_finite_at_zero_fidelity():
    losses = class_losses(np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([0, 1]), 2)
    assert np.all(np.isfinite(losses))


def test_adam_first_step_moves_by_learning_rate():
    # With bias correction Adam's first step is lr * g / |g| per coordinate (eps aside).
    updated = Adam(0.1).step(np.zeros(3), np.array([2.0, -0.5, 1e-3]))
    np.testing.assert_allclose(updated, [-0.1, 0.1, -0.1], rtol=1e-4)


def test_sgd_step():
    np.testing.assert_allclose(Sgd(0.5).step(np.ones(2), np.array([1.0, -2.0])), [0.5, 2.0])


@pytest.mark.parametrize(("name", "rate"), [("rmsprop", 0.1), ("adam", 0.0), ("sgd", -1.0)])
def test_make_optimizer_rejects_bad_settings(name, rate):
    with pytest.raises(InvalidInputError):
        make_optimizer(name, rate)


def test_paper_shift_values():
    # pi / (2 sqrt(e)): pi/2 at epoch 1, pi/4 at epoch 4.
    assert paper_shift(1) == pytest.approx(math.pi / 2)
    assert paper_shift(4) == pytest.approx(math.pi / 4)


@pytest.mark.parametrize("batch_size", [None, 7])
def test_exact_training_lowers_loss(batch_size):
    problem = make_problem()
    initial = np.random.default_rng(1).uniform(0, 2 * np.pi, (2, n_parameters("sd", 2)))
    result = train_exact(
        problem,
        initial,
        Schedule(epochs=30, batch_size=batch_size),
        Adam(0.1),
        np.random.default_rng(2),
    )
    assert len(result.loss_history) == 30
    assert result.loss_history[-1] < 0.5 * result.loss_history[0]


def test_paper_training_first_step_matches_rule():
    problem = make_problem(n_samples=2)
    initial = np.random.default_rng(3).uniform(0, 2 * np.pi, (2, n_parameters("sd", 2)))
    # Reference for the very first update: class 0, its first sample, parameter 0, with the
    # epoch-1 shift pi/2 and L = -log F of that sample.
    backend = AnalyticBackend()
    sample = problem.angles[:1]
    plus = initial[:1].copy()
    minus = initial[:1].copy()
    plus[0, 0] += math.pi / 2
    minus[0, 0] -= math.pi / 2
    loss_plus = -math.log(backend.fidelities("sd", 2, plus, sample)[0, 0])
    loss_minus = -math.log(backend.fidelities("sd", 2, minus, sample)[0, 0])
    expected = initial[0, 0] - 0.01 * 0.5 * (loss_plus - loss_minus)

    # One sample per class and a single parameter of interest: run one epoch and compare
    # the first parameter, which is updated before any other parameter of class 0 changes.
    result = train_paper(problem, initial, Schedule(epochs=1), learning_rate=0.01)
    assert result.params[0, 0] == pytest.approx(expected, abs=1e-12)


def test_paper_training_lowers_loss():
    problem = make_problem(n_samples=20)
    initial = np.random.default_rng(4).uniform(0, 2 * np.pi, (2, n_parameters("sd", 2)))
    result = train_paper(problem, initial, Schedule(epochs=10), learning_rate=0.05)
    assert result.loss_history[-1] < result.loss_history[0]


def test_early_stopping_keeps_best_parameters():
    problem = make_problem()
    initial = np.random.default_rng(5).uniform(0, 2 * np.pi, (2, n_parameters("sd", 2)))
    validation = (problem.angles[::5], problem.labels[::5])
    # A huge SGD step makes the loss jump around, so the validation loss stops improving.
    result = train_exact(
        problem,
        initial,
        Schedule(epochs=200, validation=validation, patience=3, tol=0.0),
        Sgd(50.0),
        np.random.default_rng(6),
    )
    assert result.stopped_early
    assert len(result.loss_history) < 200
    best = int(np.argmin(result.validation_loss_history))
    assert result.best_epoch == best + 1
    assert result.validation_loss_history[best] == min(result.validation_loss_history)


def test_early_stopping_returns_best_epoch_parameters():
    problem = make_problem()
    initial = np.random.default_rng(5).uniform(0, 2 * np.pi, (2, n_parameters("sd", 2)))
    validation_angles, validation_labels = problem.angles[::5], problem.labels[::5]
    result = train_exact(
        problem,
        initial,
        Schedule(epochs=200, validation=(validation_angles, validation_labels), patience=3),
        Sgd(50.0),
        np.random.default_rng(6),
    )
    fidelities = AnalyticBackend().fidelities("sd", 2, result.params, validation_angles)
    # The returned parameters reproduce the lowest recorded validation loss.
    recomputed = float(np.mean(class_losses(fidelities, validation_labels, 2)))
    assert recomputed == pytest.approx(min(result.validation_loss_history), abs=1e-12)


class DelegatingBackend:
    """A backend without the analytic fast path, so the trainers call ``fidelities``."""

    def __init__(self):
        self.inner = AnalyticBackend()

    def fidelities(self, structure, n_qubits, params, angles):
        return self.inner.fidelities(structure, n_qubits, params, angles)


def test_paper_fast_path_matches_generic_backend():
    problem = make_problem(n_samples=10)
    generic = dataclasses.replace(problem, backend=DelegatingBackend())
    initial = np.random.default_rng(7).uniform(0, 2 * np.pi, (2, n_parameters("sd", 2)))
    fast = train_paper(problem, initial, Schedule(epochs=2), learning_rate=0.05)
    slow = train_paper(generic, initial, Schedule(epochs=2), learning_rate=0.05)
    np.testing.assert_allclose(fast.params, slow.params, atol=1e-12)


def test_exact_training_through_parameter_shift_matches_adjoint():
    problem = make_problem(n_samples=10)
    generic = dataclasses.replace(problem, backend=DelegatingBackend())
    initial = np.random.default_rng(8).uniform(0, 2 * np.pi, (2, n_parameters("sd", 2)))
    adjoint = train_exact(problem, initial, Schedule(epochs=3), Sgd(0.1), np.random.default_rng(0))
    shift = train_exact(generic, initial, Schedule(epochs=3), Sgd(0.1), np.random.default_rng(0))
    np.testing.assert_allclose(shift.params, adjoint.params, atol=1e-10)
