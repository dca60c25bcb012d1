"""Throughput profiles: measured examples per second of a device type at several batch sizes.

A profile file is JSON, written by ``virtualflow profile`` and read by ``virtualflow plan``::

    {"format": "virtualflow-profile/1", "device_type": "cpu", "model": "cnn",
     "measurements": [{"batch_size": 8, "examples_per_s": 1234.5}, ...]}
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from virtualflow.atomic import write_text_atomic
from virtualflow.errors import ProfileError

__all__ = ["PROFILE_FORMAT", "ThroughputProfile"]

PROFILE_FORMAT = "virtualflow-profile/1"


def _parse_measurement(device_type: str, entry: Any) -> tuple[int, float]:
    """Return one ``(batch_size, examples_per_s)`` pair checked for type and range."""
    try:
        batch_size, throughput = entry
    except (TypeError, ValueError) as err:
        msg = (
            f"profile {device_type!r}: measurement {entry!r} is not a "
            "(batch_size, examples_per_s) pair"
        )
        raise ProfileError(msg) from err
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
        msg = f"profile {device_type!r}: batch size must be an integer, got {batch_size!r}"
        raise ProfileError(msg)
    if batch_size < 1:
        msg = f"profile {device_type!r}: batch size must be at least 1, got {batch_size}"
        raise ProfileError(msg)
    if isinstance(throughput, bool) or not isinstance(throughput, (int, float, np.number)):
        msg = f"profile {device_type!r}: examples_per_s must be a number, got {throughput!r}"
        raise ProfileError(msg)
    throughput = float(throughput)
    if not math.isfinite(throughput) or throughput <= 0:
        msg = (
            f"profile {device_type!r}: examples_per_s at batch size {batch_size} must be "
            f"a finite number > 0, got {throughput!r}"
        )
        raise ProfileError(msg)
    return int(batch_size), throughput


class ThroughputProfile:
    """Measured training throughput of one device type at several per-device batch sizes.

    Throughput between two measured batch sizes is interpolated linearly. Below the smallest
    measured batch a step is assumed to take as long as at the smallest batch, which
    overestimates the time wherever a smaller batch runs faster. Above the largest measured batch
    the profile raises :class:`ProfileError`, because such a batch may not fit in memory.

    Args:
        device_type: Name of the device type, e.g. ``"cpu"`` or ``"A100"``.
        measurements: ``(batch_size, examples_per_s)`` pairs with distinct batch sizes >= 1
            and throughputs > 0.
        model: Optional name of the model that was measured.

    Raises:
        ProfileError: A measurement is invalid or the list is empty.
    """

    def __init__(
        self,
        device_type: str,
        measurements: Sequence[tuple[int, float]],
        model: str | None = None,
    ) -> None:
        if not isinstance(device_type, str) or not device_type:
            msg = f"device_type must be a non-empty string, got {device_type!r}"
            raise ProfileError(msg)
        pairs = [_parse_measurement(device_type, entry) for entry in measurements]
        if not pairs:
            msg = f"profile {device_type!r} has no measurements; measure at least one batch size"
            raise ProfileError(msg)
        pairs.sort()
        sizes = [size for size, _ in pairs]
        duplicates = sorted({size for size in sizes if sizes.count(size) > 1})
        if duplicates:
            msg = f"profile {device_type!r} measures the batch sizes {duplicates} more than once"
            raise ProfileError(msg)
        self.device_type = device_type
        self.model = model
        self.measurements: tuple[tuple[int, float], ...] = tuple(pairs)

    @property
    def min_batch_size(self) -> int:
        """Smallest measured batch size."""
        return self.measurements[0][0]

    @property
    def max_batch_size(self) -> int:
        """Largest measured batch size; larger batches are rejected."""
        return self.measurements[-1][0]

    def examples_per_s(self, batch_size: int) -> float:
        """Return the interpolated throughput at ``batch_size`` in examples per second.

        Raises:
            ProfileError: ``batch_size`` is below 1 or above the largest measured size.
        """
        self._check_batch(batch_size)
        if batch_size < self.min_batch_size:
            return batch_size / self.step_time_s(batch_size)
        sizes = [size for size, _ in self.measurements]
        rates = [rate for _, rate in self.measurements]
        return float(np.interp(batch_size, sizes, rates))

    def step_time_s(self, batch_size: int) -> float:
        """Return the predicted time in seconds of one forward and backward pass.

        Raises:
            ProfileError: ``batch_size`` is below 1 or above the largest measured size.
        """
        self._check_batch(batch_size)
        if batch_size < self.min_batch_size:
            batch_size = self.min_batch_size
        return batch_size / self.examples_per_s(batch_size)

    def _check_batch(self, batch_size: int) -> None:
        if batch_size < 1 or batch_size > self.max_batch_size:
            msg = (
                f"profile {self.device_type!r} covers batch sizes up to {self.max_batch_size}, "
                f"got {batch_size}; profile larger batch sizes or use more virtual nodes"
            )
            raise ProfileError(msg)

    def to_dict(self) -> dict[str, Any]:
        """Return the profile in its JSON file format."""
        return {
            "format": PROFILE_FORMAT,
            "device_type": self.device_type,
            "model": self.model,
            "measurements": [
                {"batch_size": size, "examples_per_s": rate} for size, rate in self.measurements
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "profile") -> ThroughputProfile:
        """Build a profile from its JSON file format.

        Args:
            data: Parsed JSON object.
            source: Name used in error messages, e.g. the file path.

        Raises:
            ProfileError: The format tag, a key or a value is missing or invalid.
        """
        if not isinstance(data, Mapping):
            msg = f"{source}: expected a JSON object, got {type(data).__name__}"
            raise ProfileError(msg)
        if data.get("format") != PROFILE_FORMAT:
            msg = f"{source}: expected format {PROFILE_FORMAT!r}, got {data.get('format')!r}"
            raise ProfileError(msg)
        measurements = data.get("measurements")
        if not isinstance(measurements, list):
            msg = f"{source}: 'measurements' must be a list of objects"
            raise ProfileError(msg)
        pairs = []
        for entry in measurements:
            if not isinstance(entry, Mapping) or not {"batch_size", "examples_per_s"} <= set(entry):
                msg = f"{source}: measurement {entry!r} needs 'batch_size' and 'examples_per_s'"
                raise ProfileError(msg)
            pairs.append((entry["batch_size"], entry["examples_per_s"]))
        return cls(data.get("device_type"), pairs, model=data.get("model"))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ThroughputProfile:
        """Read a profile JSON file.

        Raises:
            ProfileError: The file is missing, not valid JSON or not a valid profile.
            OSError: The file exists but cannot be read.
        """
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError as err:
            msg = f"profile file {path} not found; write one with 'virtualflow profile'"
            raise ProfileError(msg) from err
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            msg = f"{path}: invalid JSON ({err})"
            raise ProfileError(msg) from err
        return cls.from_dict(data, source=str(path))

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the profile as JSON atomically (temporary file, then rename)."""
        write_text_atomic(path, json.dumps(self.to_dict(), indent=2) + "\n")

    def __repr__(self) -> str:
        return (
            f"ThroughputProfile(device_type={self.device_type!r}, "
            f"measurements={list(self.measurements)!r})"
        )
