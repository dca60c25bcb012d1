"""Export of QuClassi SWAP-test circuits: Qiskit circuits, OpenQASM, text and IonQ JSON payloads.

Everything here runs offline. ``ionq_payload`` builds the exact JSON body that qiskit-ionq would
send to IonQ's API, so a job can be checked (gate set, qubit count, shots) before it costs money,
without an API key and without any network request.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from quclassi.backends import check_shots
from quclassi.backends.qiskit import bind_swap_test, import_qiskit, swap_test_template
from quclassi.circuit import n_parameters, validate_structure
from quclassi.errors import InvalidInputError, MissingDependencyError

__all__ = [
    "IONQ_TRANSPILE_BASIS",
    "check_ionq_backend_name",
    "import_qiskit_ionq",
    "ionq_payload",
    "swap_test_circuits",
    "to_qasm",
    "to_text",
    "transpile_for_ionq",
]

logger = logging.getLogger(__name__)

# Gates of IonQ's "qis" gate set that are standard gates in Qiskit 2. qiskit-ionq's own list
# also has aliases such as "cnot" and "toffoli", which qiskit.transpile rejects as basis gates.
# "cswap" is not in the gate set, so the transpiler decomposes it into ccx and cx.
IONQ_TRANSPILE_BASIS = (
    "ccx",
    "cx",
    "cy",
    "cz",
    "ch",
    "cp",
    "crx",
    "cry",
    "crz",
    "h",
    "measure",
    "rx",
    "ry",
    "rz",
    "rxx",
    "ryy",
    "rzz",
    "s",
    "sdg",
    "sx",
    "sxdg",
    "swap",
    "t",
    "tdg",
    "x",
    "y",
    "z",
)

# Seed of the transpiler's randomised passes, so the same model gives the same payload.
_TRANSPILE_SEED = 1234


def import_qiskit_ionq() -> Any:
    """Import qiskit-ionq, or raise ``MissingDependencyError`` naming the install line."""
    try:
        import qiskit_ionq
    except ImportError as err:
        msg = "IonQ export and runs need qiskit-ionq; run: pip install 'quclassi[ionq]'"
        raise MissingDependencyError(msg) from err
    return qiskit_ionq


def check_ionq_backend_name(backend_name: str) -> str:
    """Return an IonQ backend name, ``"simulator"`` or ``"qpu.<device>"``, or raise.

    Raises:
        InvalidInputError: The name is neither ``"simulator"`` nor starts with ``"qpu."``.
    """
    if not isinstance(backend_name, str) or not (
        backend_name == "simulator" or backend_name.startswith("qpu.")
    ):
        msg = (
            f"invalid IonQ backend name {backend_name!r}; use 'simulator' or 'qpu.<device>', "
            "for example 'qpu.aria-1'"
        )
        raise InvalidInputError(msg)
    return backend_name


def swap_test_circuits(
    structure: str,
    n_qubits: int,
    params: np.ndarray,
    sample_angles: np.ndarray,
    labels: Sequence[object] | None = None,
) -> list[Any]:
    """Build the measured SWAP-test circuit of one sample against each class.

    Args:
        structure: Layer letters of the trained states.
        n_qubits: Qubits per register; each circuit has ``2 n_qubits + 1`` qubits.
        params: Parameters of every class to export, shape (C, P).
        sample_angles: Encoding angles of one sample, shape (n, 2).
        labels: Class labels used in the circuit names; defaults to 0..C-1.

    Returns:
        One Qiskit ``QuantumCircuit`` per class, named ``quclassi_class_<label>``.
    """
    structure = validate_structure(structure, n_qubits)
    params = np.asarray(params, dtype=float)
    sample_angles = np.asarray(sample_angles, dtype=float)
    expected = n_parameters(structure, n_qubits)
    if params.ndim != 2 or params.shape[1] != expected:
        msg = f"params must have shape (classes, {expected}); got {params.shape}"
        raise InvalidInputError(msg)
    if sample_angles.shape != (n_qubits, 2):
        msg = f"sample angles must have shape ({n_qubits}, 2); got {sample_angles.shape}"
        raise InvalidInputError(msg)
    labels = list(range(len(params))) if labels is None else list(labels)
    if len(labels) != len(params):
        msg = f"got {len(labels)} labels for {len(params)} parameter rows"
        raise InvalidInputError(msg)

    circuits = []
    for label, class_params in zip(labels, params, strict=True):
        template = swap_test_template(structure, n_qubits, name=f"quclassi_class_{label}")
        circuits.append(bind_swap_test(template, class_params, sample_angles))
    return circuits


def transpile_for_ionq(circuits: Sequence[Any]) -> list[Any]:
    """Rewrite circuits into IonQ's ``qis`` gate set (``cswap`` becomes ``ccx`` and ``cx``).

    The transpiler gets the basis gates only, no IonQ backend object: building one queries
    IonQ's API for the qubit count, and offline qiskit-ionq falls back to a 4-qubit target that
    rejects the 2n+1-qubit circuits. IonQ devices are fully connected, so no routing is needed.
    """
    qiskit = import_qiskit("ionq")
    circuits = list(circuits)
    transpiled = qiskit.transpile(
        circuits,
        basis_gates=list(IONQ_TRANSPILE_BASIS),
        optimization_level=1,
        seed_transpiler=_TRANSPILE_SEED,
    )
    # The transpiler may rename circuits; the payload should carry the class names.
    for original, rewritten in zip(circuits, transpiled, strict=True):
        rewritten.name = original.name
    return list(transpiled)


class _OfflineIonQTarget:
    """The parts of a qiskit-ionq backend that ``qiskit_to_ionq`` reads, built without network.

    A real ``IonQSimulatorBackend`` or ``IonQQPUBackend`` requests its qubit count from
    api.ionq.co in its constructor. ``qiskit_to_ionq`` (qiskit-ionq 1.1.1) reads only ``name``,
    ``gateset()`` and ``options`` of the backend, so this stand-in provides exactly those, with
    the backend class's own default options.
    """

    def __init__(self, backend_name: str, options: Any) -> None:
        self.name = f"ionq_{backend_name}"
        self.options = options

    def gateset(self) -> str:
        """Return the gate set of the payload, IonQ's hardware-independent ``qis`` set."""
        return "qis"


def ionq_payload(
    circuits: Sequence[Any],
    backend_name: str = "simulator",
    shots: int = 1024,
    noise_model: str | None = None,
) -> dict[str, Any]:
    """Build the IonQ API job body for circuits, offline and without an API key.

    The circuits are transpiled with ``transpile_for_ionq`` and serialised by qiskit-ionq's own
    ``qiskit_to_ionq``, so the body equals what ``backend.run`` would submit.

    Args:
        circuits: Measured circuits, for example from ``swap_test_circuits``.
        backend_name: ``"simulator"`` or ``"qpu.<device>"``.
        shots: Shots per circuit.
        noise_model: IonQ simulator noise model, for example ``"aria-1"``; ``None`` means
            ``"ideal"``. Only the simulator uses it.

    Returns:
        The payload as a dict: ``type``, ``backend``, ``shots``, ``input`` (``gateset``,
        ``qubits`` and the gate list per circuit) and metadata.
    """
    import_qiskit_ionq()
    from qiskit_ionq.helpers import qiskit_to_ionq
    from qiskit_ionq.ionq_backend import IonQQPUBackend, IonQSimulatorBackend

    backend_name = check_ionq_backend_name(backend_name)
    shots = check_shots(shots)
    if shots is None:
        msg = "IonQ jobs need a positive number of shots; got None"
        raise InvalidInputError(msg)
    if not circuits:
        msg = "no circuits to export; pass at least one class"
        raise InvalidInputError(msg)
    backend_class = IonQSimulatorBackend if backend_name == "simulator" else IonQQPUBackend
    target = _OfflineIonQTarget(backend_name, backend_class._default_options())

    transpiled = transpile_for_ionq(circuits)
    passed_args: dict[str, Any] = {"shots": shots}
    if noise_model is not None:
        passed_args["noise_model"] = noise_model
    body = transpiled[0] if len(transpiled) == 1 else transpiled
    return json.loads(qiskit_to_ionq(body, target, passed_args=passed_args))


def to_qasm(circuit: Any, version: int = 2) -> str:
    """Serialise a bound circuit to OpenQASM 2 or 3."""
    qiskit = import_qiskit()
    if version == 2:
        return qiskit.qasm2.dumps(circuit)
    if version == 3:
        return qiskit.qasm3.dumps(circuit)
    msg = f"OpenQASM version must be 2 or 3; got {version!r}"
    raise InvalidInputError(msg)


def to_text(circuit: Any) -> str:
    """Draw a circuit as text, one line per qubit."""
    return str(circuit.draw(output="text", fold=-1))
