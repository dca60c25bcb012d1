"""PennyLane backend: the full SWAP-test circuit as a QNode.

The circuit runs on ``default.qubit`` or ``lightning.qubit``. It has ``2n + 1`` wires (ancilla,
trained register, data register, laid out as in ``quclassi.circuit``) and measures only the
ancilla. Exact mode returns the ancilla's probabilities, shot mode samples them, and the
fidelity is ``F = 2 P(0) - 1``. All samples go to the QNode as one broadcast batch.
``default.qubit`` simulates that batch natively, while ``lightning.qubit`` runs one circuit per
sample.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np

from quclassi.backends import check_fidelity_inputs, check_shots, fidelities_from_p0
from quclassi.circuit import Gate, n_parameters, trained_gates, validate_structure
from quclassi.errors import InvalidInputError, MissingDependencyError

__all__ = ["SUPPORTED_DEVICES", "PennyLaneBackend", "swap_test_qnode"]

logger = logging.getLogger(__name__)

SUPPORTED_DEVICES = ("default.qubit", "lightning.qubit")

# PennyLane operation class names for the gate names of quclassi.circuit.
_OPERATIONS = {
    "RY": "RY",
    "RZ": "RZ",
    "RYY": "IsingYY",
    "RZZ": "IsingZZ",
    "CRY": "CRY",
    "CRZ": "CRZ",
}

# A broadcast batch on default.qubit stores one (2n+1)-qubit state per sample, so large
# registers are split into chunks of at most this many complex amplitudes (256 MiB).
_MAX_BATCH_AMPLITUDES = 2**24


def import_pennylane() -> Any:
    """Import PennyLane, or raise ``MissingDependencyError`` with the install line."""
    try:
        import pennylane
    except ImportError as err:
        msg = (
            "the 'pennylane' backend needs PennyLane, which is not installed; "
            "run: pip install 'quclassi[pennylane]'"
        )
        raise MissingDependencyError(msg) from err
    return pennylane


def _check_device(device: str) -> str:
    if device not in SUPPORTED_DEVICES:
        msg = f"unknown PennyLane device {device!r}; use one of {', '.join(SUPPORTED_DEVICES)}"
        raise InvalidInputError(msg)
    return device


def apply_swap_test(qml: Any, gates: list[Gate], n_qubits: int, params: Any, angles: Any) -> None:
    """Queue the SWAP-test circuit's gates on the active PennyLane tape.

    Args:
        qml: The imported ``pennylane`` module.
        gates: One class's trained gates from ``trained_gates``.
        n_qubits: Qubits per register.
        params: One class's parameter vector (P,).
        angles: Encoding angles (n, 2) for one sample, or (N, n, 2) to broadcast over samples.
    """
    for qubit in range(n_qubits):
        wire = n_qubits + 1 + qubit
        qml.RY(angles[..., qubit, 0], wires=wire)
        qml.RZ(angles[..., qubit, 1], wires=wire)
    for gate in gates:
        operation = getattr(qml, _OPERATIONS[gate.name])
        operation(params[gate.param], wires=[1 + wire for wire in gate.wires])
    qml.Hadamard(wires=0)
    for qubit in range(n_qubits):
        qml.CSWAP(wires=[0, 1 + qubit, n_qubits + 1 + qubit])
    qml.Hadamard(wires=0)


def swap_test_qnode(
    structure: str,
    n_qubits: int,
    *,
    device: str = "default.qubit",
    shots: int | None = None,
    seed: int | None = None,
    measurement: str = "probs",
    diff_method: str = "best",
) -> Callable[[Any, Any], Any]:
    """Build the SWAP-test circuit of one class as a PennyLane QNode.

    The QNode takes ``(params, angles)``: one class's parameter vector (P,) and the encoding
    angles of one sample (n, 2) or of a batch (N, n, 2), which PennyLane broadcasts.

    Args:
        structure: Layer letters of the trained state, for example ``"sd"``.
        n_qubits: Qubits per register; the circuit has ``2 n_qubits + 1`` wires.
        device: ``"default.qubit"`` or ``"lightning.qubit"``.
        shots: Shots per circuit, or ``None`` for exact probabilities.
        seed: Seed of the device's sampler; only used with shots.
        measurement: ``"probs"`` returns the ancilla probabilities ``[P(0), P(1)]``;
            ``"expval"`` returns ``<Z>`` of the ancilla, which equals ``2 P(0) - 1 = F``.
            Adjoint differentiation on ``lightning.qubit`` supports only ``"expval"``.
        diff_method: PennyLane differentiation method, for example ``"parameter-shift"``,
            ``"backprop"`` or ``"adjoint"``.

    Returns:
        The QNode.
    """
    qml = import_pennylane()
    structure = validate_structure(structure, n_qubits)
    _check_device(device)
    shots = check_shots(shots)
    if measurement not in ("probs", "expval"):
        msg = f"measurement must be 'probs' or 'expval'; got {measurement!r}"
        raise InvalidInputError(msg)
    gates = trained_gates(structure, n_qubits)
    dev = qml.device(device, wires=2 * n_qubits + 1, seed=seed)

    def circuit(params: Any, angles: Any) -> Any:
        apply_swap_test(qml, gates, n_qubits, params, angles)
        if measurement == "probs":
            return qml.probs(wires=0)
        return qml.expval(qml.PauliZ(0))

    qnode = qml.QNode(circuit, dev, diff_method=diff_method)
    if shots is not None:
        qnode = qml.set_shots(qnode, shots=shots)
    return qnode


class PennyLaneBackend:
    """Fidelities from the SWAP-test circuit simulated by PennyLane.

    Args:
        device: ``"default.qubit"`` (native parameter broadcasting) or ``"lightning.qubit"``
            (C++ state vector; PennyLane splits a broadcast batch into one circuit per sample).
        shots: Shots per circuit and sample, or ``None`` for exact probabilities.
        seed: Seed of the shot sampler; the same seed gives the same estimates.
        broadcast: Pass all samples to one QNode call (parameter broadcasting). ``False`` runs
            one QNode call per sample, as a hand-written PennyLane loop would.
    """

    name = "pennylane"

    def __init__(
        self,
        device: str = "default.qubit",
        shots: int | None = None,
        seed: int | None = None,
        broadcast: bool = True,
    ) -> None:
        self.device = _check_device(device)
        self.shots = check_shots(shots)
        self.seed = seed
        self.broadcast = bool(broadcast)
        self._qnodes: dict[tuple[str, int, str, str], Callable[[Any, Any], Any]] = {}
        # One generator seeds every QNode this backend builds, so repeated calls draw fresh
        # shot noise while a run as a whole stays reproducible.
        self._seeds = np.random.default_rng(seed)

    def __repr__(self) -> str:
        return (
            f"PennyLaneBackend(device={self.device!r}, shots={self.shots!r}, "
            f"seed={self.seed!r}, broadcast={self.broadcast!r})"
        )

    def _qnode(
        self, structure: str, n_qubits: int, measurement: str, diff_method: str
    ) -> Callable[[Any, Any], Any]:
        key = (structure, n_qubits, measurement, diff_method)
        if key not in self._qnodes:
            device_seed = None if self.shots is None else int(self._seeds.integers(2**31))
            self._qnodes[key] = swap_test_qnode(
                structure,
                n_qubits,
                device=self.device,
                shots=self.shots,
                seed=device_seed,
                measurement=measurement,
                diff_method=diff_method,
            )
        return self._qnodes[key]

    def _chunk_size(self, n_qubits: int, n_samples: int) -> int:
        if not self.broadcast:
            return 1
        return max(1, min(n_samples, _MAX_BATCH_AMPLITUDES >> (2 * n_qubits + 1)))

    def ancilla_p0(
        self, structure: str, n_qubits: int, params: np.ndarray, angles: np.ndarray
    ) -> np.ndarray:
        """Return the probability (or shot frequency) of reading 0 on the ancilla.

        Args:
            structure: Layer letters of the trained states.
            n_qubits: Qubits per register.
            params: Parameters of every class, shape (C, P).
            angles: Encoding angles, shape (N, n, 2).

        Returns:
            Array (N, C) of P(0) values, ``1/2 + F/2`` in exact mode.
        """
        structure, params, angles = check_fidelity_inputs(structure, n_qubits, params, angles)
        qnode = self._qnode(structure, n_qubits, "probs", "best")
        n_samples = angles.shape[0]
        chunk = self._chunk_size(n_qubits, n_samples)
        p0 = np.empty((n_samples, params.shape[0]))
        for label, class_params in enumerate(params):
            for start in range(0, n_samples, chunk):
                batch = angles[start : start + chunk]
                if chunk == 1:
                    batch = batch[0]
                probs = np.asarray(qnode(class_params, batch), dtype=float)
                p0[start : start + chunk, label] = probs[..., 0]
        return p0

    def fidelities(
        self, structure: str, n_qubits: int, params: np.ndarray, angles: np.ndarray
    ) -> np.ndarray:
        """Return the fidelity of every sample with every class's trained state.

        Args:
            structure: Layer letters of the trained states.
            n_qubits: Qubits per register.
            params: Parameters of every class, shape (C, P).
            angles: Encoding angles, shape (N, n, 2).

        Returns:
            Array (N, C) with values in [0, 1]. With shots, estimates below 0 are clipped to 0
            with one ``FidelityClippedWarning``.
        """
        p0 = self.ancilla_p0(structure, n_qubits, params, angles)
        if self.shots is None:
            # Exact probabilities leave [0, 1] only by rounding, which needs no warning.
            return np.clip(2.0 * p0 - 1.0, 0.0, 1.0)
        return fidelities_from_p0(p0)

    def fidelity_jacobian(
        self,
        structure: str,
        n_qubits: int,
        class_params: np.ndarray,
        angles: np.ndarray,
        diff_method: str = "best",
    ) -> np.ndarray:
        """Differentiate one class's fidelities with respect to its parameters.

        The QNode measures ``<Z>`` of the ancilla, which equals F, and PennyLane
        differentiates it with ``diff_method``.

        NOTE: ``qml.jacobian`` differentiates each broadcast output separately, so the cost
        grows faster than linearly in the sample count: 4 times the samples took about 6.5
        times as long on ``lightning.qubit`` at n = 6. For a training gradient, differentiate
        the scalar loss instead, as ``quclassi.benchmark`` does.

        Args:
            structure: Layer letters of the trained state.
            n_qubits: Qubits per register.
            class_params: One class's parameters, shape (P,).
            angles: Encoding angles, shape (N, n, 2).
            diff_method: ``"best"``, ``"parameter-shift"``, ``"backprop"`` (default.qubit) or
                ``"adjoint"``.

        Returns:
            Array (N, P) of dF/dtheta.
        """
        qml = import_pennylane()
        class_params = np.asarray(class_params, dtype=float)
        structure, params, angles = check_fidelity_inputs(
            structure, n_qubits, class_params.reshape(1, -1), angles
        )
        qnode = self._qnode(structure, n_qubits, "expval", diff_method)
        jacobian = qml.jacobian(qnode, argnums=0)
        trainable = qml.numpy.array(params[0], requires_grad=True)
        n_samples = angles.shape[0]
        chunk = self._chunk_size(n_qubits, n_samples)
        result = np.empty((n_samples, n_parameters(structure, n_qubits)))
        for start in range(0, n_samples, chunk):
            batch = angles[start : start + chunk]
            if chunk == 1:
                batch = batch[0]
            batch = qml.numpy.array(batch, requires_grad=False)
            result[start : start + chunk] = np.asarray(jacobian(trainable, batch), dtype=float)
        return result
