"""Heterogeneous planning: split one global batch over devices of different speeds.

Each device type has a :class:`ThroughputProfile`, its measured examples per second at a few
per-device batch sizes. :func:`plan_heterogeneous` picks the assignment with the smallest
predicted step time, in one of two modes:

- ``"equal"``: every virtual node has ``B / V`` examples and faster devices run more nodes.
  Batch normalisation then normalises over the same ``B / V``-example batches as on
  homogeneous hardware, so training results do not depend on the assignment.
- ``"uneven"``: no virtual nodes. Each device processes one batch of its own size and its
  gradient is weighted by its share of the examples (:class:`~virtualflow.uneven.UnevenBatchPlan`).
  It can use fast devices better, but batch-norm statistics then depend on the split.

Both modes reduce to :func:`minimize_max_cost`, an exact solver for the integer problem.
The step-time model is the slowest device's compute time. It leaves out the all-reduce and
the optimizer update, which take about the same time whatever the assignment.
"""

from __future__ import annotations

import heapq
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from virtualflow.errors import InfeasiblePlanError, PlanError
from virtualflow.plan import VirtualNodePlan
from virtualflow.throughput import ThroughputProfile
from virtualflow.uneven import UnevenBatchPlan

__all__ = [
    "HeterogeneousPlan",
    "ThroughputProfile",
    "even_split_step_time_s",
    "minimize_max_cost",
    "plan_heterogeneous",
]

logger = logging.getLogger(__name__)

Mode = Literal["equal", "uneven"]


def minimize_max_cost(cost_rows: Sequence[Sequence[float]], total: int) -> tuple[float, list[int]]:
    """Split ``total`` integer units over devices so that the largest device cost is minimal.

    ``cost_rows[d][k]`` is the cost of giving ``k`` units to device ``d``, for
    ``k = 0 .. total``. Every row must start at 0 and be non-decreasing (``inf`` marks an
    infeasible amount). The solver is exact:

    1. For a bound ``T`` let ``cap_d(T)`` be the largest ``k`` with ``cost_rows[d][k] <= T``.
       Because the rows are non-decreasing, the assignments with every cost ``<= T`` are
       exactly those with ``n_d <= cap_d(T)``. One of them adds up to ``total`` if and only if
       ``sum(cap_d(T)) >= total``, since units can be taken away from the caps without raising
       any cost.
    2. The optimal maximum ``T*`` is the cost of some device in the optimal assignment, so it
       is one of the finite values in ``cost_rows``. Feasibility only grows with ``T``.
       A binary search over the sorted distinct values therefore finds ``T*`` as the smallest
       feasible one.
    3. The assignment starts from the caps at ``T*`` and removes the excess one unit at a
       time, each from the device with the highest current cost (the highest index on ties).
       Removing never raises a cost, so the maximum stays ``T*``.

    The run time is ``O(D * total * log(D * total))`` for ``D`` devices.

    Args:
        cost_rows: One non-decreasing row of ``total + 1`` costs per device.
        total: Units to assign, >= 0.

    Returns:
        The minimal maximum cost and the units per device.

    Raises:
        ValueError: A row has the wrong length, does not start at 0 or decreases.
        InfeasiblePlanError: Even all devices together cannot take ``total`` units.
    """
    rows = [np.asarray(row, dtype=np.float64) for row in cost_rows]
    for index, row in enumerate(rows):
        if row.shape != (total + 1,):
            msg = f"cost row {index} has {row.size} entries, expected total + 1 = {total + 1}"
            raise ValueError(msg)
        if row[0] != 0 or np.any(np.isnan(row)) or np.any(row[1:] < row[:-1]):
            msg = f"cost row {index} must start at 0 and be non-decreasing"
            raise ValueError(msg)

    def caps(bound: float) -> list[int]:
        return [int(np.searchsorted(row, bound, side="right")) - 1 for row in rows]

    # Rows are non-decreasing, so their finite entries form a prefix starting at k = 0.
    capacity = sum(int(np.isfinite(row).sum()) - 1 for row in rows)
    if capacity < total:
        msg = f"the devices can take at most {capacity} units together, {total} requested"
        raise InfeasiblePlanError(msg)

    candidates = np.unique(np.concatenate([row[np.isfinite(row)] for row in rows]))
    low, high = 0, len(candidates) - 1
    while low < high:
        middle = (low + high) // 2
        if sum(caps(candidates[middle])) >= total:
            high = middle
        else:
            low = middle + 1
    best = float(candidates[low])

    counts = caps(best)
    heap = [(-rows[d][counts[d]], -d) for d in range(len(rows)) if counts[d] > 0]
    heapq.heapify(heap)
    for _ in range(sum(counts) - total):
        _, negative_device = heapq.heappop(heap)
        device = -negative_device
        counts[device] -= 1
        if counts[device] > 0:
            heapq.heappush(heap, (-rows[device][counts[device]], negative_device))
    return best, counts


@dataclass(frozen=True)
class HeterogeneousPlan:
    """Result of :func:`plan_heterogeneous`.

    Attributes:
        mode: ``"equal"`` (equal-size virtual nodes) or ``"uneven"`` (per-device batches).
        device_types: Device type of every device, in the order the groups were given.
        assignment: Virtual nodes (equal mode) or examples (uneven mode) per device. A 0
            marks a device left idle because giving it work would not shorten the step.
        device_times_s: Predicted compute time of each device per step, in seconds.
        step_time_s: Predicted step time, the maximum of ``device_times_s``.
        plan: The plan over the active devices (those with a non-zero assignment).
        active_devices: Indices into ``device_types`` of the devices in ``plan``.
    """

    mode: Mode
    device_types: tuple[str, ...]
    assignment: tuple[int, ...]
    device_times_s: tuple[float, ...]
    step_time_s: float
    plan: VirtualNodePlan | UnevenBatchPlan
    active_devices: tuple[int, ...]

    @property
    def examples_per_s(self) -> float:
        """Predicted training throughput: global batch divided by step time."""
        return self.plan.global_batch / self.step_time_s

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready description of the result."""
        batch_sizes = self._batch_per_device()
        devices = []
        for index, device_type in enumerate(self.device_types):
            entry: dict[str, Any] = {"device": index, "device_type": device_type}
            if self.mode == "equal":
                entry["virtual_nodes"] = self.assignment[index]
            entry["batch_size"] = batch_sizes[index]
            entry["step_time_s"] = self.device_times_s[index]
            devices.append(entry)
        return {
            "mode": self.mode,
            "global_batch": self.plan.global_batch,
            "step_time_s": self.step_time_s,
            "examples_per_s": self.examples_per_s,
            "devices": devices,
            "plan": self.plan.to_dict(),
        }

    def _batch_per_device(self) -> list[int]:
        if isinstance(self.plan, VirtualNodePlan):
            return [count * self.plan.virtual_batch for count in self.assignment]
        return list(self.assignment)


def _expand_groups(groups: Sequence[tuple[ThroughputProfile, int]]) -> list[ThroughputProfile]:
    profiles = []
    for profile, count in groups:
        if not isinstance(profile, ThroughputProfile):
            msg = f"expected (ThroughputProfile, count) pairs, got {profile!r}"
            raise PlanError(msg)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            msg = f"device count of {profile.device_type!r} must be an integer >= 1, got {count!r}"
            raise PlanError(msg)
        profiles.extend([profile] * count)
    if not profiles:
        msg = "no device groups given; pass at least one (profile, count) pair"
        raise PlanError(msg)
    return profiles


def _equal_cost_rows(
    profiles: list[ThroughputProfile], virtual_nodes: int, virtual_batch: int
) -> list[np.ndarray]:
    if all(profile.max_batch_size < virtual_batch for profile in profiles):
        largest = max(profile.max_batch_size for profile in profiles)
        msg = (
            f"the virtual batch of {virtual_batch} examples is larger than every profiled "
            f"batch size (largest {largest}); use more virtual nodes or profile larger batches"
        )
        raise InfeasiblePlanError(msg)
    rows = []
    nodes = np.arange(virtual_nodes + 1, dtype=np.float64)
    for profile in profiles:
        if profile.max_batch_size < virtual_batch:
            row = np.full(virtual_nodes + 1, math.inf)
            row[0] = 0.0
        else:
            row = nodes * profile.step_time_s(virtual_batch)
        rows.append(row)
    return rows


def _uneven_cost_rows(profiles: list[ThroughputProfile], global_batch: int) -> list[np.ndarray]:
    rows_by_profile: dict[int, np.ndarray] = {}
    rows = []
    for profile in profiles:
        if id(profile) not in rows_by_profile:
            row = np.full(global_batch + 1, math.inf)
            row[0] = 0.0
            largest = min(profile.max_batch_size, global_batch)
            times = [profile.step_time_s(size) for size in range(1, largest + 1)]
            # A bigger batch is never predicted to finish sooner: interpolated throughputs
            # can otherwise make t(b) dip, which the solver requires to be non-decreasing.
            row[1 : largest + 1] = np.maximum.accumulate(times)
            rows_by_profile[id(profile)] = row
        rows.append(rows_by_profile[id(profile)])
    return rows


def plan_heterogeneous(
    groups: Sequence[tuple[ThroughputProfile, int]],
    global_batch: int,
    virtual_nodes: int | None = None,
    *,
    mode: Mode = "equal",
) -> HeterogeneousPlan:
    """Choose the assignment of work to devices with the smallest predicted step time.

    In ``"equal"`` mode a device running ``n`` virtual nodes needs ``n * t(B / V)`` seconds,
    with ``t`` the profile's time for one pass over ``B / V`` examples. In ``"uneven"`` mode
    a device with ``b`` examples needs ``t(b)``, made non-decreasing in ``b``. Devices may be
    left idle when every use of them would slow the step down. Devices hold contiguous runs
    of nodes or examples in the order of ``groups``.

    Args:
        groups: ``(profile, device_count)`` pairs, one per device type.
        global_batch: Examples per optimizer step, ``B``.
        virtual_nodes: Number of virtual nodes ``V``; required in ``"equal"`` mode and
            ignored in ``"uneven"`` mode.
        mode: ``"equal"`` or ``"uneven"``.

    Returns:
        The assignment, its predicted times and the plan over the active devices.

    Raises:
        PlanError: An argument is invalid (see :class:`VirtualNodePlan` for ``B`` and ``V``).
        InfeasiblePlanError: The profiles do not cover the batch sizes needed.
    """
    profiles = _expand_groups(groups)
    device_types = tuple(profile.device_type for profile in profiles)
    models = sorted({profile.model for profile in profiles if profile.model is not None})
    if len(models) > 1:
        logger.warning(
            "the profiles measure different models %s, so their throughputs are not comparable; "
            "profile every device type on the model you plan to train",
            models,
        )

    if mode == "equal":
        if virtual_nodes is None:
            msg = "equal mode needs virtual_nodes; pass the number of virtual nodes V"
            raise PlanError(msg)
        # A one-device plan validates B and V and gives the virtual batch.
        virtual_batch = VirtualNodePlan(global_batch, virtual_nodes, devices=1).virtual_batch
        rows = _equal_cost_rows(profiles, virtual_nodes, virtual_batch)
        step_time, counts = minimize_max_cost(rows, virtual_nodes)
        active = tuple(index for index, count in enumerate(counts) if count > 0)
        plan: VirtualNodePlan | UnevenBatchPlan = VirtualNodePlan(
            global_batch, virtual_nodes, nodes_per_device=[counts[index] for index in active]
        )
    elif mode == "uneven":
        global_batch = UnevenBatchPlan(global_batch, [global_batch]).global_batch
        rows = _uneven_cost_rows(profiles, global_batch)
        try:
            step_time, counts = minimize_max_cost(rows, global_batch)
        except InfeasiblePlanError as err:
            msg = (
                f"the profiled batch sizes add up to less than the global batch {global_batch} "
                f"({err}); profile larger batches or add devices"
            )
            raise InfeasiblePlanError(msg) from err
        active = tuple(index for index, count in enumerate(counts) if count > 0)
        plan = UnevenBatchPlan(global_batch, [counts[index] for index in active])
    else:
        msg = f"mode must be 'equal' or 'uneven', got {mode!r}"
        raise PlanError(msg)

    times = tuple(float(rows[index][counts[index]]) for index in range(len(profiles)))
    return HeterogeneousPlan(
        mode=mode,
        device_types=device_types,
        assignment=tuple(counts),
        device_times_s=times,
        step_time_s=float(step_time),
        plan=plan,
        active_devices=active,
    )


def even_split_step_time_s(
    groups: Sequence[tuple[ThroughputProfile, int]], global_batch: int, virtual_nodes: int
) -> float | None:
    """Return the predicted step time of a type-blind plan with ``V / D`` nodes per device.

    This is the homogeneous plan a user would run without profiles. Returns ``None`` when the
    device count does not divide ``V`` or a profile does not cover the virtual batch.
    """
    profiles = _expand_groups(groups)
    if virtual_nodes % len(profiles) or len(profiles) > virtual_nodes:
        return None
    virtual_batch = VirtualNodePlan(global_batch, virtual_nodes, devices=1).virtual_batch
    nodes = virtual_nodes // len(profiles)
    if any(profile.max_batch_size < virtual_batch for profile in profiles):
        return None
    return max(nodes * profile.step_time_s(virtual_batch) for profile in profiles)
