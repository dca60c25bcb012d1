"""IonQ backend: the SWAP-test circuits on IonQ's cloud simulator or a QPU through qiskit-ionq.

Every ``fidelities`` call submits a job over the network and may be billed. ``get_backend`` loads
this module only when the ``ionq`` backend is chosen by name. The API key comes from the
``api_key`` argument or the ``IONQ_API_KEY`` environment variable, is kept in memory only and
is never logged, printed or saved. Without a key the constructor raises
``MissingCredentialsError`` before qiskit-ionq is imported, so no request is sent.

To check a job before paying for it, build its payload offline with
``quclassi.export.ionq_payload`` (CLI: ``quclassi circuit --format ionq-json``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from quclassi.backends import check_fidelity_inputs, check_shots, fidelities_from_p0
from quclassi.errors import BackendError, InvalidInputError, MissingCredentialsError

__all__ = ["API_KEY_VARIABLE", "IonQBackend", "ancilla_p0_from_distribution", "resolve_api_key"]

logger = logging.getLogger(__name__)

API_KEY_VARIABLE = "IONQ_API_KEY"


def resolve_api_key(api_key: str | None = None) -> str:
    """Return the IonQ API key from the argument or ``IONQ_API_KEY``.

    Raises:
        MissingCredentialsError: Neither the argument nor the environment variable gives a
            non-empty key.
    """
    key = api_key if api_key is not None else os.environ.get(API_KEY_VARIABLE, "")
    if not isinstance(key, str) or not key.strip():
        msg = (
            f"the IonQ backend needs an API key: set the environment variable {API_KEY_VARIABLE} "
            "or pass api_key; no request was sent to IonQ. To check a job offline, run "
            "'quclassi circuit --format ionq-json'"
        )
        raise MissingCredentialsError(msg)
    return key.strip()


def ancilla_p0_from_distribution(distribution: Mapping[str, float]) -> float:
    """Return the share of outcomes with the ancilla (classical bit 0) reading 0.

    Args:
        distribution: Counts or probabilities keyed by bitstrings (``"0"``, ``"1"``) or by hex
            strings (``"0x0"``), as qiskit-ionq returns them.

    Raises:
        BackendError: The distribution is empty or sums to 0.
    """
    total = 0.0
    zero = 0.0
    for key, value in distribution.items():
        text = str(key).replace(" ", "")
        outcome = int(text, 16) if text.startswith("0x") else int(text, 2)
        total += float(value)
        if outcome & 1 == 0:
            zero += float(value)
    if total <= 0.0:
        msg = f"IonQ returned an empty result distribution: {dict(distribution)!r}"
        raise BackendError(msg)
    return zero / total


class IonQBackend:
    """Fidelities from SWAP-test circuits run on IonQ's cloud (network access, may be billed).

    Args:
        api_key: IonQ API key; ``None`` reads ``IONQ_API_KEY``.
        backend_name: ``"simulator"`` (IonQ's cloud simulator) or ``"qpu.<device>"``, for
            example ``"qpu.aria-1"``.
        shots: Shots per circuit; one circuit runs per sample and class.
        noise_model: Noise model of IonQ's cloud simulator, for example ``"aria-1"``;
            ``None`` means ``"ideal"``.
        seed: Seed of IonQ's simulator sampler.
        url: IonQ API base URL; ``None`` uses qiskit-ionq's default.
    """

    name = "ionq"

    def __init__(
        self,
        api_key: str | None = None,
        backend_name: str = "simulator",
        shots: int = 1024,
        noise_model: str | None = None,
        seed: int | None = None,
        url: str | None = None,
    ) -> None:
        from quclassi.export import check_ionq_backend_name

        self.backend_name = check_ionq_backend_name(backend_name)
        self.shots = check_shots(shots)
        if self.shots is None:
            msg = "IonQ jobs need a positive number of shots; got None"
            raise InvalidInputError(msg)
        self.noise_model = noise_model
        self.seed = seed
        self.url = url
        self._api_key = resolve_api_key(api_key)
        self._ionq_backend: Any = None

    def __repr__(self) -> str:
        # The API key is left out on purpose: reprs end up in logs and tracebacks.
        return (
            f"IonQBackend(backend_name={self.backend_name!r}, shots={self.shots!r}, "
            f"noise_model={self.noise_model!r}, seed={self.seed!r})"
        )

    def _connect(self) -> Any:
        """Create the qiskit-ionq backend; this queries IonQ's API for the device."""
        # NOTE: the tests run this class against a local stand-in device only; the submission
        # and result parsing were never exercised against IonQ's real API.
        if self._ionq_backend is None:
            from quclassi.export import import_qiskit_ionq

            qiskit_ionq = import_qiskit_ionq()
            provider = qiskit_ionq.IonQProvider(token=self._api_key, url=self.url)
            self._ionq_backend = provider.get_backend(self.backend_name)
        return self._ionq_backend

    def ancilla_p0(
        self, structure: str, n_qubits: int, params: np.ndarray, angles: np.ndarray
    ) -> np.ndarray:
        """Run one job of N x C circuits and return the measured frequencies of ancilla 0.

        Args:
            structure: Layer letters of the trained states.
            n_qubits: Qubits per register.
            params: Parameters of every class, shape (C, P).
            angles: Encoding angles, shape (N, n, 2).

        Returns:
            Array (N, C) of P(0) estimates.

        Raises:
            BackendError: The job failed or returned no result for a circuit.
        """
        from quclassi.backends.qiskit import bind_swap_test, swap_test_template
        from quclassi.export import transpile_for_ionq

        structure, params, angles = check_fidelity_inputs(structure, n_qubits, params, angles)
        template = swap_test_template(structure, n_qubits)
        pairs = [(sample, label) for sample in range(len(angles)) for label in range(len(params))]
        circuits = []
        for sample, label in pairs:
            circuit = bind_swap_test(template, params[label], angles[sample])
            circuit.name = f"quclassi_sample_{sample}_class_{label}"
            circuits.append(circuit)
        transpiled = transpile_for_ionq(circuits)

        run_options: dict[str, Any] = {"shots": self.shots}
        if self.noise_model is not None:
            run_options["noise_model"] = self.noise_model
        if self.seed is not None:
            run_options["sampler_seed"] = self.seed
        from qiskit.exceptions import QiskitError
        from requests import RequestException

        logger.info(
            "submitting %d circuits with %d shots to IonQ %s",
            len(transpiled),
            self.shots,
            self.backend_name,
        )
        try:
            backend = self._connect()
            job = backend.run(transpiled, **run_options)
            result = job.result()
            distributions = [result.get_probabilities(index) for index in range(len(pairs))]
        except (QiskitError, RequestException, OSError) as err:
            # qiskit-ionq's errors derive from QiskitError; transport errors come from requests.
            msg = f"IonQ job on {self.backend_name!r} failed: {err}"
            raise BackendError(msg) from err

        p0 = np.empty((len(angles), len(params)))
        for (sample, label), distribution in zip(pairs, distributions, strict=True):
            p0[sample, label] = ancilla_p0_from_distribution(distribution)
        return p0

    def fidelities(
        self, structure: str, n_qubits: int, params: np.ndarray, angles: np.ndarray
    ) -> np.ndarray:
        """Return ``2 P(0) - 1`` per sample and class from one IonQ job, clipped to [0, 1].

        Estimates below 0 are clipped to 0 with one ``FidelityClippedWarning``.
        """
        return fidelities_from_p0(self.ancilla_p0(structure, n_qubits, params, angles))
