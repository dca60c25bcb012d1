import socket

import numpy as np
import pytest

from quclassi.backends import get_backend
from quclassi.circuit import n_parameters
from quclassi.errors import InvalidInputError
from quclassi.export import (
    ionq_payload,
    swap_test_circuits,
    to_qasm,
    to_text,
    transpile_for_ionq,
)


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        msg = "a network call was attempted"
        raise AssertionError(msg)

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def random_problem(structure, n_qubits, n_classes=2, seed=0):
    rng = np.random.default_rng(seed)
    params = rng.uniform(0, 2 * np.pi, (n_classes, n_parameters(structure, n_qubits)))
    sample_angles = 2 * np.arcsin(np.sqrt(rng.uniform(0, 1, (n_qubits, 2))))
    return params, sample_angles


def ancilla_p0(circuit):
    from qiskit.quantum_info import Statevector

    state = Statevector(circuit.remove_final_measurements(inplace=False))
    return float(state.probabilities([0])[0])


def circuit_from_ionq_gates(n_qubits, gates):
    """Rebuild a Qiskit circuit from IonQ JSON gates, reading rotations in Qiskit's convention."""
    from qiskit import QuantumCircuit
    from qiskit.circuit import library

    single = {"h": library.HGate, "x": library.XGate, "y": library.YGate, "z": library.ZGate}
    rotations = {
        "rx": library.RXGate,
        "ry": library.RYGate,
        "rz": library.RZGate,
        "xx": library.RXXGate,
        "yy": library.RYYGate,
        "zz": library.RZZGate,
    }
    circuit = QuantumCircuit(n_qubits)
    for gate in gates:
        if gate["gate"] in rotations:
            operation = rotations[gate["gate"]](gate["rotation"])
        else:
            operation = single[gate["gate"]]()
        controls = gate.get("controls", [])
        if controls:
            operation = operation.control(len(controls))
        circuit.append(operation, [*controls, *gate["targets"]])
    return circuit


def test_payload_offline_qubits_and_gates(no_network):
    params, sample_angles = random_problem("sdc", 3)
    circuits = swap_test_circuits("sdc", 3, params, sample_angles, labels=["3", "6"])
    payload = ionq_payload(circuits, shots=1000)
    assert payload["type"] == "ionq.multi-circuit.v1"
    assert payload["backend"] == "simulator"
    assert payload["shots"] == 1000
    assert payload["input"]["gateset"] == "qis"
    # 2n + 1 qubits for n = 3.
    assert payload["input"]["qubits"] == 7
    names = [entry["name"] for entry in payload["input"]["circuits"]]
    assert names == ["quclassi_class_3", "quclassi_class_6"]
    gate_names = {
        gate["gate"] for entry in payload["input"]["circuits"] for gate in entry["circuit"]
    }
    assert "cswap" not in gate_names
    assert "swap" not in gate_names


def test_payload_reproduces_swap_test(no_network):
    params, sample_angles = random_problem("sdc", 2, n_classes=1, seed=1)
    circuits = swap_test_circuits("sdc", 2, params, sample_angles)
    payload = ionq_payload(circuits, backend_name="qpu.aria-1", shots=200)
    assert payload["type"] == "ionq.circuit.v1"
    assert payload["backend"] == "qpu.aria-1"
    rebuilt = circuit_from_ionq_gates(payload["input"]["qubits"], payload["input"]["circuit"])
    # The analytic backend gives F without a circuit; the SWAP test reads P(0) = 1/2 + F/2.
    fidelity = get_backend("analytic").fidelities("sdc", 2, params, sample_angles[None])[0, 0]
    assert ancilla_p0(rebuilt) == pytest.approx(0.5 + fidelity / 2, abs=1e-10)


def test_payload_simulator_noise_model(no_network):
    params, sample_angles = random_problem("s", 1, n_classes=1)
    circuits = swap_test_circuits("s", 1, params, sample_angles)
    assert ionq_payload(circuits)["noise"]["model"] == "ideal"
    assert ionq_payload(circuits, noise_model="aria-1")["noise"]["model"] == "aria-1"


def test_transpile_removes_cswap():
    params, sample_angles = random_problem("sd", 2)
    circuits = swap_test_circuits("sd", 2, params, sample_angles)
    for original, transpiled in zip(circuits, transpile_for_ionq(circuits), strict=True):
        assert "cswap" not in transpiled.count_ops()
        assert transpiled.num_qubits == 5
        assert ancilla_p0(transpiled) == pytest.approx(ancilla_p0(original), abs=1e-10)


def test_qasm2_round_trip():
    from qiskit import qasm2

    params, sample_angles = random_problem("sdc", 2, n_classes=1, seed=2)
    circuit = swap_test_circuits("sdc", 2, params, sample_angles)[0]
    text = to_qasm(circuit, version=2)
    assert text.startswith("OPENQASM 2.0;")
    loaded = qasm2.loads(text, custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    assert ancilla_p0(loaded) == pytest.approx(ancilla_p0(circuit), abs=1e-10)


def test_qasm3_and_text():
    params, sample_angles = random_problem("sd", 2, n_classes=1)
    circuit = swap_test_circuits("sd", 2, params, sample_angles)[0]
    assert to_qasm(circuit, version=3).startswith("OPENQASM 3.0;")
    drawing = to_text(circuit)
    # One row per qubit plus the classical register.
    assert "q_4" in drawing
    assert "Ryy" in drawing


def test_bad_arguments_rejected():
    params, sample_angles = random_problem("sd", 2)
    circuits = swap_test_circuits("sd", 2, params, sample_angles)
    with pytest.raises(InvalidInputError, match="OpenQASM version"):
        to_qasm(circuits[0], version=4)
    with pytest.raises(InvalidInputError, match="sample angles"):
        swap_test_circuits("sd", 2, params, np.zeros((3, 2)))
    with pytest.raises(InvalidInputError, match="shots"):
        ionq_payload(circuits, shots=0)
    with pytest.raises(InvalidInputError, match="invalid IonQ backend name"):
        ionq_payload(circuits, backend_name="harmony")
