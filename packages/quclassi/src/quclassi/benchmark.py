"""Speed and agreement of three ways to compute QuClassi fidelities and their gradients.

On the same data and parameters, for each register size n and sample count N:

- ``per_sample``: a plain PennyLane SWAP-test QNode on ``default.qubit``, called once per
  sample, differentiated with the parameter-shift rule; what a hand-written PennyLane
  classifier does.
- ``broadcast``: the same QNode with parameter broadcasting over all samples; on
  ``default.qubit`` for small n and on ``lightning.qubit`` (adjoint gradients) for large n.
- ``analytic``: quclassi's analytic backend, which never builds the 2n+1-qubit circuit
  (adjoint gradients of the n-qubit state).

The gradient is that of one class's training loss ``L = -mean_i log F_i`` with respect to its
P parameters, the quantity every training step needs; each method computes the fidelities on
the way. The per-sample method is timed one sample at a time, on the leading samples until a
time budget is spent. Its reported times are the median, fastest and slowest single-sample time
multiplied by N, and rows where fewer than N samples were timed are marked as extrapolated.
"""

from __future__ import annotations

import logging
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np

from quclassi.circuit import encoding_angles, n_parameters
from quclassi.errors import InvalidInputError

__all__ = [
    "METHODS",
    "BenchmarkRow",
    "machine_info",
    "run_benchmark",
]

logger = logging.getLogger(__name__)

METHODS = {
    "per_sample": "PennyLane SWAP-test QNode per sample, default.qubit, parameter shift",
    "broadcast": "PennyLane SWAP-test QNode broadcast over samples",
    "analytic": "quclassi analytic backend, adjoint vector-Jacobian product",
}

# Registers up to this size use default.qubit for the broadcast method, larger ones
# lightning.qubit: a broadcast default.qubit state of 2n+1 qubits for 1000 samples needs
# 1000 * 2**(2n+1) amplitudes, 128 MiB per intermediate state at n = 6.
_DEFAULT_QUBIT_MAX_N = 4


@dataclass
class BenchmarkRow:
    """Timings and agreement of one method for one (n, N) case.

    Times are wall-clock seconds for all ``n_samples`` samples. Where ``*_samples_timed`` is
    below ``n_samples`` the times are per-sample timings scaled linearly to ``n_samples``.
    ``max_abs_diff_*`` compare with the analytic backend over the samples that were run.
    """

    n_qubits: int
    circuit_qubits: int
    n_params: int
    n_samples: int
    method: str
    device: str
    diff_method: str
    forward_median_s: float
    forward_min_s: float
    forward_max_s: float
    forward_samples_timed: int
    gradient_median_s: float
    gradient_min_s: float
    gradient_max_s: float
    gradient_samples_timed: int
    max_abs_diff_fidelity: float
    max_abs_diff_gradient: float
    repeats: int
    extrapolated: bool = field(init=False)

    def __post_init__(self) -> None:
        self.extrapolated = min(self.forward_samples_timed, self.gradient_samples_timed) < (
            self.n_samples
        )


def _time_repeats(
    function: Callable[..., np.ndarray], repeats: int, budget_s: float
) -> tuple[np.ndarray, list[float]]:
    """Call ``function`` up to ``repeats`` times; stop early once ``budget_s`` is spent."""
    times: list[float] = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
        if sum(times) > budget_s:
            break
    return np.asarray(result), times


def _time_per_sample(
    function: Callable[[np.ndarray], np.ndarray], angles: np.ndarray, budget_s: float
) -> tuple[np.ndarray, list[float]]:
    """Run ``function`` on one sample at a time until ``budget_s`` is spent or all are done."""
    results: list[np.ndarray] = []
    times: list[float] = []
    for index in range(angles.shape[0]):
        start = time.perf_counter()
        results.append(np.asarray(function(angles[index : index + 1])))
        times.append(time.perf_counter() - start)
        if sum(times) > budget_s:
            break
    return np.concatenate(results), times


def _scaled(times: list[float], factor: float) -> tuple[float, float, float]:
    return (
        statistics.median(times) * factor,
        min(times) * factor,
        max(times) * factor,
    )


def _check_sizes(qubits: list[int], samples: list[int], repeats: int) -> None:
    if not qubits or any(n < 2 for n in qubits):
        msg = f"qubit counts must be at least 2 for the 'sd' structure; got {qubits}"
        raise InvalidInputError(msg)
    if not samples or any(count < 1 for count in samples):
        msg = f"sample counts must be positive; got {samples}"
        raise InvalidInputError(msg)
    if repeats < 1:
        msg = f"repeats must be at least 1; got {repeats}"
        raise InvalidInputError(msg)


def _make_row(
    common: dict[str, int],
    method: str,
    device: str,
    diff_method: str,
    timings: tuple[list[float], list[float]],
    scale: float,
    samples_timed: tuple[int, int],
    differences: tuple[float, float],
    repeats: int,
) -> BenchmarkRow:
    forward = _scaled(timings[0], scale)
    gradient = _scaled(timings[1], scale)
    return BenchmarkRow(
        **common,
        method=method,
        device=device,
        diff_method=diff_method,
        forward_median_s=forward[0],
        forward_min_s=forward[1],
        forward_max_s=forward[2],
        forward_samples_timed=samples_timed[0],
        gradient_median_s=gradient[0],
        gradient_min_s=gradient[1],
        gradient_max_s=gradient[2],
        gradient_samples_timed=samples_timed[1],
        max_abs_diff_fidelity=differences[0],
        max_abs_diff_gradient=differences[1],
        repeats=repeats,
    )


def _max_abs_diff(values: np.ndarray, reference: np.ndarray) -> float:
    return float(np.max(np.abs(values - reference[: len(values)])))


def _benchmark_register(
    n_qubits: int,
    samples: list[int],
    structure: str,
    repeats: int,
    per_sample_budget_s: float,
    seed: int,
    report: Callable[[str], None],
) -> list[BenchmarkRow]:
    """Measure the three methods for one register size and every sample count."""
    from quclassi.backends.analytic import AnalyticBackend
    from quclassi.backends.pennylane import PennyLaneBackend, import_pennylane, swap_test_qnode
    from quclassi.gradients import fidelity_vjp

    qml = import_pennylane()
    rng = np.random.default_rng(seed + n_qubits)
    n_params = n_parameters(structure, n_qubits)
    params = rng.uniform(0.0, 2 * np.pi, (1, n_params))
    all_angles = encoding_angles(rng.uniform(0.0, 1.0, (max(samples), 2 * n_qubits)))
    analytic = AnalyticBackend()

    def analytic_gradient(angles: np.ndarray) -> np.ndarray:
        fidelities = analytic.fidelities(structure, n_qubits, params, angles)
        cotangent = -1.0 / (len(angles) * fidelities)
        return fidelity_vjp(analytic, structure, n_qubits, params, angles, cotangent)[0]

    def pennylane_gradient(qnode: Any, angles: np.ndarray) -> np.ndarray:
        # Mean of -log F over a broadcast batch (N, n, 2) or of one sample (n, 2).
        batch = qml.numpy.array(angles, requires_grad=False)

        def loss(trainable: Any) -> Any:
            return -qml.numpy.mean(qml.numpy.log(qnode(trainable, batch)))

        return np.asarray(qml.grad(loss)(qml.numpy.array(params[0], requires_grad=True)))

    reference_f = analytic.fidelities(structure, n_qubits, params, all_angles)

    # The per-sample method costs the same per sample at every N, so it is timed once per n on
    # the leading samples and scaled to each N.
    plain = PennyLaneBackend(device="default.qubit", broadcast=False)
    plain_qnode = swap_test_qnode(
        structure, n_qubits, measurement="expval", diff_method="parameter-shift"
    )
    plain.fidelities(structure, n_qubits, params, all_angles[:1])  # warm-up
    report(f"n={n_qubits}: per-sample QNode forward")
    plain_f, plain_f_times = _time_per_sample(
        lambda batch: plain.fidelities(structure, n_qubits, params, batch),
        all_angles,
        per_sample_budget_s,
    )
    report(f"n={n_qubits}: per-sample QNode parameter-shift gradient")
    plain_g, plain_g_times = _time_per_sample(
        lambda batch: pennylane_gradient(plain_qnode, batch[0])[None, :],
        all_angles,
        per_sample_budget_s,
    )
    # Per-sample gradients of -log F_i, averaged over the samples that were run.
    plain_differences = (
        _max_abs_diff(plain_f, reference_f),
        float(np.max(np.abs(plain_g.mean(axis=0) - analytic_gradient(all_angles[: len(plain_g)])))),
    )

    if n_qubits <= _DEFAULT_QUBIT_MAX_N:
        broadcast_device, broadcast_diff = "default.qubit", "backprop"
    else:
        broadcast_device, broadcast_diff = "lightning.qubit", "adjoint"
    broadcast = PennyLaneBackend(device=broadcast_device, broadcast=True)
    broadcast_qnode = swap_test_qnode(
        structure,
        n_qubits,
        device=broadcast_device,
        measurement="expval",
        diff_method=broadcast_diff,
    )
    broadcast.fidelities(structure, n_qubits, params, all_angles[:2])  # warm-up
    pennylane_gradient(broadcast_qnode, all_angles[:2])  # warm-up

    rows = []
    for n_samples in samples:
        angles = all_angles[:n_samples]
        case = f"n={n_qubits}, N={n_samples}"
        report(f"{case}: analytic")
        analytic_f, analytic_f_times = _time_repeats(
            lambda batch=angles: analytic.fidelities(structure, n_qubits, params, batch),
            repeats,
            float("inf"),
        )
        analytic_g, analytic_g_times = _time_repeats(
            lambda batch=angles: analytic_gradient(batch), repeats, float("inf")
        )
        report(f"{case}: broadcast QNode on {broadcast_device}")
        broadcast_f, broadcast_f_times = _time_repeats(
            lambda batch=angles: broadcast.fidelities(structure, n_qubits, params, batch),
            repeats,
            per_sample_budget_s,
        )
        broadcast_g, broadcast_g_times = _time_repeats(
            lambda batch=angles: pennylane_gradient(broadcast_qnode, batch),
            repeats,
            per_sample_budget_s,
        )
        reference_g = analytic_g

        common = {
            "n_qubits": n_qubits,
            "circuit_qubits": 2 * n_qubits + 1,
            "n_params": n_params,
            "n_samples": n_samples,
        }
        rows.append(
            _make_row(
                common,
                "per_sample",
                "default.qubit",
                "parameter-shift",
                (plain_f_times, plain_g_times),
                float(n_samples),
                (min(len(plain_f_times), n_samples), min(len(plain_g_times), n_samples)),
                plain_differences,
                repeats=1,
            )
        )
        rows.append(
            _make_row(
                common,
                "broadcast",
                broadcast_device,
                broadcast_diff,
                (broadcast_f_times, broadcast_g_times),
                1.0,
                (n_samples, n_samples),
                (
                    _max_abs_diff(broadcast_f, reference_f),
                    float(np.max(np.abs(broadcast_g - reference_g))),
                ),
                repeats=min(len(broadcast_f_times), len(broadcast_g_times)),
            )
        )
        rows.append(
            _make_row(
                common,
                "analytic",
                "numpy",
                "adjoint vjp",
                (analytic_f_times, analytic_g_times),
                1.0,
                (n_samples, n_samples),
                (
                    _max_abs_diff(analytic_f, reference_f),
                    0.0,
                ),
                repeats=repeats,
            )
        )
    return rows


def run_benchmark(
    qubits: list[int] | tuple[int, ...] = (2, 4, 6, 8),
    samples: list[int] | tuple[int, ...] = (100, 1000),
    structure: str = "sd",
    repeats: int = 3,
    per_sample_budget_s: float = 20.0,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> list[BenchmarkRow]:
    """Time forward fidelities and loss gradients of the three methods on the same data.

    Args:
        qubits: Register sizes n; the SWAP-test circuits have 2n+1 qubits.
        samples: Sample counts N; smaller counts use the first N samples of the largest.
        structure: Layer letters of the trained state.
        repeats: Timed repeats of the whole-batch methods (median, min and max reported).
        per_sample_budget_s: Seconds per n spent timing the per-sample method, separately for
            forward and gradient; also stops the repeats of a slow broadcast run early.
        seed: Seed of the random features in [0, 1] and the parameters in [0, 2 pi).
        progress: Called with a short message before each measurement.

    Returns:
        One row per (n, N, method).
    """
    qubits = sorted(int(n) for n in qubits)
    samples = sorted(int(count) for count in samples)
    _check_sizes(qubits, samples, repeats)
    report = progress or (lambda message: logger.info("%s", message))
    rows: list[BenchmarkRow] = []
    for n_qubits in qubits:
        rows += _benchmark_register(
            n_qubits, samples, structure, repeats, per_sample_budget_s, seed, report
        )
    return rows


def speedups(rows: list[BenchmarkRow]) -> list[dict[str, Any]]:
    """Return, per (n, N), how many times faster the analytic backend is than each peer.

    Ratios divide the peer's median time by the analytic median time.
    """
    table: dict[tuple[int, int], dict[str, BenchmarkRow]] = {}
    for row in rows:
        table.setdefault((row.n_qubits, row.n_samples), {})[row.method] = row
    result = []
    for (n_qubits, n_samples), methods in sorted(table.items()):
        analytic = methods["analytic"]
        entry: dict[str, Any] = {"n_qubits": n_qubits, "n_samples": n_samples}
        for peer in ("per_sample", "broadcast"):
            entry[f"forward_speedup_vs_{peer}"] = (
                methods[peer].forward_median_s / analytic.forward_median_s
            )
            entry[f"gradient_speedup_vs_{peer}"] = (
                methods[peer].gradient_median_s / analytic.gradient_median_s
            )
        entry["per_sample_extrapolated"] = methods["per_sample"].extrapolated
        result.append(entry)
    return result


def rows_as_dicts(rows: list[BenchmarkRow]) -> list[dict[str, Any]]:
    """Return the rows as plain dicts for JSON output."""
    return [asdict(row) for row in rows]


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def machine_info() -> dict[str, Any]:
    """Describe the machine and the software versions a benchmark ran with."""
    import os

    cpu_model = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu_model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpu_model": cpu_model,
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average_1min": os.getloadavg()[0],
        "versions": {
            name: _package_version(name)
            for name in ("quclassi", "numpy", "pennylane", "pennylane_lightning")
        },
    }
