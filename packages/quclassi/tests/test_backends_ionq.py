import logging
import socket

import numpy as np
import pytest

from quclassi.backends import get_backend
from quclassi.backends.ionq import IonQBackend, ancilla_p0_from_distribution, resolve_api_key
from quclassi.circuit import n_parameters
from quclassi.errors import BackendError, InvalidInputError, MissingCredentialsError

FAKE_KEY = "test-key-0123456789"


@pytest.fixture
def no_network(monkeypatch):
    """Make every socket connection and DNS lookup fail loudly for the test's duration."""

    def refuse(*args, **kwargs):
        msg = "a network call was attempted"
        raise AssertionError(msg)

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def random_problem(structure, n_qubits, n_classes=2, n_samples=3, seed=0):
    rng = np.random.default_rng(seed)
    params = rng.uniform(0, 2 * np.pi, (n_classes, n_parameters(structure, n_qubits)))
    angles = 2 * np.arcsin(np.sqrt(rng.uniform(0, 1, (n_samples, n_qubits, 2))))
    return params, angles


class FakeJob:
    def __init__(self, circuits):
        from qiskit.quantum_info import Statevector

        self.p0 = []
        for circuit in circuits:
            state = Statevector(circuit.remove_final_measurements(inplace=False))
            self.p0.append(float(state.probabilities([0])[0]))

    def result(self):
        return self

    def get_probabilities(self, index):
        # qiskit-ionq returns probabilities keyed by bitstrings of the measured clbits.
        return {"0": self.p0[index], "1": 1 - self.p0[index]}


class FakeIonQDevice:
    """Stands in for a qiskit-ionq backend: runs the submitted circuits exactly and locally."""

    def __init__(self):
        self.submitted = []
        self.options = None

    def run(self, circuits, **options):
        self.submitted = list(circuits)
        self.options = options
        return FakeJob(circuits)


def test_missing_key_names_variable(monkeypatch, no_network):
    monkeypatch.delenv("IONQ_API_KEY", raising=False)
    with pytest.raises(MissingCredentialsError, match="IONQ_API_KEY"):
        IonQBackend()


def test_get_backend_without_key_fails_offline(monkeypatch, no_network):
    monkeypatch.delenv("IONQ_API_KEY", raising=False)
    with pytest.raises(MissingCredentialsError, match="no request was sent"):
        get_backend("ionq", shots=100)


def test_blank_key_rejected(monkeypatch, no_network):
    monkeypatch.setenv("IONQ_API_KEY", "   ")
    with pytest.raises(MissingCredentialsError, match="IONQ_API_KEY"):
        resolve_api_key()


def test_key_from_environment(monkeypatch, no_network):
    monkeypatch.setenv("IONQ_API_KEY", FAKE_KEY)
    assert resolve_api_key() == FAKE_KEY
    # An explicit argument wins over the environment.
    assert resolve_api_key("other-key") == "other-key"


def test_repr_hides_key(no_network):
    backend = IonQBackend(api_key=FAKE_KEY, backend_name="qpu.aria-1", shots=100)
    assert FAKE_KEY not in repr(backend)
    assert "qpu.aria-1" in repr(backend)


def test_invalid_backend_name_rejected(no_network):
    with pytest.raises(InvalidInputError, match="qpu.<device>"):
        IonQBackend(api_key=FAKE_KEY, backend_name="aria-1")


def test_run_path_with_fake_device(no_network, caplog):
    params, angles = random_problem("sdc", 2)
    backend = IonQBackend(api_key=FAKE_KEY, shots=500, noise_model="aria-1", seed=3)
    device = FakeIonQDevice()
    backend._ionq_backend = device
    with caplog.at_level(logging.DEBUG):
        fidelities = backend.fidelities("sdc", 2, params, angles)
    # The fake device runs the transpiled IonQ circuits exactly, so they must reproduce the
    # analytic fidelities: this checks the gate rewrite and the sample/class bookkeeping.
    expected = get_backend("analytic").fidelities("sdc", 2, params, angles)
    np.testing.assert_allclose(fidelities, expected, atol=1e-10)
    assert len(device.submitted) == 3 * 2
    assert all("cswap" not in circuit.count_ops() for circuit in device.submitted)
    assert device.options == {"shots": 500, "noise_model": "aria-1", "sampler_seed": 3}
    assert FAKE_KEY not in caplog.text


def test_p0_from_bitstring_and_hex_keys():
    # Only bit 0 (the ancilla) matters: "0x2" is binary 10, so the ancilla read 0.
    assert ancilla_p0_from_distribution({"0": 0.25, "1": 0.75}) == 0.25
    assert ancilla_p0_from_distribution({"0x0": 30, "0x1": 10, "0x2": 60}) == 0.9


def test_empty_distribution_is_backend_error():
    with pytest.raises(BackendError, match="empty"):
        ancilla_p0_from_distribution({})
