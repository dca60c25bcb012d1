import numpy as np
import pytest

from quclassi.circuit import (
    Gate,
    data_wires,
    encoding_angles,
    n_parameters,
    n_qubits_for_features,
    trained_gates,
    trained_wires,
    validate_structure,
)
from quclassi.errors import InvalidInputError, InvalidStructureError


# Counts by hand: s has 2n parameters, d and c have 2(n-1) each.
@pytest.mark.parametrize(
    ("structure", "n_qubits", "expected"),
    [
        ("s", 2, 4),
        ("sd", 2, 6),
        ("sdc", 2, 8),
        ("s", 8, 16),
        ("sd", 8, 30),
        ("sdc", 8, 44),
        ("sdsd", 3, 20),
        ("s", 1, 2),
    ],
)
def test_parameter_counts(structure, n_qubits, expected):
    assert n_parameters(structure, n_qubits) == expected
    assert len(trained_gates(structure, n_qubits)) == expected


def test_trained_gates_order_sdc_two_qubits():
    # Layer by layer in string order, parameters numbered consecutively.
    expected = [
        Gate("RY", (0,), 0),
        Gate("RZ", (0,), 1),
        Gate("RY", (1,), 2),
        Gate("RZ", (1,), 3),
        Gate("RYY", (0, 1), 4),
        Gate("RZZ", (0, 1), 5),
        Gate("CRY", (0, 1), 6),
        Gate("CRZ", (0, 1), 7),
    ]
    assert trained_gates("sdc", 2) == expected


def test_trained_gates_neighbour_pairs():
    wires = [gate.wires for gate in trained_gates("d", 4)]
    assert wires == [(0, 1), (0, 1), (1, 2), (1, 2), (2, 3), (2, 3)]


def test_structure_upper_case_accepted():
    assert validate_structure("SD", 2) == "sd"


@pytest.mark.parametrize("structure", ["sx", "e", "", "s d", "1"])
def test_structure_unknown_letters_rejected(structure):
    with pytest.raises(InvalidStructureError):
        validate_structure(structure, 2)


def test_structure_error_names_letter_and_choices():
    with pytest.raises(InvalidStructureError, match=r"\['x'\].*allowed: s"):
        validate_structure("sx", 2)


@pytest.mark.parametrize("structure", ["d", "sc", "sdc"])
def test_two_qubit_layers_need_two_qubits(structure):
    with pytest.raises(InvalidStructureError, match="one qubit"):
        validate_structure(structure, 1)


def test_structure_errors_are_value_errors():
    with pytest.raises(ValueError):
        validate_structure("q", 2)


@pytest.mark.parametrize("n_qubits", [0, -1, 1.5, True])
def test_invalid_qubit_count_rejected(n_qubits):
    with pytest.raises(InvalidInputError):
        validate_structure("s", n_qubits)


def test_qubits_for_features():
    assert [n_qubits_for_features(d) for d in (1, 2, 3, 4, 16)] == [1, 1, 2, 2, 8]


def test_encoding_angles_shape_and_values():
    x = np.array([[0.0, 1.0, 0.5, 0.25]])
    angles = encoding_angles(x)
    assert angles.shape == (1, 2, 2)
    # theta = 2 arcsin(sqrt(x)): 0 -> 0, 1 -> pi, 0.5 -> pi/2, 0.25 -> pi/3.
    np.testing.assert_allclose(angles[0], [[0.0, np.pi], [np.pi / 2, np.pi / 3]])


def test_encoding_probability_of_one_equals_feature():
    x = np.linspace(0, 1, 7).reshape(-1, 1)
    angles = encoding_angles(x)
    # RY(theta)|0> = cos(theta/2)|0> + sin(theta/2)|1>, so P(1) = sin^2(theta/2) = x.
    np.testing.assert_allclose(np.sin(angles[:, 0, 0] / 2) ** 2, x[:, 0], atol=1e-15)


def test_encoding_odd_feature_count_padded_with_zero():
    angles = encoding_angles(np.array([[0.3, 0.6, 0.9]]))
    assert angles.shape == (1, 2, 2)
    assert angles[0, 1, 1] == 0.0


@pytest.mark.parametrize("value", [-0.1, 1.1])
def test_encoding_rejects_values_outside_unit_interval(value):
    with pytest.raises(InvalidInputError, match=r"\[0, 1\].*scaler"):
        encoding_angles(np.array([[0.5, value]]))


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_encoding_rejects_non_finite(value):
    with pytest.raises(InvalidInputError, match="NaN or infinite"):
        encoding_angles(np.array([[0.5, value]]))


def test_encoding_rejects_wrong_dimensionality():
    with pytest.raises(InvalidInputError, match="2-D"):
        encoding_angles(np.array([0.5, 0.5]))


def test_swap_test_wires():
    assert trained_wires(3) == [1, 2, 3]
    assert data_wires(3) == [4, 5, 6]
