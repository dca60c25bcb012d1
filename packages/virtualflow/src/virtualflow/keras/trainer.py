"""Training loop over real data with an optional elastic resize schedule.

A :class:`Run` trains one model for a fixed number of steps. The global batch of every step is
a pure function of ``(seed, step)`` (see :func:`virtualflow.data.global_batch`). At each step
listed in the resize schedule the run saves its full state, builds a strategy with the new
device count, rebuilds and recompiles the model under it, restores the state and continues.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from virtualflow.data import global_batch
from virtualflow.errors import ResizeError, RunDirectoryError
from virtualflow.plan import VirtualNodePlan

__all__ = ["Run", "StepRecord", "parse_resize_schedule"]

logger = logging.getLogger(__name__)


def parse_resize_schedule(text: str) -> list[tuple[int, int]]:
    """Parse ``"0:1,50:2,100:4"`` into ``[(0, 1), (50, 2), (100, 4)]`` (step, devices).

    Raises:
        ResizeError: A malformed entry, steps not increasing, or a first step other than 0.
    """
    schedule = []
    for entry in text.split(","):
        step_text, sep, devices_text = entry.strip().partition(":")
        try:
            if not sep:
                raise ValueError(entry)
            schedule.append((int(step_text), int(devices_text)))
        except ValueError as err:
            msg = f"invalid resize schedule entry {entry!r}: expected STEP:DEVICES, e.g. 50:2"
            raise ResizeError(msg) from err
    steps = [step for step, _ in schedule]
    increasing = all(later > earlier for earlier, later in itertools.pairwise(steps))
    if steps[0] != 0 or not increasing:
        msg = f"resize schedule {text!r} must start at step 0 and have increasing steps"
        raise ResizeError(msg)
    return schedule


@dataclass
class StepRecord:
    """Metrics of one training step."""

    step: int
    loss: float
    accuracy: float
    num_devices: int
    wall_s: float


@dataclass
class Run:
    """One training run of a virtual-node model on an in-memory data set.

    Args:
        build: Builds a fresh uncompiled Keras model with the same initial weights every time.
        make_optimizer: Builds a fresh Keras optimizer.
        loss: Loss passed to ``compile``.
        images: Training inputs.
        labels: Training labels.
        plan: Plan of the first step; later plans come from ``plan.resize``.
        seed: Run seed (data order and random layers).
        deterministic: See :class:`~virtualflow.keras.VirtualNodeModel`.
        resize_schedule: ``(step, devices)`` pairs; the run switches to ``devices`` devices
            before ``step``. An entry at step 0 overrides the plan's device count.
        make_strategy: Builds a strategy for a device count.
    """

    build: Callable[[], Any]
    make_optimizer: Callable[[], Any]
    loss: Any
    images: np.ndarray
    labels: np.ndarray
    plan: VirtualNodePlan
    seed: int = 0
    deterministic: bool = False
    resize_schedule: Sequence[tuple[int, int]] = ()
    make_strategy: Callable[[int], Any] | None = None
    model: Any = field(default=None, init=False)

    def _build_under(self, plan: VirtualNodePlan, state: dict[str, np.ndarray] | None) -> Any:
        from virtualflow.keras.devices import make_strategy
        from virtualflow.keras.model import VirtualNodeModel
        from virtualflow.keras.state import set_training_state

        strategy = (self.make_strategy or make_strategy)(plan.num_devices)
        with strategy.scope():
            model = VirtualNodeModel(
                self.build(), plan, seed=self.seed, deterministic=self.deterministic
            )
            model.compile(optimizer=self.make_optimizer(), loss=self.loss)
            if state is not None:
                set_training_state(model, state)
        return model

    def plan_at(self, step: int) -> VirtualNodePlan:
        """Return the plan in force at ``step`` under the resize schedule."""
        plan = self.plan
        for start, devices in self.resize_schedule:
            if start <= step:
                plan = plan.resize(devices)
        return plan

    def steps(
        self, total: int, start: int = 0, state: dict[str, np.ndarray] | None = None
    ) -> Iterator[StepRecord]:
        """Train up to step ``total`` (exclusive), yielding each step's metrics.

        Args:
            total: Number of steps of the whole run.
            start: First step to run; a resumed run passes the step count of its checkpoint.
            state: Training state to continue from (see
                :func:`~virtualflow.keras.state.get_training_state`); required when
                ``start > 0``.
        """
        from virtualflow.keras.state import get_training_state

        if start and state is None:
            msg = f"resuming at step {start} needs the training state saved at that step"
            raise RunDirectoryError(msg)
        resize_at = dict(self.resize_schedule)
        plan = self.plan_at(start)
        self.model = self._build_under(plan, state)
        for step in range(start, total):
            if step > start and step in resize_at:
                try:
                    plan = plan.resize(resize_at[step])
                except ResizeError as err:
                    msg = f"resize at step {step} failed: {err}"
                    raise ResizeError(msg) from err
                logger.info("step %d: resizing to %d devices", step, plan.num_devices)
                self.model = self._build_under(plan, get_training_state(self.model))
            x, y = global_batch(self.images, self.labels, plan.global_batch, step, self.seed)
            began = time.perf_counter()
            logs = self.model.train_on_global_batch(x, y)
            yield StepRecord(
                step=step,
                loss=logs["loss"],
                accuracy=logs["accuracy"],
                num_devices=plan.num_devices,
                wall_s=time.perf_counter() - began,
            )
