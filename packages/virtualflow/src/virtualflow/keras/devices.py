"""Logical CPU devices and the tf.distribute strategies built over them.

TensorFlow fixes its logical devices when its runtime initialises, which happens at the first
op or device query. :func:`configure_logical_devices` must therefore run before any other
TensorFlow call in the process. Several strategies with different device counts can then be
built over subsets of the same logical devices, which is how an elastic run changes its device
count inside one process.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from virtualflow.errors import DeviceConfigurationError, InvalidCountError

__all__ = ["configure_logical_devices", "make_multi_worker_strategy", "make_strategy"]

logger = logging.getLogger(__name__)


def _check_count(count: int, name: str) -> int:
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        msg = f"{name} must be an integer >= 1, got {count!r}"
        raise InvalidCountError(msg)
    return count


def configure_logical_devices(count: int) -> int:
    """Split the host CPU into ``count`` logical devices before TensorFlow initialises.

    Calling it again with a count no larger than the one already configured is a no-op, so
    tests and elastic runs can request the largest count once and then use subsets.

    Args:
        count: Number of logical CPU devices to create, >= 1.

    Returns:
        The number of logical CPU devices available.

    Raises:
        DeviceConfigurationError: TensorFlow already initialised with fewer logical CPUs.
    """
    import tensorflow as tf

    count = _check_count(count, "count")
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(count)]
        )
    except RuntimeError as err:
        available = len(tf.config.list_logical_devices("CPU"))
        if available >= count:
            return available
        msg = (
            f"cannot create {count} logical CPU devices: TensorFlow already initialised with "
            f"{available}; call virtualflow.keras.configure_logical_devices({count}) before "
            "any other TensorFlow call in the process, or start a new process"
        )
        raise DeviceConfigurationError(msg) from err
    logger.debug("configured %d logical CPU devices", count)
    return count


def _device_names(count: int) -> list[str]:
    import tensorflow as tf

    gpus = tf.config.list_logical_devices("GPU")
    if len(gpus) >= count:
        return [device.name for device in gpus[:count]]
    cpus = tf.config.list_logical_devices("CPU")
    if len(cpus) < count:
        msg = (
            f"{count} devices requested but only {len(cpus)} logical CPU devices and "
            f"{len(gpus)} GPUs exist; call virtualflow.keras.configure_logical_devices({count}) "
            "before any other TensorFlow call in the process"
        )
        raise DeviceConfigurationError(msg)
    return [device.name for device in cpus[:count]]


def make_strategy(devices: int) -> Any:
    """Build a ``tf.distribute.MirroredStrategy`` over the first ``devices`` devices.

    GPUs are used when at least ``devices`` of them exist; otherwise logical CPU devices.

    Args:
        devices: Number of replicas, >= 1.

    Returns:
        The strategy.

    Raises:
        DeviceConfigurationError: Fewer devices exist than requested.
    """
    import tensorflow as tf

    names = _device_names(_check_count(devices, "devices"))
    # The default all-reduce on GPUs is NCCL; on CPUs only reduction to one device works.
    cross_device_ops = tf.distribute.ReductionToOneDevice(reduce_to_device=names[0])
    return tf.distribute.MirroredStrategy(names, cross_device_ops=cross_device_ops)


def make_multi_worker_strategy(timeout_s: float = 120.0) -> Any:
    """Build a ``tf.distribute.MultiWorkerMirroredStrategy`` from the ``TF_CONFIG`` variable.

    Every worker process calls this with the same cluster in ``TF_CONFIG`` and its own task
    index; each worker contributes one replica per local device.

    Args:
        timeout_s: Seconds a collective operation waits for the other workers.

    Raises:
        DeviceConfigurationError: ``TF_CONFIG`` is missing or has no worker list.
    """
    import tensorflow as tf

    raw = os.environ.get("TF_CONFIG")
    if not raw:
        msg = (
            "TF_CONFIG is not set: a multi-worker run needs TF_CONFIG with the cluster's "
            'worker addresses and this task, e.g. {"cluster": {"worker": ["127.0.0.1:20000", '
            '"127.0.0.1:20001"]}, "task": {"type": "worker", "index": 0}}'
        )
        raise DeviceConfigurationError(msg)
    try:
        workers = json.loads(raw)["cluster"]["worker"]
    except (ValueError, KeyError, TypeError) as err:
        msg = f"TF_CONFIG has no cluster.worker list: {raw!r}"
        raise DeviceConfigurationError(msg) from err
    logger.info("joining a cluster of %d workers", len(workers))
    options = tf.distribute.experimental.CommunicationOptions(timeout_seconds=timeout_s)
    return tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)
