"""Exact gradients of QuClassi fidelities: the parameter-shift rule and adjoint differentiation.

The parameter-shift rule works through any backend's ``fidelities``, so shot-based, noisy and
hardware backends can train. For ``R(t) = exp(-i t P / 2)`` with ``P**2 = I`` (RY, RZ, RYY, RZZ)
it is the two-term rule ``dF/dt = [F(t + pi/2) - F(t - pi/2)] / 2``. The controlled rotations
CRY and CRZ have generator eigenvalues {0, +-1/2} and need the four-term rule
``dF/dt = a [F(t + pi/2) - F(t - pi/2)] - b [F(t + 3pi/2) - F(t - 3pi/2)]`` with
``a = (sqrt(2) + 1) / (4 sqrt(2))`` and ``b = (sqrt(2) - 1) / (4 sqrt(2))``, the recipe given
in the documentation of PennyLane 0.45's ``CRY`` and ``CRZ``.

On the exact analytic backend, adjoint differentiation of the n-qubit state gives the same
gradient from one backward sweep.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from quclassi.backends import Backend, check_fidelity_inputs
from quclassi.circuit import FOUR_TERM_GATES, trained_gates
from quclassi.errors import InvalidInputError

__all__ = [
    "DIFF_METHODS",
    "fidelity_jacobian",
    "fidelity_vjp",
    "parameter_shift_jacobian",
    "shift_rule",
    "supports_adjoint",
]

DIFF_METHODS = ("auto", "adjoint", "parameter-shift")

_FOUR_TERM_NEAR = (math.sqrt(2) + 1) / (4 * math.sqrt(2))
_FOUR_TERM_FAR = (math.sqrt(2) - 1) / (4 * math.sqrt(2))


def shift_rule(gate_name: str) -> list[tuple[float, float]]:
    """Return the (coefficient, shift) terms of the exact parameter-shift rule for a gate type."""
    if gate_name in FOUR_TERM_GATES:
        return [
            (_FOUR_TERM_NEAR, math.pi / 2),
            (-_FOUR_TERM_NEAR, -math.pi / 2),
            (-_FOUR_TERM_FAR, 3 * math.pi / 2),
            (_FOUR_TERM_FAR, -3 * math.pi / 2),
        ]
    return [(0.5, math.pi / 2), (-0.5, -math.pi / 2)]


def parameter_shift_jacobian(
    backend: Backend, structure: str, n_qubits: int, params: np.ndarray, angles: np.ndarray
) -> np.ndarray:
    """Compute ``dF[i, c] / dparams[c, k]`` with the exact parameter-shift rule.

    All shifted parameter vectors of all classes go to the backend as rows of one
    ``fidelities`` call, so batched backends evaluate them together.

    Args:
        backend: Any backend.
        structure: Layer letters.
        n_qubits: Qubits per register.
        params: Array (C, P) of class parameters.
        angles: Array (N, n_qubits, 2) of encoding angles.

    Returns:
        Real array (N, C, P).
    """
    structure, params, angles = check_fidelity_inputs(structure, n_qubits, params, angles)
    n_classes, n_params = params.shape
    rows: list[np.ndarray] = []
    # Each entry: (class, parameter, coefficient, row index in the batch).
    terms: list[tuple[int, int, float, int]] = []
    for gate in trained_gates(structure, n_qubits):
        for coefficient, shift in shift_rule(gate.name):
            for class_index in range(n_classes):
                shifted = params[class_index].copy()
                shifted[gate.param] += shift
                terms.append((class_index, gate.param, coefficient, len(rows)))
                rows.append(shifted)
    fidelities = backend.fidelities(structure, n_qubits, np.array(rows), angles)
    jacobian = np.zeros((angles.shape[0], n_classes, n_params))
    for class_index, param_index, coefficient, row in terms:
        jacobian[:, class_index, param_index] += coefficient * fidelities[:, row]
    return jacobian


def supports_adjoint(backend: Backend) -> bool:
    """Return whether the backend offers exact adjoint gradients (analytic backend, no shots)."""
    return bool(getattr(backend, "exact", False)) and hasattr(backend, "vjp")


def _resolve(backend: Backend, diff_method: str) -> Literal["adjoint", "parameter-shift"]:
    if diff_method not in DIFF_METHODS:
        msg = f"diff_method must be one of {', '.join(DIFF_METHODS)}; got {diff_method!r}"
        raise InvalidInputError(msg)
    if diff_method == "auto":
        return "adjoint" if supports_adjoint(backend) else "parameter-shift"
    if diff_method == "adjoint" and not supports_adjoint(backend):
        msg = (
            "diff_method='adjoint' needs the exact analytic backend (backend='analytic', "
            "shots=None); use diff_method='parameter-shift' for other backends or shots"
        )
        raise InvalidInputError(msg)
    return diff_method  # type: ignore[return-value]


def fidelity_jacobian(
    backend: Backend,
    structure: str,
    n_qubits: int,
    params: np.ndarray,
    angles: np.ndarray,
    diff_method: str = "auto",
) -> np.ndarray:
    """Compute the Jacobian (N, C, P) of the fidelities by adjoint or parameter shift.

    Args:
        backend: The backend that computes fidelities.
        structure: Layer letters.
        n_qubits: Qubits per register.
        params: Array (C, P) of class parameters.
        angles: Array (N, n_qubits, 2) of encoding angles.
        diff_method: ``"auto"`` (adjoint where the backend supports it, otherwise parameter
            shift), ``"adjoint"`` or ``"parameter-shift"``.
    """
    if _resolve(backend, diff_method) == "adjoint":
        return backend.jacobian(structure, n_qubits, params, angles)  # type: ignore[attr-defined]
    return parameter_shift_jacobian(backend, structure, n_qubits, params, angles)


def fidelity_vjp(
    backend: Backend,
    structure: str,
    n_qubits: int,
    params: np.ndarray,
    angles: np.ndarray,
    cotangent: np.ndarray,
    diff_method: str = "auto",
) -> np.ndarray:
    """Compute ``sum_i cotangent[i, c] dF[i, c] / dparams[c, k]``, shape (C, P).

    With ``cotangent = dL/dF`` this is the gradient of a loss ``L(F)``. The arguments are those
    of ``fidelity_jacobian`` plus ``cotangent``, a real array (N, C).
    """
    if _resolve(backend, diff_method) == "adjoint":
        return backend.vjp(structure, n_qubits, params, angles, cotangent)  # type: ignore[attr-defined]
    jacobian = parameter_shift_jacobian(backend, structure, n_qubits, params, angles)
    return np.einsum("ic,ick->ck", np.asarray(cotangent, dtype=float), jacobian)
