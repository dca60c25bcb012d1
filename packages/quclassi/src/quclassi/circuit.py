"""Circuit layout of QuClassi: trained layers, data encoding and the SWAP-test wiring.

Gate conventions follow PennyLane and Qiskit: ``RY(t) = exp(-i t Y/2)``, ``RZ(t) = exp(-i t Z/2)``,
``RYY(t) = exp(-i t Y⊗Y/2)`` (PennyLane ``IsingYY``, Qiskit ``RYYGate``),
``RZZ(t) = exp(-i t Z⊗Z/2)`` (``IsingZZ``, ``RZZGate``), and ``CRY``/``CRZ`` are RY/RZ controlled
by the first wire.

SWAP-test layout used by the circuit backends, with ``n`` qubits per register: wire 0 is the
ancilla, wires ``1..n`` hold the trained state, wires ``n+1..2n`` hold the data state. The circuit
is H(0), then CSWAP(0, 1+k, n+1+k) for every k, then H(0). The ancilla then reads 0 with
probability ``P(0) = 1/2 + F/2`` where ``F = |<psi_theta|phi_x>|^2``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from quclassi.errors import InvalidInputError, InvalidStructureError

__all__ = [
    "FOUR_TERM_GATES",
    "GATE_NAMES",
    "LAYER_LETTERS",
    "TWO_TERM_GATES",
    "Gate",
    "ancilla_wire",
    "data_wires",
    "encoding_angles",
    "n_parameters",
    "n_qubits_for_features",
    "trained_gates",
    "trained_wires",
    "validate_structure",
]

GATE_NAMES = ("RY", "RZ", "RYY", "RZZ", "CRY", "CRZ")
# Generators with eigenvalues +-1/2 admit the two-term parameter-shift rule, but the controlled
# rotations have eigenvalues {0, +-1/2} and need the four-term rule.
TWO_TERM_GATES = frozenset({"RY", "RZ", "RYY", "RZZ"})
FOUR_TERM_GATES = frozenset({"CRY", "CRZ"})

LAYER_LETTERS = {
    "s": "single-qubit RY, RZ on every qubit",
    "d": "dual-qubit RYY, RZZ on neighbour pairs",
    "c": "controlled CRY, CRZ on neighbour pairs",
}

# Tolerance for features that rounding pushed just outside [0, 1].
_RANGE_TOLERANCE = 1e-9


class Gate(NamedTuple):
    """One parameterised gate of a trained layer.

    Attributes:
        name: One of ``GATE_NAMES``.
        wires: Qubits within the n-qubit trained register, 0-based; for controlled gates the
            control comes first.
        param: Index into one class's parameter vector.
    """

    name: str
    wires: tuple[int, ...]
    param: int


def validate_structure(structure: str, n_qubits: int) -> str:
    """Check a layer structure string against a register size and return it in lower case.

    Args:
        structure: Layer letters applied in order: ``s`` single-qubit, ``d`` dual-qubit,
            ``c`` controlled; for example ``"sd"`` or ``"sdsd"``.
        n_qubits: Number of qubits in the trained register.

    Returns:
        The structure in lower case.

    Raises:
        InvalidStructureError: The string is empty, has a letter other than s, d, c, or has
            ``d``/``c`` with a single qubit.
        InvalidInputError: ``n_qubits`` is not a positive integer.
    """
    if not isinstance(structure, str):
        msg = f"structure must be a string of the letters s, d, c; got {structure!r}"
        raise InvalidStructureError(msg)
    if isinstance(n_qubits, bool) or not isinstance(n_qubits, int | np.integer) or n_qubits < 1:
        msg = f"n_qubits must be a positive integer; got {n_qubits!r}"
        raise InvalidInputError(msg)
    normalised = structure.strip().lower()
    if not normalised:
        msg = "structure is empty; give at least one layer letter, for example 'sd'"
        raise InvalidStructureError(msg)
    unknown = sorted({letter for letter in normalised if letter not in LAYER_LETTERS})
    if unknown:
        allowed = ", ".join(f"{key} ({text})" for key, text in LAYER_LETTERS.items())
        msg = f"unknown layer letters {unknown} in structure {structure!r}; allowed: {allowed}"
        raise InvalidStructureError(msg)
    if n_qubits == 1 and any(letter in "dc" for letter in normalised):
        msg = (
            f"structure {structure!r} has two-qubit layers (d or c), but the register has one "
            "qubit (one or two features); use structure 's' or at least three features"
        )
        raise InvalidStructureError(msg)
    return normalised


def trained_gates(structure: str, n_qubits: int) -> list[Gate]:
    """List the gates of one class's trained circuit, layer by layer in string order.

    ``s`` adds RY(q), RZ(q) for every qubit q; ``d`` adds RYY(i, i+1), RZZ(i, i+1) and ``c`` adds
    CRY(i, i+1), CRZ(i, i+1) for every neighbour pair. Parameters are numbered in that order.

    Args:
        structure: Layer letters, see ``validate_structure``.
        n_qubits: Number of qubits in the trained register.

    Returns:
        The gates in application order.
    """
    structure = validate_structure(structure, n_qubits)
    gates: list[Gate] = []
    for letter in structure:
        if letter == "s":
            for qubit in range(n_qubits):
                gates.append(Gate("RY", (qubit,), len(gates)))
                gates.append(Gate("RZ", (qubit,), len(gates)))
        else:
            first, second = ("RYY", "RZZ") if letter == "d" else ("CRY", "CRZ")
            for qubit in range(n_qubits - 1):
                gates.append(Gate(first, (qubit, qubit + 1), len(gates)))
                gates.append(Gate(second, (qubit, qubit + 1), len(gates)))
    return gates


def n_parameters(structure: str, n_qubits: int) -> int:
    """Return the number of trained parameters of one class."""
    structure = validate_structure(structure, n_qubits)
    return sum(2 * n_qubits if letter == "s" else 2 * (n_qubits - 1) for letter in structure)


def n_qubits_for_features(n_features: int) -> int:
    """Return the register size for ``n_features`` features: two features per qubit."""
    if isinstance(n_features, bool) or not isinstance(n_features, int | np.integer):
        msg = f"n_features must be an integer; got {n_features!r}"
        raise InvalidInputError(msg)
    if n_features < 1:
        msg = f"n_features must be at least 1; got {n_features}"
        raise InvalidInputError(msg)
    return math.ceil(n_features / 2)


def encoding_angles(x_scaled: np.ndarray) -> np.ndarray:
    """Turn features scaled to [0, 1] into the RY, RZ angles of the data qubits.

    Data qubit j takes features 2j and 2j+1 as ``RY(theta[j, 0])`` then ``RZ(theta[j, 1])``
    with ``theta = 2 arcsin(sqrt(x))``, so ``RY`` alone leaves the qubit in |1> with probability
    x. An odd feature count pads the last qubit's second feature with 0 (angle 0).

    Args:
        x_scaled: Array of shape (N, d) with values in [0, 1].

    Returns:
        Array of shape (N, ceil(d/2), 2) of angles in radians.

    Raises:
        InvalidInputError: The array is not 2-D, is empty, has NaN or inf, or has values
            outside [0, 1].
    """
    x = np.asarray(x_scaled, dtype=float)
    if x.ndim != 2:
        msg = f"features must be a 2-D array (samples, features); got shape {x.shape}"
        raise InvalidInputError(msg)
    if x.shape[0] == 0 or x.shape[1] == 0:
        msg = f"features must have at least one sample and one feature; got shape {x.shape}"
        raise InvalidInputError(msg)
    if not np.all(np.isfinite(x)):
        msg = f"features contain {int(np.sum(~np.isfinite(x)))} NaN or infinite values"
        raise InvalidInputError(msg)
    low, high = float(x.min()), float(x.max())
    if low < -_RANGE_TOLERANCE or high > 1 + _RANGE_TOLERANCE:
        msg = (
            f"features must lie in [0, 1] for the arcsin encoding; got values in "
            f"[{low:.6g}, {high:.6g}]; scale them first (the classifier's scaler='minmax')"
        )
        raise InvalidInputError(msg)
    x = np.clip(x, 0.0, 1.0)
    n_samples, n_features = x.shape
    if n_features % 2:
        x = np.concatenate([x, np.zeros((n_samples, 1))], axis=1)
    return (2.0 * np.arcsin(np.sqrt(x))).reshape(n_samples, -1, 2)


def ancilla_wire() -> int:
    """Return the wire of the SWAP-test ancilla."""
    return 0


def trained_wires(n_qubits: int) -> list[int]:
    """Return the SWAP-test wires of the trained register: 1..n."""
    return list(range(1, n_qubits + 1))


def data_wires(n_qubits: int) -> list[int]:
    """Return the SWAP-test wires of the data register: n+1..2n."""
    return list(range(n_qubits + 1, 2 * n_qubits + 1))
