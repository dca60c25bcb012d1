import numpy as np
import pytest
from scipy.linalg import expm

from quclassi.backends import get_backend
from quclassi.backends.pennylane import PennyLaneBackend, swap_test_qnode
from quclassi.circuit import n_parameters, trained_gates
from quclassi.errors import FidelityClippedWarning, InvalidInputError

# Reference: a dense numpy statevector built from the gate generators with scipy's expm, so it
# shares no code with PennyLane or the analytic backend. Wire 0 is the most significant bit.
PAULI_Y = np.array([[0, -1j], [1j, 0]])
PAULI_Z = np.diag([1.0, -1.0]).astype(complex)
PROJECTOR_ONE = np.diag([0.0, 1.0]).astype(complex)
GENERATORS = {
    "RY": PAULI_Y,
    "RZ": PAULI_Z,
    "RYY": np.kron(PAULI_Y, PAULI_Y),
    "RZZ": np.kron(PAULI_Z, PAULI_Z),
    # CR(t) = exp(-i t |1><1| (x) G / 2) with the control on the first wire.
    "CRY": np.kron(PROJECTOR_ONE, PAULI_Y),
    "CRZ": np.kron(PROJECTOR_ONE, PAULI_Z),
}


def embed(matrix, first_wire, n_qubits):
    span = int(np.log2(matrix.shape[0]))
    left = np.eye(2**first_wire)
    right = np.eye(2 ** (n_qubits - first_wire - span))
    return np.kron(np.kron(left, matrix), right)


def reference_trained_state(structure, n_qubits, params):
    state = np.zeros(2**n_qubits, dtype=complex)
    state[0] = 1.0
    for gate in trained_gates(structure, n_qubits):
        unitary = expm(-0.5j * params[gate.param] * GENERATORS[gate.name])
        state = embed(unitary, gate.wires[0], n_qubits) @ state
    return state


def reference_data_state(sample_angles):
    state = np.ones(1, dtype=complex)
    for theta_y, theta_z in sample_angles:
        qubit = expm(-0.5j * theta_z * PAULI_Z) @ expm(-0.5j * theta_y * PAULI_Y) @ [1, 0]
        state = np.kron(state, qubit)
    return state


def reference_fidelities(structure, n_qubits, params, angles):
    trained = [reference_trained_state(structure, n_qubits, row) for row in params]
    data = [reference_data_state(sample) for sample in angles]
    return np.array([[abs(np.vdot(psi, phi)) ** 2 for psi in trained] for phi in data])


def random_problem(structure, n_qubits, n_classes=2, n_samples=5, seed=0):
    rng = np.random.default_rng(seed)
    params = rng.uniform(0, 2 * np.pi, (n_classes, n_parameters(structure, n_qubits)))
    angles = 2 * np.arcsin(np.sqrt(rng.uniform(0, 1, (n_samples, n_qubits, 2))))
    return params, angles


@pytest.mark.parametrize(
    ("structure", "n_qubits", "device"),
    [
        ("s", 1, "default.qubit"),
        ("sd", 2, "default.qubit"),
        ("sdc", 3, "default.qubit"),
        ("sdc", 2, "lightning.qubit"),
    ],
)
def test_exact_p0_matches_statevector(structure, n_qubits, device):
    params, angles = random_problem(structure, n_qubits)
    backend = PennyLaneBackend(device=device)
    p0 = backend.ancilla_p0(structure, n_qubits, params, angles)
    expected = reference_fidelities(structure, n_qubits, params, angles)
    # SWAP test: P(0) = 1/2 + F/2.
    np.testing.assert_allclose(p0, 0.5 + expected / 2, atol=1e-10, rtol=0)
    fidelities = backend.fidelities(structure, n_qubits, params, angles)
    np.testing.assert_allclose(fidelities, expected, atol=1e-10, rtol=0)


def test_exact_matches_analytic_backend():
    params, angles = random_problem("sdc", 3, n_classes=3, n_samples=6, seed=1)
    analytic = get_backend("analytic").fidelities("sdc", 3, params, angles)
    circuit = get_backend("pennylane").fidelities("sdc", 3, params, angles)
    np.testing.assert_allclose(circuit, analytic, atol=1e-10, rtol=0)


def test_per_sample_equals_broadcast():
    params, angles = random_problem("sd", 2, n_samples=4, seed=2)
    broadcast = PennyLaneBackend(broadcast=True).fidelities("sd", 2, params, angles)
    loop = PennyLaneBackend(broadcast=False).fidelities("sd", 2, params, angles)
    np.testing.assert_allclose(loop, broadcast, atol=1e-12, rtol=0)


def test_single_qubit_fidelity_formula():
    # With RZ angles 0 and x = sin^2(theta/2): F = (sqrt(x x') + sqrt((1-x)(1-x')))^2.
    x_trained, x_data = 0.3, 0.8
    params = np.array([[2 * np.arcsin(np.sqrt(x_trained)), 0.0]])
    angles = np.array([[[2 * np.arcsin(np.sqrt(x_data)), 0.0]]])
    expected = (np.sqrt(x_trained * x_data) + np.sqrt((1 - x_trained) * (1 - x_data))) ** 2
    fidelity = PennyLaneBackend().fidelities("s", 1, params, angles)
    np.testing.assert_allclose(fidelity, [[expected]], atol=1e-12)


def test_shot_p0_within_four_sigma():
    params, angles = random_problem("sd", 2, n_samples=3, seed=3)
    shots = 20_000
    backend = PennyLaneBackend(shots=shots, seed=7)
    p0 = backend.ancilla_p0("sd", 2, params, angles)
    exact = 0.5 + reference_fidelities("sd", 2, params, angles) / 2
    # Binomial standard error of a frequency estimated from `shots` draws.
    sigma = np.sqrt(exact * (1 - exact) / shots)
    assert np.all(np.abs(p0 - exact) <= 4 * sigma)


def test_same_seed_same_shot_estimates():
    params, angles = random_problem("s", 1, n_samples=4, seed=4)
    first = PennyLaneBackend(shots=100, seed=3).ancilla_p0("s", 1, params, angles)
    second = PennyLaneBackend(shots=100, seed=3).ancilla_p0("s", 1, params, angles)
    np.testing.assert_array_equal(first, second)


def test_orthogonal_shots_clip_with_one_warning():
    # The trained state |0> and the data state |1> are orthogonal, so F = 0 and about half of
    # the shot estimates of 2 P(0) - 1 fall below 0.
    params = np.zeros((1, 2))
    angles = np.tile([[[np.pi, 0.0]]], (40, 1, 1))
    backend = PennyLaneBackend(shots=50, seed=0)
    with pytest.warns(FidelityClippedWarning) as record:
        fidelities = backend.fidelities("s", 1, params, angles)
    assert len(record) == 1
    assert np.all(fidelities >= 0)
    assert not np.any(np.isnan(fidelities))


def test_jacobian_matches_finite_differences():
    params, angles = random_problem("sdc", 2, n_classes=1, n_samples=3, seed=5)
    backend = PennyLaneBackend()
    step = 1e-6
    expected = np.empty((3, params.shape[1]))
    for index in range(params.shape[1]):
        shift = np.zeros_like(params)
        shift[0, index] = step
        plus = reference_fidelities("sdc", 2, params + shift, angles)[:, 0]
        minus = reference_fidelities("sdc", 2, params - shift, angles)[:, 0]
        expected[:, index] = (plus - minus) / (2 * step)
    for diff_method in ("parameter-shift", "backprop"):
        jacobian = backend.fidelity_jacobian("sdc", 2, params[0], angles, diff_method)
        np.testing.assert_allclose(jacobian, expected, atol=1e-6)


def test_lightning_adjoint_jacobian():
    params, angles = random_problem("sd", 2, n_classes=1, n_samples=3, seed=6)
    lightning = PennyLaneBackend(device="lightning.qubit")
    default = PennyLaneBackend()
    np.testing.assert_allclose(
        lightning.fidelity_jacobian("sd", 2, params[0], angles, "adjoint"),
        default.fidelity_jacobian("sd", 2, params[0], angles, "parameter-shift"),
        atol=1e-10,
    )


def test_qnode_has_two_registers_and_ancilla():
    import pennylane as qml

    params, angles = random_problem("sd", 3, n_classes=1, n_samples=1)
    qnode = swap_test_qnode("sd", 3)
    tape = qml.workflow.construct_tape(qnode)(params[0], angles[0])
    # 2n + 1 wires for n = 3: ancilla, trained register, data register.
    assert len(tape.wires) == 7
    assert [op.name for op in tape.operations].count("CSWAP") == 3


def test_unknown_device_rejected():
    with pytest.raises(InvalidInputError, match="lightning.qubit"):
        PennyLaneBackend(device="braket.local")


def test_non_positive_shots_rejected():
    with pytest.raises(InvalidInputError, match="shots"):
        PennyLaneBackend(shots=0)
