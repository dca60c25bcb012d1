"""Backends that compute SWAP-test fidelities between trained class states and data states.

Every backend implements ``Backend.fidelities``. ``get_backend`` imports a backend's module only
when that backend is requested, so ``import quclassi`` never loads PennyLane or Qiskit, and
hardware or cloud backends are touched only when chosen by name.

Registered names:

- ``analytic`` (default): exact statevector overlaps in numpy, optional binomial shot noise.
- ``pennylane``: the SWAP-test circuit as a PennyLane QNode (extra ``quclassi[pennylane]``).
- ``qiskit``: the SWAP-test circuit on Qiskit Aer (extra ``quclassi[qiskit]``).
- ``ionq``: IonQ cloud simulator or QPU through qiskit-ionq (extra ``quclassi[ionq]``).
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import warnings
from typing import NamedTuple, Protocol, runtime_checkable

import numpy as np

from quclassi.circuit import n_parameters, validate_structure
from quclassi.errors import (
    FidelityClippedWarning,
    InvalidInputError,
    MissingDependencyError,
    UnknownBackendError,
)

__all__ = [
    "BACKEND_NAMES",
    "Backend",
    "check_fidelity_inputs",
    "check_shots",
    "fidelities_from_p0",
    "get_backend",
]

logger = logging.getLogger(__name__)


@runtime_checkable
class Backend(Protocol):
    """Anything that computes the fidelities of data states against trained class states."""

    def fidelities(
        self, structure: str, n_qubits: int, params: np.ndarray, angles: np.ndarray
    ) -> np.ndarray:
        """Compute ``F[i, c] = |<psi(params[c])|phi(angles[i])>|^2``.

        Args:
            structure: Layer letters of the trained circuit, for example ``"sd"``.
            n_qubits: Qubits per register.
            params: Array (C, P) of trained parameters, one row per class.
            angles: Array (N, n_qubits, 2) of data encoding angles (RY, RZ per qubit).

        Returns:
            Array (N, C) of fidelities in [0, 1]. Shot-based backends return
            ``2 P(0) - 1`` clipped at 0 (see ``fidelities_from_p0``), never NaN.
        """
        ...


class _BackendEntry(NamedTuple):
    module: str
    class_name: str
    required_modules: tuple[str, ...]
    install_hint: str


_REGISTRY: dict[str, _BackendEntry] = {
    "analytic": _BackendEntry("quclassi.backends.analytic", "AnalyticBackend", (), ""),
    "pennylane": _BackendEntry(
        "quclassi.backends.pennylane",
        "PennyLaneBackend",
        ("pennylane",),
        "pip install 'quclassi[pennylane]'",
    ),
    "qiskit": _BackendEntry(
        "quclassi.backends.qiskit",
        "QiskitBackend",
        ("qiskit", "qiskit_aer"),
        "pip install 'quclassi[qiskit]'",
    ),
    "ionq": _BackendEntry(
        "quclassi.backends.ionq",
        "IonQBackend",
        ("qiskit", "qiskit_ionq"),
        "pip install 'quclassi[ionq]'",
    ),
}

BACKEND_NAMES = tuple(_REGISTRY)


def get_backend(name: str, **options: object) -> Backend:
    """Create a backend by name, importing its module and dependencies only now.

    Args:
        name: One of ``BACKEND_NAMES``.
        **options: Keyword arguments of the backend class, for example ``shots=1000``,
            ``seed=0`` or ``device="lightning.qubit"``.

    Returns:
        The backend instance.

    Raises:
        UnknownBackendError: ``name`` is not registered.
        MissingDependencyError: The backend's optional dependency is not installed; the message
            names the ``pip install`` line.
    """
    key = name.strip().lower() if isinstance(name, str) else name
    entry = _REGISTRY.get(key)
    if entry is None:
        msg = f"unknown backend {name!r}; valid names: {', '.join(BACKEND_NAMES)}"
        raise UnknownBackendError(msg)
    for module_name in entry.required_modules:
        if importlib.util.find_spec(module_name) is None:
            msg = (
                f"backend {key!r} needs the Python package {module_name!r}, which is not "
                f"installed; install it with: {entry.install_hint}"
            )
            raise MissingDependencyError(msg)
    try:
        module = importlib.import_module(entry.module)
    except ImportError as err:
        msg = f"backend {key!r} failed to import ({err}); install it with: {entry.install_hint}"
        raise MissingDependencyError(msg) from err
    backend_class = getattr(module, entry.class_name)
    logger.debug("created backend %s with options %s", key, sorted(options))
    return backend_class(**options)


def check_shots(shots: object) -> int | None:
    """Validate a shot count: ``None`` means exact probabilities, otherwise a positive integer.

    Raises:
        InvalidInputError: ``shots`` is not ``None`` and not a positive integer.
    """
    if shots is None:
        return None
    if isinstance(shots, bool) or not isinstance(shots, int | np.integer) or shots <= 0:
        msg = f"shots must be a positive integer or None for exact results; got {shots!r}"
        raise InvalidInputError(msg)
    return int(shots)


def check_fidelity_inputs(
    structure: str, n_qubits: int, params: np.ndarray, angles: np.ndarray
) -> tuple[str, np.ndarray, np.ndarray]:
    """Validate the arguments of ``Backend.fidelities`` and return them normalised.

    Returns:
        The lower-case structure, ``params`` as a float array (C, P) and ``angles`` as a float
        array (N, n_qubits, 2).

    Raises:
        InvalidStructureError: The structure does not fit ``n_qubits``.
        InvalidInputError: A shape does not match or a value is not finite.
    """
    structure = validate_structure(structure, n_qubits)
    params = np.asarray(params, dtype=float)
    angles = np.asarray(angles, dtype=float)
    expected = n_parameters(structure, n_qubits)
    if params.ndim != 2 or params.shape[1] != expected:
        msg = (
            f"params must have shape (n_classes, {expected}) for structure {structure!r} on "
            f"{n_qubits} qubits; got {params.shape}"
        )
        raise InvalidInputError(msg)
    if angles.ndim != 3 or angles.shape[1:] != (n_qubits, 2):
        msg = f"angles must have shape (n_samples, {n_qubits}, 2); got {angles.shape}"
        raise InvalidInputError(msg)
    if not (np.all(np.isfinite(params)) and np.all(np.isfinite(angles))):
        msg = "params and angles must be finite; got NaN or infinite values"
        raise InvalidInputError(msg)
    return structure, params, angles


def fidelities_from_p0(p0: np.ndarray) -> np.ndarray:
    """Turn estimated ancilla probabilities P(0) into fidelities ``2 P(0) - 1`` clipped at 0.

    With finite shots the estimate of P(0) often falls below 1/2, which would give a negative
    fidelity. Those entries are set to 0 and one ``FidelityClippedWarning`` per call reports how
    many there were. The result is also clipped at 1.
    """
    fidelities = 2.0 * np.asarray(p0, dtype=float) - 1.0
    n_negative = int(np.count_nonzero(fidelities < 0))
    if n_negative:
        warnings.warn(
            f"shot noise gave {n_negative} of {fidelities.size} fidelity estimates below 0; "
            "they were clipped to 0 (use more shots to reduce this)",
            FidelityClippedWarning,
            stacklevel=2,
        )
    return np.clip(fidelities, 0.0, 1.0)
