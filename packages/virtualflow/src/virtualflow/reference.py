"""Reference executor in numpy: one SGD step of a linear model through a plan.

It spells out the arithmetic that every backend must reproduce. Each virtual node computes
the mean-squared-error gradient over its own slice of the global batch. Each device sums its
nodes' gradients and divides by its node count. The all-reduce then adds the device gradients,
each weighted by its device's share of the examples. The tests of this module show that this
weighting is what makes uneven splits correct.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from virtualflow.errors import PlanError
from virtualflow.plan import VirtualNodePlan
from virtualflow.uneven import UnevenBatchPlan

__all__ = ["allreduce", "device_gradients", "mse_gradient", "sgd_step"]

Weighting = Literal["example_share", "unweighted"]


def mse_gradient(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return the gradient of ``mean((x @ w - y) ** 2)`` with respect to ``w``.

    Args:
        w: Weights, shape ``(features,)``.
        x: Inputs, shape ``(examples, features)``.
        y: Targets, shape ``(examples,)``.
    """
    residual = x @ w - y
    return 2.0 * (x.T @ residual) / x.shape[0]


def _as_design(x: np.ndarray, y: np.ndarray, plan: VirtualNodePlan | UnevenBatchPlan):
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.shape[0] != plan.global_batch or y.shape != (plan.global_batch,):
        msg = (
            f"inputs have {x.shape[0]} rows and targets the shape {y.shape}, but the plan's "
            f"global batch is {plan.global_batch}; pass exactly one global batch"
        )
        raise PlanError(msg)
    return x, y


def device_gradients(
    plan: VirtualNodePlan | UnevenBatchPlan, w: np.ndarray, x: np.ndarray, y: np.ndarray
) -> list[np.ndarray]:
    """Return each device's gradient for one global batch, before the all-reduce.

    With a :class:`VirtualNodePlan` a device runs its virtual nodes one after another,
    sums their gradients (each a mean over ``B / V`` examples) and divides by its node count.
    With an :class:`UnevenBatchPlan` a device takes the mean over its whole slice.

    Args:
        plan: Which rows each device (and virtual node) processes.
        w: Weights, shape ``(features,)``, or a scalar for one feature.
        x: Global batch of inputs, shape ``(B, features)`` or ``(B,)``.
        y: Global batch of targets, shape ``(B,)``.
    """
    x, y = _as_design(x, y, plan)
    w = np.atleast_1d(np.asarray(w, dtype=np.float64))
    gradients = []
    for device in range(plan.num_devices):
        if isinstance(plan, VirtualNodePlan):
            nodes = plan.nodes_of(device)
            total = np.zeros_like(w)
            for node in nodes:
                rows = plan.node_slice(node)
                total += mse_gradient(w, x[rows], y[rows])
            gradients.append(total / len(nodes))
        else:
            rows = plan.device_slice(device)
            gradients.append(mse_gradient(w, x[rows], y[rows]))
    return gradients


def allreduce(
    gradients: list[np.ndarray],
    weights: tuple[float, ...],
    weighting: Weighting = "example_share",
) -> np.ndarray:
    """Combine device gradients into the update direction.

    Args:
        gradients: One gradient per device.
        weights: Each device's share of the global batch (``plan.gradient_weights``).
        weighting: ``"example_share"`` weights each device by its share, which gives the mean
            gradient over the global batch. ``"unweighted"`` takes the plain mean over
            devices. That agrees only when every device has the same number of examples, and
            it exists to show the error of the naive rule.
    """
    if weighting == "example_share":
        return sum(share * gradient for share, gradient in zip(weights, gradients, strict=True))
    if weighting == "unweighted":
        return sum(gradients) / len(gradients)
    msg = f"weighting must be 'example_share' or 'unweighted', got {weighting!r}"
    raise ValueError(msg)


def sgd_step(
    plan: VirtualNodePlan | UnevenBatchPlan,
    w: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    learning_rate: float,
    weighting: Weighting = "example_share",
) -> np.ndarray:
    """Return the weights after one SGD step on one global batch executed through ``plan``.

    Computation is in float64. The result has the shape of ``w`` (a 0-d array for a scalar).
    """
    shape = np.shape(w)
    gradients = device_gradients(plan, w, x, y)
    update = allreduce(gradients, plan.gradient_weights, weighting)
    new_w = np.atleast_1d(np.asarray(w, dtype=np.float64)) - learning_rate * update
    return new_w.reshape(shape)
