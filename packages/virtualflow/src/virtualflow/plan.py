"""Virtual-node plans: which device runs which virtual node on which examples.

The user fixes the global batch ``B`` and the number of virtual nodes ``V``. Every virtual node
processes ``B / V`` examples: node ``k`` always takes rows ``[k * B / V, (k + 1) * B / V)`` of
the global batch, whatever the device count. A plan only decides how many consecutive nodes
each device runs one after another. Each device averages the gradients of its own nodes, and
the all-reduce weights each device's average by the device's share of the examples, so the
update equals the mean gradient over the whole global batch for any device count.

:class:`virtualflow.uneven.UnevenBatchPlan` covers the other heterogeneous mode: per-device
batches of different sizes with no virtual nodes.
"""

from __future__ import annotations

import bisect
import operator
from collections.abc import Mapping, Sequence
from typing import Any

from virtualflow.errors import (
    BatchTooSmallError,
    IndivisibleBatchError,
    IndivisibleDevicesError,
    InvalidCountError,
    PlanError,
    PlanTypeError,
    ResizeError,
    TooManyDevicesError,
)

__all__ = ["VirtualNodePlan", "apportion_nodes"]

PLAN_FORMAT = "virtualflow-plan/1"


def _as_count(value: Any, name: str) -> int:
    """Return ``value`` as an int that is at least 1, or raise a plan error naming it."""
    if isinstance(value, bool):
        msg = f"{name} must be an integer, got the bool {value!r}"
        raise PlanTypeError(msg)
    try:
        count = operator.index(value)
    except TypeError as err:
        msg = f"{name} must be an integer, got {value!r} of type {type(value).__name__}"
        raise PlanTypeError(msg) from err
    if count < 1:
        msg = f"{name} must be at least 1, got {count}"
        raise InvalidCountError(msg)
    return count


def _starts(sizes: Sequence[int]) -> list[int]:
    """Return the running sums ``[0, s0, s0 + s1, ...]`` of ``sizes`` (length ``len + 1``)."""
    starts = [0]
    for size in sizes:
        starts.append(starts[-1] + size)
    return starts


def _check_plan_dict(data: Any, expected_format: str, keys: Sequence[str]) -> None:
    """Raise PlanError unless ``data`` is a mapping with this format tag and these keys."""
    if not isinstance(data, Mapping) or data.get("format") != expected_format:
        found = data.get("format") if isinstance(data, Mapping) else type(data).__name__
        msg = f"expected a plan dictionary with format {expected_format!r}, got {found!r}"
        raise PlanError(msg)
    missing = [key for key in keys if key not in data]
    if missing:
        msg = f"plan dictionary is missing the keys {missing}"
        raise PlanError(msg)


def apportion_nodes(virtual_nodes: int, device_weights: Sequence[float]) -> tuple[int, ...]:
    """Split ``virtual_nodes`` over devices in proportion to their speed, at least one each.

    Nodes are handed out one at a time, each to the device whose finish time
    ``(nodes + 1) / weight`` would be smallest (ties go to the lower index). This minimises
    ``T = max(nodes / weight)``, the step time when a device's time grows linearly with its
    node count. Proof: let an optimum have counts ``m`` and maximum ``T*`` and suppose the
    greedy ends with ``T > T*``. The first time the greedy reaches ``T`` it assigns a node
    (the initial single nodes are in every assignment, so they give at most ``T*``). At that
    moment every device ``e`` has ``(n_e + 1) / w_e >= T > T*``, so
    ``n_e >= floor(T* w_e) >= m_e``. The counts then already add up to at least
    ``sum(m) = V``, so no node is left to assign: a contradiction.

    Args:
        virtual_nodes: Total number of virtual nodes ``V``.
        device_weights: Relative speed of each device (e.g. examples per second), all > 0.

    Returns:
        Nodes per device, summing to ``virtual_nodes``.

    Raises:
        InvalidCountError: ``virtual_nodes`` < 1 or no device given.
        PlanError: A weight is not a finite positive number.
        TooManyDevicesError: More devices than virtual nodes.
    """
    virtual_nodes = _as_count(virtual_nodes, "virtual_nodes")
    try:
        weights = [float(weight) for weight in device_weights]
    except (TypeError, ValueError) as err:
        msg = f"device_weights must be a sequence of numbers, got {device_weights!r}"
        raise PlanTypeError(msg) from err
    if not weights:
        msg = "device_weights is empty: give one relative speed per device"
        raise InvalidCountError(msg)
    for index, weight in enumerate(weights):
        if not weight > 0 or weight == float("inf"):
            msg = f"device_weights[{index}] must be a finite number > 0, got {weight!r}"
            raise PlanError(msg)
    if len(weights) > virtual_nodes:
        msg = (
            f"{len(weights)} devices but only {virtual_nodes} virtual nodes: every device "
            "needs at least one node; use at most as many devices as virtual nodes"
        )
        raise TooManyDevicesError(msg)
    counts = [1] * len(weights)
    for _ in range(virtual_nodes - len(weights)):
        best = min(range(len(weights)), key=lambda d: ((counts[d] + 1) / weights[d], d))
        counts[best] += 1
    return tuple(counts)


class VirtualNodePlan:
    """Assignment of ``V`` equal-size virtual nodes to devices for a global batch of ``B``.

    Give exactly one of ``devices`` (homogeneous: ``V / D`` nodes on every device),
    ``nodes_per_device`` (explicit counts, e.g. from the heterogeneous solver) or
    ``device_weights`` (relative device speeds, turned into counts by
    :func:`apportion_nodes`). Devices hold contiguous runs of node indices in device order.

    Args:
        global_batch: Examples per optimizer step, ``B``.
        virtual_nodes: Number of virtual nodes, ``V``; ``B`` must be a multiple of ``V``.
        devices: Device count ``D`` of a homogeneous plan; must divide ``V``.
        nodes_per_device: Virtual nodes on each device, each >= 1, summing to ``V``.
        device_weights: Relative speed of each device, each > 0.

    Raises:
        PlanError: A subclass naming the invalid value (see :mod:`virtualflow.errors`).
        PlanTypeError: A count is not an integer.
    """

    __slots__ = ("_global_batch", "_node_starts", "_nodes_per_device", "_virtual_nodes")

    def __init__(
        self,
        global_batch: int,
        virtual_nodes: int,
        devices: int | None = None,
        nodes_per_device: Sequence[int] | None = None,
        *,
        device_weights: Sequence[float] | None = None,
    ) -> None:
        options_given = [
            name
            for name, value in (
                ("devices", devices),
                ("nodes_per_device", nodes_per_device),
                ("device_weights", device_weights),
            )
            if value is not None
        ]
        if len(options_given) != 1:
            msg = "give exactly one of devices, nodes_per_device or device_weights, got " + (
                ", ".join(options_given) if options_given else "none"
            )
            raise PlanError(msg)

        global_batch = _as_count(global_batch, "global_batch")
        virtual_nodes = _as_count(virtual_nodes, "virtual_nodes")
        if global_batch < virtual_nodes:
            msg = (
                f"global batch {global_batch} is smaller than the {virtual_nodes} virtual "
                "nodes, so some nodes would get no example; use at most "
                f"{global_batch} virtual nodes or a larger global batch"
            )
            raise BatchTooSmallError(msg)
        if global_batch % virtual_nodes:
            msg = (
                f"global batch {global_batch} is not a multiple of the {virtual_nodes} virtual "
                "nodes, so the nodes cannot all have the same size; choose a global batch "
                f"that is a multiple of {virtual_nodes}"
            )
            raise IndivisibleBatchError(msg)

        if devices is not None:
            counts = self._homogeneous_counts(virtual_nodes, devices)
        elif nodes_per_device is not None:
            counts = self._explicit_counts(virtual_nodes, nodes_per_device)
        else:
            counts = apportion_nodes(virtual_nodes, device_weights)

        self._global_batch = global_batch
        self._virtual_nodes = virtual_nodes
        self._nodes_per_device = counts
        self._node_starts = tuple(_starts(counts))

    @staticmethod
    def _homogeneous_counts(virtual_nodes: int, devices: int) -> tuple[int, ...]:
        devices = _as_count(devices, "devices")
        if devices > virtual_nodes:
            msg = (
                f"{devices} devices but only {virtual_nodes} virtual nodes: every device "
                f"needs at least one node; use at most {virtual_nodes} devices"
            )
            raise TooManyDevicesError(msg)
        if virtual_nodes % devices:
            divisors = [d for d in range(1, virtual_nodes + 1) if virtual_nodes % d == 0]
            msg = (
                f"{virtual_nodes} virtual nodes cannot be spread evenly over {devices} "
                f"devices; use a device count that divides {virtual_nodes} "
                f"({', '.join(map(str, divisors))}) or give nodes_per_device"
            )
            raise IndivisibleDevicesError(msg)
        return (virtual_nodes // devices,) * devices

    @staticmethod
    def _explicit_counts(virtual_nodes: int, nodes_per_device: Sequence[int]) -> tuple[int, ...]:
        if isinstance(nodes_per_device, (str, bytes)) or not isinstance(nodes_per_device, Sequence):
            msg = f"nodes_per_device must be a sequence of integers, got {nodes_per_device!r}"
            raise PlanTypeError(msg)
        if len(nodes_per_device) == 0:
            msg = "nodes_per_device is empty: give the virtual-node count of each device"
            raise InvalidCountError(msg)
        counts = tuple(
            _as_count(count, f"nodes_per_device[{index}]")
            for index, count in enumerate(nodes_per_device)
        )
        if len(counts) > virtual_nodes:
            msg = (
                f"{len(counts)} devices but only {virtual_nodes} virtual nodes: every device "
                "needs at least one node"
            )
            raise TooManyDevicesError(msg)
        if sum(counts) != virtual_nodes:
            msg = (
                f"nodes_per_device {list(counts)} adds up to {sum(counts)}, "
                f"expected the {virtual_nodes} virtual nodes"
            )
            raise InvalidCountError(msg)
        return counts

    @property
    def global_batch(self) -> int:
        """Examples per optimizer step, ``B``."""
        return self._global_batch

    @property
    def virtual_nodes(self) -> int:
        """Number of virtual nodes, ``V``."""
        return self._virtual_nodes

    @property
    def num_devices(self) -> int:
        """Number of devices, ``D``."""
        return len(self._nodes_per_device)

    @property
    def virtual_batch(self) -> int:
        """Examples per virtual node, ``B / V``."""
        return self._global_batch // self._virtual_nodes

    @property
    def nodes_per_device(self) -> tuple[int, ...]:
        """Number of virtual nodes each device runs per step."""
        return self._nodes_per_device

    @property
    def is_homogeneous(self) -> bool:
        """Whether every device runs the same number of virtual nodes."""
        return len(set(self._nodes_per_device)) == 1

    @property
    def gradient_weights(self) -> tuple[float, ...]:
        """Share of the global batch on each device; the weights add up to 1."""
        return tuple(count / self._virtual_nodes for count in self._nodes_per_device)

    @property
    def device_batch_sizes(self) -> tuple[int, ...]:
        """Examples each device processes per step."""
        return tuple(count * self.virtual_batch for count in self._nodes_per_device)

    def _check_node(self, node: int) -> int:
        node = operator.index(node)
        if not 0 <= node < self._virtual_nodes:
            msg = f"virtual node index {node} is out of range [0, {self._virtual_nodes})"
            raise IndexError(msg)
        return node

    def _check_device(self, device: int) -> int:
        device = operator.index(device)
        if not 0 <= device < self.num_devices:
            msg = f"device index {device} is out of range [0, {self.num_devices})"
            raise IndexError(msg)
        return device

    def device_of(self, node: int) -> int:
        """Return the index of the device that runs virtual node ``node``."""
        node = self._check_node(node)
        return bisect.bisect_right(self._node_starts, node) - 1

    def nodes_of(self, device: int) -> range:
        """Return the global indices of the virtual nodes that ``device`` runs, in order."""
        device = self._check_device(device)
        return range(self._node_starts[device], self._node_starts[device + 1])

    def node_slice(self, node: int) -> slice:
        """Return the rows of the global batch that virtual node ``node`` processes."""
        node = self._check_node(node)
        size = self.virtual_batch
        return slice(node * size, (node + 1) * size)

    def device_slice(self, device: int) -> slice:
        """Return the rows of the global batch that ``device`` processes (all its nodes)."""
        nodes = self.nodes_of(device)
        size = self.virtual_batch
        return slice(nodes.start * size, nodes.stop * size)

    def resize(self, new_device_count: int) -> VirtualNodePlan:
        """Return a homogeneous plan with the same ``B`` and ``V`` on ``new_device_count`` devices.

        Raises:
            ResizeError: The target is below 1, above ``V`` or does not divide ``V``.
        """
        try:
            return VirtualNodePlan(
                self._global_batch, self._virtual_nodes, devices=new_device_count
            )
        except (InvalidCountError, TooManyDevicesError, IndivisibleDevicesError) as err:
            msg = f"cannot resize to {new_device_count!r} devices: {err}"
            raise ResizeError(msg) from err

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready description; :meth:`from_dict` rebuilds the plan from it."""
        return {
            "format": PLAN_FORMAT,
            "global_batch": self._global_batch,
            "virtual_nodes": self._virtual_nodes,
            "num_devices": self.num_devices,
            "virtual_batch": self.virtual_batch,
            "nodes_per_device": list(self._nodes_per_device),
            "gradient_weights": list(self.gradient_weights),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VirtualNodePlan:
        """Rebuild a plan from :meth:`to_dict` output; derived fields are recomputed.

        Raises:
            PlanError: The format tag or a required key is missing or wrong.
        """
        _check_plan_dict(data, PLAN_FORMAT, ("global_batch", "virtual_nodes", "nodes_per_device"))
        return cls(
            data["global_batch"],
            data["virtual_nodes"],
            nodes_per_device=list(data["nodes_per_device"]),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, VirtualNodePlan):
            return NotImplemented
        return (
            self._global_batch == other._global_batch
            and self._virtual_nodes == other._virtual_nodes
            and self._nodes_per_device == other._nodes_per_device
        )

    def __hash__(self) -> int:
        return hash((self._global_batch, self._virtual_nodes, self._nodes_per_device))

    def __repr__(self) -> str:
        return (
            f"VirtualNodePlan(global_batch={self._global_batch}, "
            f"virtual_nodes={self._virtual_nodes}, "
            f"nodes_per_device={list(self._nodes_per_device)})"
        )
