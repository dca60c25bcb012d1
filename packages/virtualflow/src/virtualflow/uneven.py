"""Uneven per-device batches without virtual nodes, for heterogeneous devices.

Device ``d`` processes its own contiguous slice of the global batch, of any size, and the
all-reduce weights its mean gradient by its share of the examples. The plain mean over devices
would be wrong here, because the devices average over different numbers of examples.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from typing import Any

from virtualflow.errors import InvalidCountError, PlanTypeError, SplitError
from virtualflow.plan import _as_count, _check_plan_dict, _starts

__all__ = ["UnevenBatchPlan"]

UNEVEN_PLAN_FORMAT = "virtualflow-uneven-plan/1"


class UnevenBatchPlan:
    """Per-device batches of different sizes, without virtual nodes.

    Device ``d`` processes the contiguous rows ``[start_d, start_d + batch_sizes[d])`` of the
    global batch and its mean gradient is weighted by ``batch_sizes[d] / B`` in the
    all-reduce. Batch normalisation then normalises over batches of different sizes on
    different devices, so results depend on the split. Prefer
    :class:`~virtualflow.plan.VirtualNodePlan` where exact batch-norm semantics matter.

    Args:
        global_batch: Examples per optimizer step, ``B``.
        batch_sizes: Examples per device, each >= 1, summing to ``B``.

    Raises:
        SplitError: The split is empty, has a size below 1, or does not add up to ``B``.
        PlanTypeError: A size is not an integer.
    """

    __slots__ = ("_batch_sizes", "_global_batch", "_starts")

    def __init__(self, global_batch: int, batch_sizes: Sequence[int]) -> None:
        global_batch = _as_count(global_batch, "global_batch")
        if isinstance(batch_sizes, (str, bytes)) or not isinstance(batch_sizes, Sequence):
            msg = f"batch_sizes must be a sequence of integers, got {batch_sizes!r}"
            raise PlanTypeError(msg)
        if len(batch_sizes) == 0:
            msg = "batch_sizes is empty: give the batch size of each device"
            raise SplitError(msg)
        sizes = []
        for index, size in enumerate(batch_sizes):
            try:
                sizes.append(_as_count(size, f"batch_sizes[{index}]"))
            except InvalidCountError as err:
                raise SplitError(str(err)) from err
        if sum(sizes) != global_batch:
            msg = (
                f"per-device batch sizes {sizes} add up to {sum(sizes)}, expected the global "
                f"batch {global_batch}; change the split so that it adds up to {global_batch}"
            )
            raise SplitError(msg)
        self._global_batch = global_batch
        self._batch_sizes = tuple(sizes)
        self._starts = tuple(_starts(sizes))

    @property
    def global_batch(self) -> int:
        """Examples per optimizer step, ``B``."""
        return self._global_batch

    @property
    def num_devices(self) -> int:
        """Number of devices."""
        return len(self._batch_sizes)

    @property
    def batch_sizes(self) -> tuple[int, ...]:
        """Examples each device processes per step."""
        return self._batch_sizes

    @property
    def device_batch_sizes(self) -> tuple[int, ...]:
        """Examples each device processes per step (same as :attr:`batch_sizes`)."""
        return self._batch_sizes

    @property
    def gradient_weights(self) -> tuple[float, ...]:
        """Share of the global batch on each device; the weights add up to 1."""
        return tuple(size / self._global_batch for size in self._batch_sizes)

    def device_slice(self, device: int) -> slice:
        """Return the rows of the global batch that ``device`` processes."""
        device = operator.index(device)
        if not 0 <= device < self.num_devices:
            msg = f"device index {device} is out of range [0, {self.num_devices})"
            raise IndexError(msg)
        return slice(self._starts[device], self._starts[device + 1])

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready description; :meth:`from_dict` rebuilds the plan from it."""
        return {
            "format": UNEVEN_PLAN_FORMAT,
            "global_batch": self._global_batch,
            "batch_sizes": list(self._batch_sizes),
            "gradient_weights": list(self.gradient_weights),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> UnevenBatchPlan:
        """Rebuild a plan from :meth:`to_dict` output.

        Raises:
            PlanError: The format tag or a required key is missing or wrong.
        """
        _check_plan_dict(data, UNEVEN_PLAN_FORMAT, ("global_batch", "batch_sizes"))
        return cls(data["global_batch"], list(data["batch_sizes"]))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, UnevenBatchPlan):
            return NotImplemented
        return (self._global_batch, self._batch_sizes) == (other._global_batch, other._batch_sizes)

    def __hash__(self) -> int:
        return hash((self._global_batch, self._batch_sizes))

    def __repr__(self) -> str:
        return (
            f"UnevenBatchPlan(global_batch={self._global_batch}, "
            f"batch_sizes={list(self._batch_sizes)})"
        )
