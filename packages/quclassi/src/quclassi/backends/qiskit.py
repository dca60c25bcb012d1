"""Qiskit backend: the SWAP-test circuit run on Qiskit Aer with shots and an optional noise model.

Exact mode (``shots=None``) reads the ancilla probabilities from
``qiskit.quantum_info.Statevector``. Shot mode runs the measured circuit on ``AerSimulator``,
optionally with an Aer ``NoiseModel``. The circuit builders here are also used by the IonQ
backend and by circuit export.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from quclassi.backends import check_fidelity_inputs, check_shots, fidelities_from_p0
from quclassi.circuit import trained_gates, validate_structure
from quclassi.errors import InvalidInputError, MissingDependencyError

__all__ = ["QiskitBackend", "bind_swap_test", "swap_test_template"]

logger = logging.getLogger(__name__)

# Circuits submitted to Aer in one job, which bounds the memory the bound circuits take.
_CIRCUITS_PER_JOB = 2000


def import_qiskit(extra: str = "qiskit") -> Any:
    """Import Qiskit, or raise ``MissingDependencyError`` naming the install line."""
    try:
        import qiskit
    except ImportError as err:
        msg = f"Qiskit is not installed; run: pip install 'quclassi[{extra}]'"
        raise MissingDependencyError(msg) from err
    return qiskit


def _import_aer() -> Any:
    try:
        import qiskit_aer
    except ImportError as err:
        msg = "the 'qiskit' backend needs Qiskit Aer; run: pip install 'quclassi[qiskit]'"
        raise MissingDependencyError(msg) from err
    return qiskit_aer


def swap_test_template(
    structure: str, n_qubits: int, *, measure: bool = True, name: str = "quclassi_swap_test"
) -> tuple[Any, Any, Any]:
    """Build the parameterised SWAP-test circuit of one class.

    Wire 0 is the ancilla, wires ``1..n`` the trained register and ``n+1..2n`` the data
    register. Qiskit numbers bits little-endian, but only the ancilla is measured, into
    classical bit 0, so the counts have the keys ``"0"`` and ``"1"``.

    Args:
        structure: Layer letters of the trained state, for example ``"sd"``.
        n_qubits: Qubits per register; the circuit has ``2 n_qubits + 1`` qubits.
        measure: Add the measurement of the ancilla.
        name: Circuit name, kept by Qiskit and in the IonQ payload.

    Returns:
        ``(circuit, theta, x)``: the circuit and its two ``ParameterVector`` objects, ``theta``
        with one class's P trained parameters and ``x`` with the 2n encoding angles in the
        order RY(qubit 0), RZ(qubit 0), RY(qubit 1), ...
    """
    qiskit = import_qiskit()
    from qiskit.circuit import ParameterVector

    structure = validate_structure(structure, n_qubits)
    gates = trained_gates(structure, n_qubits)
    theta = ParameterVector("theta", len(gates))
    x = ParameterVector("x", 2 * n_qubits)
    circuit = qiskit.QuantumCircuit(2 * n_qubits + 1, 1 if measure else 0, name=name)

    for qubit in range(n_qubits):
        circuit.ry(x[2 * qubit], n_qubits + 1 + qubit)
        circuit.rz(x[2 * qubit + 1], n_qubits + 1 + qubit)

    for gate in gates:
        wires = [1 + wire for wire in gate.wires]
        angle = theta[gate.param]
        if gate.name == "RY":
            circuit.ry(angle, wires[0])
        elif gate.name == "RZ":
            circuit.rz(angle, wires[0])
        elif gate.name == "RYY":
            circuit.ryy(angle, *wires)
        elif gate.name == "RZZ":
            circuit.rzz(angle, *wires)
        elif gate.name == "CRY":
            circuit.cry(angle, *wires)
        else:
            circuit.crz(angle, *wires)

    circuit.h(0)
    for qubit in range(n_qubits):
        circuit.cswap(0, 1 + qubit, n_qubits + 1 + qubit)
    circuit.h(0)
    if measure:
        circuit.measure(0, 0)
    return circuit, theta, x


def bind_swap_test(
    template: tuple[Any, Any, Any], class_params: np.ndarray, sample_angles: np.ndarray
) -> Any:
    """Assign one class's parameters and one sample's angles (n, 2) to a template circuit."""
    circuit, theta, x = template
    values = {theta: np.asarray(class_params, dtype=float).tolist()}
    values[x] = np.asarray(sample_angles, dtype=float).reshape(-1).tolist()
    bound = circuit.assign_parameters(values)
    # Qiskit gives the copy a numbered name; keep the template's name for exports.
    bound.name = circuit.name
    return bound


class QiskitBackend:
    """Fidelities from the SWAP-test circuit simulated with Qiskit.

    Args:
        shots: Shots per circuit (one circuit per sample and class) on ``AerSimulator``, or
            ``None`` for exact probabilities from ``qiskit.quantum_info.Statevector``.
        noise_model: A ``qiskit_aer.noise.NoiseModel`` applied by Aer; needs ``shots``.
        seed: Seed of Aer's sampler; the same seed gives the same estimates.
    """

    name = "qiskit"

    def __init__(
        self, shots: int | None = None, noise_model: Any = None, seed: int | None = None
    ) -> None:
        self.shots = check_shots(shots)
        if noise_model is not None and self.shots is None:
            msg = "a noise model needs shot-based simulation; pass shots, for example 4096"
            raise InvalidInputError(msg)
        self.noise_model = noise_model
        self.seed = seed
        self._seeds = np.random.default_rng(seed)
        self._templates: dict[tuple[str, int, bool], tuple[Any, Any, Any]] = {}
        self._simulator: Any = None

    def __repr__(self) -> str:
        noise = "None" if self.noise_model is None else type(self.noise_model).__name__
        return f"QiskitBackend(shots={self.shots!r}, noise_model={noise}, seed={self.seed!r})"

    def _template(self, structure: str, n_qubits: int, measure: bool) -> tuple[Any, Any, Any]:
        key = (structure, n_qubits, measure)
        if key not in self._templates:
            template = swap_test_template(structure, n_qubits, measure=measure)
            if measure:
                # Transpile once with free parameters; binding afterwards keeps the gate list.
                qiskit = import_qiskit()
                circuit = qiskit.transpile(template[0], self._aer_simulator())
                template = (circuit, template[1], template[2])
            self._templates[key] = template
        return self._templates[key]

    def _aer_simulator(self) -> Any:
        if self._simulator is None:
            aer = _import_aer()
            self._simulator = aer.AerSimulator(noise_model=self.noise_model)
        return self._simulator

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
            Array (N, C) of P(0) values, ``1/2 + F/2`` without noise and shots.
        """
        structure, params, angles = check_fidelity_inputs(structure, n_qubits, params, angles)
        if self.shots is None:
            return self._exact_p0(structure, n_qubits, params, angles)
        return self._sampled_p0(structure, n_qubits, params, angles)

    def _exact_p0(
        self, structure: str, n_qubits: int, params: np.ndarray, angles: np.ndarray
    ) -> np.ndarray:
        from qiskit.quantum_info import Statevector

        template = self._template(structure, n_qubits, measure=False)
        p0 = np.empty((angles.shape[0], params.shape[0]))
        for sample, sample_angles in enumerate(angles):
            for label, class_params in enumerate(params):
                state = Statevector(bind_swap_test(template, class_params, sample_angles))
                p0[sample, label] = state.probabilities([0])[0]
        return p0

    def _sampled_p0(
        self, structure: str, n_qubits: int, params: np.ndarray, angles: np.ndarray
    ) -> np.ndarray:
        template = self._template(structure, n_qubits, measure=True)
        simulator = self._aer_simulator()
        pairs = [
            (sample, label) for sample in range(angles.shape[0]) for label in range(len(params))
        ]
        p0 = np.empty((angles.shape[0], params.shape[0]))
        for start in range(0, len(pairs), _CIRCUITS_PER_JOB):
            batch = pairs[start : start + _CIRCUITS_PER_JOB]
            circuits = [
                bind_swap_test(template, params[label], angles[sample]) for sample, label in batch
            ]
            # Aer adds the circuit index to this seed, so circuits in one job differ.
            job_seed = int(self._seeds.integers(2**31))
            result = simulator.run(circuits, shots=self.shots, seed_simulator=job_seed).result()
            for index, (sample, label) in enumerate(batch):
                counts = result.get_counts(index)
                p0[sample, label] = counts.get("0", 0) / self.shots
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
            Array (N, C) of ``2 P(0) - 1`` within [0, 1]. With shots, estimates below 0 are
            clipped to 0 with one ``FidelityClippedWarning``.
        """
        p0 = self.ancilla_p0(structure, n_qubits, params, angles)
        if self.shots is None:
            # Exact probabilities leave [0, 1] only by rounding, which needs no warning.
            return np.clip(2.0 * p0 - 1.0, 0.0, 1.0)
        return fidelities_from_p0(p0)
