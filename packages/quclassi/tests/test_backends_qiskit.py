import numpy as np
import pytest

from quclassi.backends import get_backend
from quclassi.backends.qiskit import QiskitBackend, swap_test_template
from quclassi.circuit import n_parameters
from quclassi.errors import FidelityClippedWarning, InvalidInputError


def random_problem(structure, n_qubits, n_classes=2, n_samples=4, seed=0):
    rng = np.random.default_rng(seed)
    params = rng.uniform(0, 2 * np.pi, (n_classes, n_parameters(structure, n_qubits)))
    angles = 2 * np.arcsin(np.sqrt(rng.uniform(0, 1, (n_samples, n_qubits, 2))))
    return params, angles


@pytest.mark.parametrize(("structure", "n_qubits"), [("s", 1), ("sd", 2), ("sdc", 3)])
def test_exact_p0_matches_analytic(structure, n_qubits):
    params, angles = random_problem(structure, n_qubits)
    # The analytic backend computes F from n-qubit states without any SWAP-test circuit.
    fidelities = get_backend("analytic").fidelities(structure, n_qubits, params, angles)
    p0 = QiskitBackend().ancilla_p0(structure, n_qubits, params, angles)
    np.testing.assert_allclose(p0, 0.5 + fidelities / 2, atol=1e-10, rtol=0)


def test_exact_matches_pennylane_circuit():
    params, angles = random_problem("sdc", 2, n_samples=3, seed=1)
    pennylane = get_backend("pennylane").fidelities("sdc", 2, params, angles)
    qiskit = get_backend("qiskit").fidelities("sdc", 2, params, angles)
    np.testing.assert_allclose(qiskit, pennylane, atol=1e-10, rtol=0)


def test_single_qubit_fidelity_formula():
    # With RZ angles 0 and x = sin^2(theta/2): F = (sqrt(x x') + sqrt((1-x)(1-x')))^2.
    x_trained, x_data = 0.6, 0.1
    params = np.array([[2 * np.arcsin(np.sqrt(x_trained)), 0.0]])
    angles = np.array([[[2 * np.arcsin(np.sqrt(x_data)), 0.0]]])
    expected = (np.sqrt(x_trained * x_data) + np.sqrt((1 - x_trained) * (1 - x_data))) ** 2
    np.testing.assert_allclose(QiskitBackend().fidelities("s", 1, params, angles), [[expected]])


def test_shot_p0_within_four_sigma():
    params, angles = random_problem("sd", 2, n_samples=3, seed=2)
    shots = 20_000
    exact = QiskitBackend().ancilla_p0("sd", 2, params, angles)
    sampled = QiskitBackend(shots=shots, seed=5).ancilla_p0("sd", 2, params, angles)
    # Binomial standard error of a frequency estimated from `shots` draws.
    sigma = np.sqrt(exact * (1 - exact) / shots)
    assert np.all(np.abs(sampled - exact) <= 4 * sigma)


def test_same_seed_same_estimates():
    params, angles = random_problem("sd", 2, n_samples=3, seed=3)
    first = QiskitBackend(shots=200, seed=11).ancilla_p0("sd", 2, params, angles)
    second = QiskitBackend(shots=200, seed=11).ancilla_p0("sd", 2, params, angles)
    np.testing.assert_array_equal(first, second)


def test_readout_noise_shifts_p0():
    from qiskit_aer.noise import NoiseModel, ReadoutError

    flip = 0.1
    noise_model = NoiseModel()
    noise_model.add_readout_error(ReadoutError([[1 - flip, flip], [flip, 1 - flip]]), [0])
    params, angles = random_problem("sd", 2, n_classes=1, n_samples=2, seed=4)
    shots = 20_000
    exact = QiskitBackend().ancilla_p0("sd", 2, params, angles)
    noisy = QiskitBackend(shots=shots, noise_model=noise_model, seed=0)
    sampled = noisy.ancilla_p0("sd", 2, params, angles)
    # A symmetric readout flip with probability f reads 0 with P0 (1 - f) + (1 - P0) f.
    expected = exact * (1 - flip) + (1 - exact) * flip
    sigma = np.sqrt(expected * (1 - expected) / shots)
    assert np.all(np.abs(sampled - expected) <= 4 * sigma)


def test_orthogonal_shots_clip_with_one_warning():
    # |0> against |1>: F = 0, so shot estimates of 2 P(0) - 1 scatter around 0.
    params = np.zeros((1, 2))
    angles = np.tile([[[np.pi, 0.0]]], (30, 1, 1))
    with pytest.warns(FidelityClippedWarning) as record:
        fidelities = QiskitBackend(shots=50, seed=1).fidelities("s", 1, params, angles)
    assert len(record) == 1
    assert np.all(fidelities >= 0)
    assert not np.any(np.isnan(fidelities))


def test_template_layout():
    circuit, theta, x = swap_test_template("sdc", 2)
    # 2n + 1 qubits, one classical bit for the ancilla, 8 trained and 2n encoding parameters.
    assert circuit.num_qubits == 5
    assert circuit.num_clbits == 1
    assert len(theta) == 8
    assert len(x) == 4
    assert circuit.count_ops()["cswap"] == 2


def test_noise_model_needs_shots():
    from qiskit_aer.noise import NoiseModel

    with pytest.raises(InvalidInputError, match="needs shot-based"):
        QiskitBackend(noise_model=NoiseModel())


def test_non_positive_shots_rejected():
    with pytest.raises(InvalidInputError, match="shots"):
        QiskitBackend(shots=-1)
