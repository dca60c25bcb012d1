import numpy as np
import pytest

from quclassi.backends import get_backend
from quclassi.backends.analytic import AnalyticBackend
from quclassi.circuit import encoding_angles, n_parameters, trained_gates
from quclassi.errors import FidelityClippedWarning, InvalidInputError
from quclassi.simulator import data_states, gate_matrices, trained_states


def brute_force_state(structure, n_qubits, params):
    # Independent construction: every gate expanded to a full 2^n x 2^n matrix with np.kron.
    state = np.zeros(2**n_qubits, dtype=complex)
    state[0] = 1.0
    for gate in trained_gates(structure, n_qubits):
        small = gate_matrices(gate.name, np.array([params[gate.param]]))[0]
        first = gate.wires[0]
        left = np.eye(2**first)
        right = np.eye(2 ** (n_qubits - first - len(gate.wires)))
        state = np.kron(np.kron(left, small), right) @ state
    return state


def test_analytic_is_default_name():
    assert isinstance(get_backend("analytic"), AnalyticBackend)


@pytest.mark.parametrize("structure", ["s", "sd", "sdc", "cds"])
def test_trained_states_match_brute_force(structure):
    rng = np.random.default_rng(3)
    n_qubits = 3
    params = rng.uniform(0, 2 * np.pi, (4, n_parameters(structure, n_qubits)))
    states = trained_states(structure, n_qubits, params)
    for row in range(4):
        np.testing.assert_allclose(
            states[row], brute_force_state(structure, n_qubits, params[row]), atol=1e-12
        )


def test_trained_states_normalised():
    rng = np.random.default_rng(4)
    params = rng.uniform(0, 2 * np.pi, (5, n_parameters("sdc", 4)))
    norms = np.linalg.norm(trained_states("sdc", 4, params), axis=1)
    np.testing.assert_allclose(norms, 1.0, atol=1e-12)


def test_trained_states_match_pennylane():
    qml = pytest.importorskip("pennylane")
    rng = np.random.default_rng(5)
    params = rng.uniform(0, 2 * np.pi, n_parameters("sdc", 3))
    operations = {
        "RY": qml.RY,
        "RZ": qml.RZ,
        "RYY": qml.IsingYY,
        "RZZ": qml.IsingZZ,
        "CRY": qml.CRY,
        "CRZ": qml.CRZ,
    }

    @qml.qnode(qml.device("default.qubit", wires=3))
    def pennylane_state():
        for gate in trained_gates("sdc", 3):
            operations[gate.name](params[gate.param], wires=list(gate.wires))
        return qml.state()

    np.testing.assert_allclose(
        trained_states("sdc", 3, params[None])[0], pennylane_state(), atol=1e-12
    )


def test_data_states_match_kron_of_qubits():
    rng = np.random.default_rng(6)
    angles = rng.uniform(0, np.pi, (3, 3, 2))
    states = data_states(angles)
    for sample in range(3):
        expected = np.array([1.0 + 0j])
        for qubit in range(3):
            ry_angle, rz_angle = angles[sample, qubit]
            single = (
                gate_matrices("RZ", np.array([rz_angle]))[0]
                @ gate_matrices("RY", np.array([ry_angle]))[0]
                @ np.array([1.0, 0.0])
            )
            expected = np.kron(expected, single)
        np.testing.assert_allclose(states[sample], expected, atol=1e-12)


def test_identical_states_fidelity_one():
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 1, (6, 4))
    angles = encoding_angles(x)
    # Layer s applies RY then RZ per qubit, the same gates as the encoding, so parameters equal
    # to a sample's angles reproduce that sample's state exactly.
    params = angles.reshape(6, -1)
    fidelities = get_backend("analytic").fidelities("s", 2, params, angles)
    np.testing.assert_allclose(np.diag(fidelities), 1.0, atol=1e-12)


def test_orthogonal_states_fidelity_zero():
    # x = 0 encodes |0>; RY(pi) turns |0> into |1>, which is orthogonal to it.
    angles = encoding_angles(np.array([[0.0, 0.0]]))
    fidelities = get_backend("analytic").fidelities("s", 1, np.array([[np.pi, 0.0]]), angles)
    assert fidelities[0, 0] == pytest.approx(0.0, abs=1e-15)


def test_single_qubit_fidelity_formula():
    x_data = np.linspace(0, 1, 11)
    x_trained = np.array([0.0, 0.2, 0.7, 1.0])
    angles = encoding_angles(np.stack([x_data, np.zeros_like(x_data)], axis=1))
    params = np.stack([2 * np.arcsin(np.sqrt(x_trained)), np.zeros_like(x_trained)], axis=1)
    fidelities = get_backend("analytic").fidelities("s", 1, params, angles)
    # Real amplitudes (sqrt(1-x), sqrt(x)) with RZ angle 0 give this closed form.
    expected = (
        np.sqrt(np.outer(x_data, x_trained)) + np.sqrt(np.outer(1 - x_data, 1 - x_trained))
    ) ** 2
    np.testing.assert_allclose(fidelities, expected, atol=1e-12)


def test_shot_p0_within_four_sigma():
    rng = np.random.default_rng(8)
    params = rng.uniform(0, 2 * np.pi, (2, n_parameters("sd", 2)))
    angles = encoding_angles(rng.uniform(0, 1, (20, 4)))
    shots = 100_000
    exact = AnalyticBackend().fidelities("sd", 2, params, angles)
    noisy = AnalyticBackend(shots=shots, seed=0).fidelities("sd", 2, params, angles)
    p0_exact = 0.5 + exact / 2
    sigma = np.sqrt(p0_exact * (1 - p0_exact) / shots)
    # Estimates that clipping did not touch are P(0) = 1/2 + F/2 with binomial noise.
    assert np.all(np.abs((0.5 + noisy / 2) - p0_exact) <= 4 * sigma + 1e-12)


def test_shot_noise_reproducible_with_seed():
    rng = np.random.default_rng(9)
    params = rng.uniform(0, 2 * np.pi, (2, 6))
    angles = encoding_angles(rng.uniform(0, 1, (10, 4)))
    first = AnalyticBackend(shots=500, seed=11).fidelities("sd", 2, params, angles)
    second = AnalyticBackend(shots=500, seed=11).fidelities("sd", 2, params, angles)
    np.testing.assert_array_equal(first, second)


def test_shot_noise_clips_orthogonal_states_without_nan():
    angles = encoding_angles(np.zeros((200, 2)))
    backend = AnalyticBackend(shots=100, seed=0)
    # F = 0 gives P(0) = 1/2, so about half of the estimates fall below 1/2.
    with pytest.warns(FidelityClippedWarning) as record:
        fidelities = backend.fidelities("s", 1, np.array([[np.pi, 0.0]]), angles)
    assert len(record) == 1
    assert np.all(np.isfinite(fidelities))
    assert fidelities.min() == 0.0


@pytest.mark.parametrize("shots", [0, -1])
def test_non_positive_shots_rejected(shots):
    with pytest.raises(InvalidInputError, match="shots"):
        AnalyticBackend(shots=shots)
