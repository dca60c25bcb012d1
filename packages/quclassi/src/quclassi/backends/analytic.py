"""The default backend: exact fidelities from the statevector simulator, optional shot noise."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from quclassi.backends import check_fidelity_inputs, check_shots, fidelities_from_p0
from quclassi.simulator import (
    data_states,
    fidelity_jacobian,
    fidelity_vjp,
    overlaps,
    trained_states,
)

__all__ = ["AnalyticBackend", "single_thread_blas"]

# Batches with fewer rows than this run without touching the BLAS thread pool, because the
# limit itself costs about 15 microseconds and small products never start threads.
_THREAD_LIMIT_MIN_ROWS = 256
_controller: Any = None


@contextlib.contextmanager
def single_thread_blas(n_rows: int) -> Iterator[None]:
    """Run the block with one BLAS thread when the batch has ``n_rows`` rows or more.

    The matrices here have at most a few hundred columns. For them a second BLAS thread gains
    little, and when the other cores are busy the threads wait on each other. On a loaded
    2-core machine an (12000 x 4) @ (4 x 2) complex product took 16 ms with two OpenBLAS
    threads and 0.17 ms with one.
    """
    global _controller
    if n_rows < _THREAD_LIMIT_MIN_ROWS:
        yield
        return
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    with _controller.limit(limits=1, user_api="blas"):
        yield


class AnalyticBackend:
    """Exact SWAP-test fidelities without simulating the SWAP test.

    With ``shots=None`` the fidelities are exact. With a shot count, the number of ancilla
    zeros of each SWAP test is drawn from ``Binomial(shots, 1/2 + F/2)``, which is the exact
    distribution of the ideal circuit's ancilla readout, and turned back into ``2 P(0) - 1``.

    Args:
        shots: Shots per SWAP test, or ``None`` for exact fidelities.
        seed: Seed of the shot-noise generator; the same seed gives the same draws.
    """

    name = "analytic"

    def __init__(self, shots: int | None = None, seed: int | None = None) -> None:
        self.shots = check_shots(shots)
        self.seed = seed
        self._rng = np.random.default_rng(seed)

    @property
    def exact(self) -> bool:
        """Whether fidelities are exact, so the analytic gradients apply."""
        return self.shots is None

    def fidelities(
        self, structure: str, n_qubits: int, params: np.ndarray, angles: np.ndarray
    ) -> np.ndarray:
        """Compute fidelities (N, C) of every sample against every class state.

        See ``quclassi.backends.Backend.fidelities``.
        """
        structure, params, angles = check_fidelity_inputs(structure, n_qubits, params, angles)
        with single_thread_blas(angles.shape[0]):
            exact = self.exact_fidelities(structure, n_qubits, params, angles)
        if self.shots is None:
            return exact
        p0 = np.clip(0.5 + 0.5 * exact, 0.0, 1.0)
        zeros = self._rng.binomial(self.shots, p0)
        return fidelities_from_p0(zeros / self.shots)

    @staticmethod
    def exact_fidelities(
        structure: str, n_qubits: int, params: np.ndarray, angles: np.ndarray
    ) -> np.ndarray:
        """Compute exact fidelities (N, C) with one matrix product."""
        states = trained_states(structure, n_qubits, params)
        fidelities = np.abs(overlaps(data_states(angles), states)) ** 2
        # Rounding can leave values a few ulps outside [0, 1].
        return np.clip(fidelities, 0.0, 1.0)

    @staticmethod
    def jacobian(
        structure: str, n_qubits: int, params: np.ndarray, angles: np.ndarray
    ) -> np.ndarray:
        """Compute the exact Jacobian ``dF[i, c] / dparams[c, k]``, shape (N, C, P)."""
        structure, params, angles = check_fidelity_inputs(structure, n_qubits, params, angles)
        with single_thread_blas(angles.shape[0]):
            return fidelity_jacobian(structure, n_qubits, params, data_states(angles))

    @staticmethod
    def vjp(
        structure: str,
        n_qubits: int,
        params: np.ndarray,
        angles: np.ndarray,
        cotangent: np.ndarray,
    ) -> np.ndarray:
        """Compute ``sum_i cotangent[i, c] dF[i, c] / dparams[c, k]`` by adjoint, shape (C, P)."""
        structure, params, angles = check_fidelity_inputs(structure, n_qubits, params, angles)
        with single_thread_blas(angles.shape[0]):
            return fidelity_vjp(structure, n_qubits, params, data_states(angles), cotangent)
