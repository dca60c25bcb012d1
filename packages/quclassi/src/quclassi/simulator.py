"""Exact statevector simulation of QuClassi fidelities, batched over classes and samples.

The data state is a product state and the trained state does not depend on the sample, so the
SWAP test never needs simulating. Each class's n-qubit trained state is computed once, all data
states are built as one batched Kronecker product, and one matrix product gives every overlap.
The ideal SWAP test then reads ``P(0) = 1/2 + F/2``.

States are complex arrays of length ``2**n`` with wire 0 as the most significant bit, the
ordering PennyLane and the ``circuit`` module's wire lists use.
"""

from __future__ import annotations

import numpy as np

from quclassi.circuit import Gate, trained_gates

__all__ = [
    "apply_gate",
    "data_states",
    "fidelity_jacobian",
    "fidelity_vjp",
    "gate_derivatives",
    "gate_matrices",
    "overlaps",
    "trained_states",
]

_Y = np.array([[0, -1j], [1j, 0]])
_Z = np.array([[1, 0], [0, -1]], dtype=complex)
_PAULI_WORDS = {"RY": _Y, "RZ": _Z, "RYY": np.kron(_Y, _Y), "RZZ": np.kron(_Z, _Z)}
_CONTROLLED_BASE = {"CRY": "RY", "CRZ": "RZ"}


def gate_matrices(name: str, thetas: np.ndarray) -> np.ndarray:
    """Return the unitaries of one gate type for a batch of angles.

    Args:
        name: One of ``circuit.GATE_NAMES``.
        thetas: Angles in radians, shape (K,).

    Returns:
        Complex array (K, 2, 2) for one-qubit gates or (K, 4, 4) for two-qubit gates, with
        ``R(t) = exp(-i t P / 2)`` and the control of CRY/CRZ as the first (most significant) wire.
    """
    thetas = np.asarray(thetas, dtype=float)
    if name in _CONTROLLED_BASE:
        base = gate_matrices(_CONTROLLED_BASE[name], thetas)
        out = np.zeros((thetas.size, 4, 4), dtype=complex)
        out[:, 0, 0] = out[:, 1, 1] = 1.0
        out[:, 2:, 2:] = base
        return out
    word = _PAULI_WORDS[name]
    half = thetas.reshape(-1, 1, 1) / 2.0
    identity = np.eye(word.shape[0])
    return np.cos(half) * identity - 1j * np.sin(half) * word


def gate_derivatives(name: str, thetas: np.ndarray) -> np.ndarray:
    """Return ``dU/dtheta`` of one gate type for a batch of angles, same shapes as the gates.

    For ``U(t) = exp(-i t P / 2)`` with ``P**2 = I``, ``dU/dt = U(t + pi) / 2``. A controlled
    rotation has that derivative in its target block and zeros elsewhere.
    """
    thetas = np.asarray(thetas, dtype=float)
    if name in _CONTROLLED_BASE:
        out = np.zeros((thetas.size, 4, 4), dtype=complex)
        out[:, 2:, 2:] = gate_derivatives(_CONTROLLED_BASE[name], thetas)
        return out
    return 0.5 * gate_matrices(name, thetas + np.pi)


def apply_gate(states: np.ndarray, matrices: np.ndarray, gate: Gate, n_qubits: int) -> np.ndarray:
    """Apply one gate to a batch of states, each with its own matrix.

    Args:
        states: Complex array (K, 2**n_qubits).
        matrices: Complex array (K, d, d) with d = 2 for one wire, 4 for a neighbour pair.
        gate: The gate; two-qubit gates must act on neighbouring wires (i, i+1).
        n_qubits: Qubits per state.

    Returns:
        The new states, shape (K, 2**n_qubits).
    """
    first = gate.wires[0]
    span = len(gate.wires)
    if span == 2 and gate.wires[1] != first + 1:
        msg = f"two-qubit gates must act on neighbouring wires (i, i+1); got {gate.wires}"
        raise ValueError(msg)
    dim = 2**span
    n_states = states.shape[0]
    before = 2**first
    after = 2 ** (n_qubits - first - span)
    blocks = states.reshape(n_states, before, dim, after)
    return np.matmul(matrices[:, None], blocks).reshape(n_states, -1)


def _initial_states(n_states: int, n_qubits: int) -> np.ndarray:
    states = np.zeros((n_states, 2**n_qubits), dtype=complex)
    states[:, 0] = 1.0
    return states


def trained_states(
    structure: str, n_qubits: int, params: np.ndarray, gates: list[Gate] | None = None
) -> np.ndarray:
    """Simulate the trained circuit from |0...0> for every row of ``params``.

    Args:
        structure: Layer letters, for example ``"sd"``.
        n_qubits: Qubits in the trained register.
        params: Array (K, P), one parameter vector per row.
        gates: ``trained_gates(structure, n_qubits)``, when the caller has it already; loops
            that simulate many tiny batches pass it to skip rebuilding the list.

    Returns:
        Complex array (K, 2**n_qubits) of normalised states.
    """
    params = np.atleast_2d(np.asarray(params, dtype=float))
    states = _initial_states(params.shape[0], n_qubits)
    for gate in gates if gates is not None else trained_gates(structure, n_qubits):
        states = apply_gate(states, gate_matrices(gate.name, params[:, gate.param]), gate, n_qubits)
    return states


def data_states(angles: np.ndarray) -> np.ndarray:
    """Build the product states ``RZ(b_j) RY(a_j) |0>`` of all samples.

    Args:
        angles: Array (N, n, 2) with the RY angle ``a_j`` and RZ angle ``b_j`` of each qubit.

    Returns:
        Complex array (N, 2**n), wire 0 most significant.
    """
    angles = np.asarray(angles, dtype=float)
    ry_half = angles[..., 0] / 2.0
    rz_half = angles[..., 1] / 2.0
    # RZ(b) RY(a)|0> = cos(a/2) e^{-ib/2} |0> + sin(a/2) e^{ib/2} |1>.
    qubits = np.stack(
        [np.cos(ry_half) * np.exp(-1j * rz_half), np.sin(ry_half) * np.exp(1j * rz_half)],
        axis=-1,
    )
    states = qubits[:, 0, :]
    for index in range(1, qubits.shape[1]):
        states = (states[:, :, None] * qubits[:, index, None, :]).reshape(states.shape[0], -1)
    return states


def overlaps(data: np.ndarray, states: np.ndarray) -> np.ndarray:
    """Return the inner products ``<phi_i|psi_k>`` as a complex array (N, K)."""
    # A contiguous right operand keeps numpy on its fast BLAS path; the transposed view is
    # over ten times slower for tall data matrices.
    return data.conj() @ np.ascontiguousarray(states.T)


def fidelity_jacobian(
    structure: str, n_qubits: int, params: np.ndarray, data: np.ndarray
) -> np.ndarray:
    """Compute the exact Jacobian ``dF[i, c] / dparams[c, k]`` by forward differentiation.

    For every class and parameter the circuit is rerun with that one gate replaced by its
    derivative, which gives ``d psi / d theta_k`` for all k in one batched pass. Then
    ``dF/dtheta_k = 2 Re(conj(<phi|psi>) <phi|d psi/d theta_k>)``.

    Args:
        structure: Layer letters.
        n_qubits: Qubits per register.
        params: Array (C, P) of class parameters.
        data: Data states (N, 2**n_qubits) from ``data_states``.

    Returns:
        Real array (N, C, P).
    """
    params = np.atleast_2d(np.asarray(params, dtype=float))
    n_classes, n_params = params.shape
    gates = trained_gates(structure, n_qubits)
    # Batch element (c, k) differentiates class c with respect to parameter k.
    states = _initial_states(n_classes * n_params, n_qubits)
    for gate in gates:
        thetas = params[:, gate.param]
        matrices = np.repeat(gate_matrices(gate.name, thetas)[:, None], n_params, axis=1)
        matrices[:, gate.param] = gate_derivatives(gate.name, thetas)
        matrices = matrices.reshape(n_classes * n_params, *matrices.shape[2:])
        states = apply_gate(states, matrices, gate, n_qubits)
    amplitudes = overlaps(data, trained_states(structure, n_qubits, params))
    derivative_amplitudes = overlaps(data, states).reshape(data.shape[0], n_classes, n_params)
    return 2.0 * np.real(amplitudes.conj()[:, :, None] * derivative_amplitudes)


def fidelity_vjp(
    structure: str, n_qubits: int, params: np.ndarray, data: np.ndarray, cotangent: np.ndarray
) -> np.ndarray:
    """Compute ``sum_i cotangent[i, c] * dF[i, c] / dparams[c, k]`` by adjoint differentiation.

    This is the gradient of any loss ``L(F)`` when ``cotangent = dL/dF``. One backward sweep
    through the gates per class replaces the per-parameter circuits of the shift rule: with
    ``|lam> = sum_i cotangent[i] <phi_i|psi> |phi_i>`` the gradient of parameter k is
    ``2 Re(<lam_k| dU_k |psi_{k-1}>)``, where ``lam_k`` and ``psi_{k-1}`` are ``lam`` and
    ``psi`` un-computed back through the later gates.

    Args:
        structure: Layer letters.
        n_qubits: Qubits per register.
        params: Array (C, P) of class parameters.
        data: Data states (N, 2**n_qubits) from ``data_states``.
        cotangent: Real array (N, C), the weight of each fidelity.

    Returns:
        Real array (C, P).
    """
    params = np.atleast_2d(np.asarray(params, dtype=float))
    gates = trained_gates(structure, n_qubits)
    psi = trained_states(structure, n_qubits, params)
    amplitudes = overlaps(data, psi)
    lam = (np.asarray(cotangent, dtype=float) * amplitudes).T @ data
    gradient = np.zeros(params.shape)
    for gate in reversed(gates):
        thetas = params[:, gate.param]
        inverse = np.conj(np.swapaxes(gate_matrices(gate.name, thetas), 1, 2))
        psi = apply_gate(psi, inverse, gate, n_qubits)
        derivative_psi = apply_gate(psi, gate_derivatives(gate.name, thetas), gate, n_qubits)
        gradient[:, gate.param] = 2.0 * np.real(np.sum(lam.conj() * derivative_psi, axis=1))
        lam = apply_gate(lam, inverse, gate, n_qubits)
    return gradient
