import numpy as np
import pytest

from quclassi.backends.analytic import AnalyticBackend
from quclassi.circuit import GATE_NAMES, encoding_angles, n_parameters, trained_gates
from quclassi.errors import InvalidInputError
from quclassi.gradients import (
    fidelity_jacobian,
    fidelity_vjp,
    parameter_shift_jacobian,
    shift_rule,
)

STRUCTURE = "sdc"
N_QUBITS = 3


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(21)
    params = rng.uniform(0, 2 * np.pi, (2, n_parameters(STRUCTURE, N_QUBITS)))
    angles = encoding_angles(rng.uniform(0, 1, (9, 2 * N_QUBITS)))
    return params, angles


def central_differences(backend, params, angles, step=1e-6):
    jacobian = np.zeros((angles.shape[0], *params.shape))
    for class_index in range(params.shape[0]):
        for param_index in range(params.shape[1]):
            plus = params.copy()
            minus = params.copy()
            plus[class_index, param_index] += step
            minus[class_index, param_index] -= step
            difference = backend.fidelities(STRUCTURE, N_QUBITS, plus, angles) - backend.fidelities(
                STRUCTURE, N_QUBITS, minus, angles
            )
            jacobian[:, class_index, param_index] = difference[:, class_index] / (2 * step)
    return jacobian


@pytest.mark.parametrize("gate_name", GATE_NAMES)
def test_parameter_shift_matches_finite_differences(problem, gate_name):
    params, angles = problem
    backend = AnalyticBackend()
    shift = parameter_shift_jacobian(backend, STRUCTURE, N_QUBITS, params, angles)
    reference = central_differences(backend, params, angles)
    columns = [g.param for g in trained_gates(STRUCTURE, N_QUBITS) if g.name == gate_name]
    assert columns
    # Central differences with step 1e-6 carry an error of about 1e-10 from rounding.
    np.testing.assert_allclose(shift[:, :, columns], reference[:, :, columns], atol=1e-6)
    assert np.abs(reference[:, :, columns]).max() > 1e-3


def test_adjoint_matches_parameter_shift(problem):
    params, angles = problem
    backend = AnalyticBackend()
    shift = fidelity_jacobian(
        backend, STRUCTURE, N_QUBITS, params, angles, diff_method="parameter-shift"
    )
    adjoint = fidelity_jacobian(backend, STRUCTURE, N_QUBITS, params, angles, diff_method="adjoint")
    np.testing.assert_allclose(adjoint, shift, atol=1e-10)


def test_vjp_methods_agree(problem):
    params, angles = problem
    backend = AnalyticBackend()
    cotangent = np.random.default_rng(22).normal(size=(angles.shape[0], 2))
    adjoint = fidelity_vjp(backend, STRUCTURE, N_QUBITS, params, angles, cotangent, "adjoint")
    shift = fidelity_vjp(backend, STRUCTURE, N_QUBITS, params, angles, cotangent, "parameter-shift")
    np.testing.assert_allclose(adjoint, shift, atol=1e-10)


def test_four_term_rule_for_controlled_gates():
    coefficients = [coefficient for coefficient, _ in shift_rule("CRY")]
    assert len(coefficients) == 4
    # c_plus - c_minus = 2 / (4 sqrt(2)) = 1 / (2 sqrt(2)), from c = (sqrt(2) +- 1) / (4 sqrt(2)).
    assert coefficients[0] + coefficients[2] == pytest.approx(1 / (2 * np.sqrt(2)))
    assert len(shift_rule("RYY")) == 2


# Shifted circuits with fidelity near 0 get clipped estimates, which is expected here.
@pytest.mark.filterwarnings("ignore::quclassi.errors.FidelityClippedWarning")
def test_auto_uses_parameter_shift_with_shots(problem):
    params, angles = problem
    backend = AnalyticBackend(shots=200_000, seed=3)
    noisy = fidelity_jacobian(backend, STRUCTURE, N_QUBITS, params, angles)
    exact = AnalyticBackend().jacobian(STRUCTURE, N_QUBITS, params, angles)
    # Each shifted fidelity has a standard deviation of at most 1/sqrt(shots) ~ 2.2e-3, so a
    # noisy estimate that differs from the exact one shows the shot path was taken.
    assert not np.allclose(noisy, exact, atol=1e-9)
    np.testing.assert_allclose(noisy, exact, atol=0.05)


def test_adjoint_rejected_with_shots(problem):
    params, angles = problem
    with pytest.raises(InvalidInputError, match="parameter-shift"):
        fidelity_jacobian(
            AnalyticBackend(shots=10), STRUCTURE, N_QUBITS, params, angles, diff_method="adjoint"
        )


def test_unknown_diff_method_rejected(problem):
    params, angles = problem
    with pytest.raises(InvalidInputError, match="diff_method"):
        fidelity_jacobian(AnalyticBackend(), STRUCTURE, N_QUBITS, params, angles, "backprop")
