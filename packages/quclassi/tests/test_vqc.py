import numpy as np
import pytest

from quclassi.errors import InvalidInputError, NotFittedError
from quclassi.vqc import FarhiVQC, readout_expectations, readout_jacobian


def pennylane_outputs(features, params):
    """Dense PennyLane simulation of the same circuit: data wires 0..d-1, readout wire d."""
    import pennylane as qml

    n_features = features.shape[1]
    device = qml.device("default.qubit", wires=n_features + 1)

    @qml.qnode(device)
    def circuit(sample):
        qml.PauliX(n_features)
        qml.Hadamard(n_features)
        for qubit in range(n_features):
            qml.RX(np.pi * sample[qubit], wires=qubit)
        for layer in range(params.shape[0]):
            gate = qml.IsingXX if layer % 2 == 0 else qml.IsingZZ
            for qubit in range(n_features):
                gate(params[layer, qubit], wires=[qubit, n_features])
        qml.Hadamard(n_features)
        return qml.expval(qml.PauliZ(n_features))

    return np.array([circuit(sample) for sample in features])


@pytest.mark.parametrize(("n_features", "layers"), [(1, 1), (3, 2), (4, 3)])
def test_outputs_match_dense_simulation(n_features, layers):
    rng = np.random.default_rng(n_features)
    features = rng.uniform(0, 1, (4, n_features))
    params = rng.uniform(-np.pi, np.pi, (2 * layers, n_features))
    np.testing.assert_allclose(
        readout_expectations(features, params), pennylane_outputs(features, params), atol=1e-12
    )


def test_jacobian_matches_finite_differences():
    rng = np.random.default_rng(1)
    features = rng.uniform(0, 1, (3, 3))
    params = rng.uniform(-np.pi, np.pi, (4, 3))
    step = 1e-6
    expected = np.empty((3, *params.shape))
    for index in np.ndindex(params.shape):
        shift = np.zeros_like(params)
        shift[index] = step
        plus = readout_expectations(features, params + shift)
        minus = readout_expectations(features, params - shift)
        expected[(slice(None), *index)] = (plus - minus) / (2 * step)
    np.testing.assert_allclose(readout_jacobian(features, params), expected, atol=1e-8)


def test_zero_angles_give_zero_output():
    # Without coupling, the readout stays in |->, and H maps it to |1>: <Z> = -1.
    features = np.array([[0.3, 0.8]])
    np.testing.assert_allclose(readout_expectations(features, np.zeros((2, 2))), [-1.0])


def test_parameter_counts():
    binary = FarhiVQC(layers=2, epochs=1, random_state=0).fit(
        np.array([[0.1, 0.2, 0.3, 0.4], [0.9, 0.8, 0.7, 0.6]]), np.array([0, 1])
    )
    # One circuit with 2 layer pairs x 2 gates per pair x 4 qubits = 16 angles on 4 + 1 qubits.
    assert binary.n_parameters_ == 16
    assert binary.n_qubits_ == 5
    multi = FarhiVQC(layers=1, epochs=1, random_state=0).fit(
        np.array([[0.1, 0.2], [0.5, 0.5], [0.9, 0.8]]), np.array(["a", "b", "c"])
    )
    # One-vs-rest: 3 circuits x 1 layer pair x 2 gates x 2 qubits = 12 angles.
    assert multi.n_parameters_ == 12
    assert multi.predict(np.array([[0.1, 0.2]])).shape == (1,)


def test_learns_separable_problem():
    rng = np.random.default_rng(0)
    features = rng.uniform(0, 1, (60, 2))
    labels = (features[:, 0] > 0.5).astype(int)
    model = FarhiVQC(layers=1, epochs=60, learning_rate=0.1, random_state=0)
    model.fit(features, labels)
    # About half the labels are 1, so 0.8 is far above guessing; one layer pair reaches 0.87.
    assert model.score(features, labels) >= 0.8
    assert model.loss_history_[0][-1] < model.loss_history_[0][0]


def test_bad_inputs_rejected():
    with pytest.raises(InvalidInputError, match=r"\[0, 1\]"):
        FarhiVQC().fit(np.array([[2.0], [0.5]]), np.array([0, 1]))
    with pytest.raises(InvalidInputError, match="two classes"):
        FarhiVQC().fit(np.array([[0.2], [0.5]]), np.array([1, 1]))
    with pytest.raises(InvalidInputError, match="layers"):
        FarhiVQC(layers=4)
    with pytest.raises(NotFittedError, match="not fitted"):
        FarhiVQC().predict(np.array([[0.1]]))
