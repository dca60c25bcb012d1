"""Batch-dependent layer state under virtual-node training.

Two kinds of state make a layer's output depend on more than its weights and inputs:

- Batch normalisation keeps moving averages of the batch statistics. Each virtual node
  normalises with its own batch statistics, and :class:`BatchNormState` arranges exactly one
  moving-average update per step from the average of all virtual nodes' statistics.
- Random layers (dropout, noise) draw from a ``keras.random.SeedGenerator``.
  :func:`seeded_layers` replaces every generator during one virtual node's forward pass
  by a fixed seed. The seed is derived from the run seed, the step and the global
  virtual-node index, so a node draws the same numbers on whichever device it runs.

Any other non-trainable variable is state this module cannot reproduce, and
:func:`check_supported_layers` raises an error naming the layer.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import keras  # noqa: TID253 (this module is imported only through virtualflow.keras)

from virtualflow.errors import UnsupportedLayerError

__all__ = ["BatchNormState", "check_supported_layers", "seeded_layers"]

# Layers whose non-trainable variables are set before training (by ``adapt``) and never
# change during a training step.
_FROZEN_STATE_LAYERS = (keras.layers.Normalization,)

# Prime multiplier that spreads run seeds apart before the layer position is added.
_SEED_STRIDE = 7919
# Keras' TensorFlow backend reduces seeds modulo this bound to fit int32.
_SEED_BOUND = 2**31 - 2


def _all_layers(model: keras.Model) -> list[keras.layers.Layer]:
    return list(model._flatten_layers(include_self=True, recursive=True))


def _is_exact_batch_norm(layer: keras.layers.Layer) -> bool:
    return (
        isinstance(layer, keras.layers.BatchNormalization)
        and not layer.synchronized
        and not getattr(layer, "renorm", False)
    )


def check_supported_layers(model: keras.Model) -> None:
    """Raise if a layer keeps batch-dependent state that virtual nodes cannot reproduce.

    Raises:
        UnsupportedLayerError: Names the first such layer and its class.
    """
    for layer in _all_layers(model):
        if isinstance(layer, keras.layers.BatchNormalization) and not _is_exact_batch_norm(layer):
            msg = (
                f"layer {layer.name!r} ({type(layer).__name__}) uses synchronized=True or "
                "renorm=True, whose statistics span devices instead of virtual nodes; "
                "use a plain BatchNormalization layer"
            )
            raise UnsupportedLayerError(msg)
        if _is_exact_batch_norm(layer) or isinstance(layer, _FROZEN_STATE_LAYERS):
            continue
        if layer._non_trainable_variables:
            names = ", ".join(v.name for v in layer._non_trainable_variables)
            msg = (
                f"layer {layer.name!r} ({type(layer).__name__}) has non-trainable variables "
                f"({names}) that change with the batch, which virtual-node training cannot "
                "reproduce; supported stateful layers are BatchNormalization and Keras random "
                "layers that draw from a SeedGenerator"
            )
            raise UnsupportedLayerError(msg)


class BatchNormState:
    """Moving statistics of every batch-normalisation layer of a model.

    Within one step: :meth:`snapshot` records the values before the first virtual node,
    :meth:`restore` puts them back before each further node, and :meth:`read` returns the
    values a node's forward pass wrote (``momentum * old + (1 - momentum) * node statistic``).
    The average of those values over all virtual nodes equals one moving-average update with
    the averaged statistics, because the update is linear in the statistic.
    """

    def __init__(self, model: keras.Model) -> None:
        self.variables = [
            variable
            for layer in _all_layers(model)
            if _is_exact_batch_norm(layer)
            for variable in (layer.moving_mean, layer.moving_variance)
        ]
        self._saved: list[Any] = []

    def snapshot(self) -> None:
        """Record the current values of the moving statistics."""
        import tensorflow as tf

        self._saved = [tf.identity(variable.value) for variable in self.variables]

    def restore(self) -> None:
        """Assign the values recorded by :meth:`snapshot` back to the moving statistics."""
        for variable, value in zip(self.variables, self._saved, strict=True):
            variable.assign(value)

    def read(self) -> list[Any]:
        """Return the current values of the moving statistics as tensors."""
        import tensorflow as tf

        return [tf.identity(variable.value) for variable in self.variables]

    def assign(self, values: list[Any]) -> None:
        """Assign ``values`` (one per moving statistic) to the moving statistics."""
        for variable, value in zip(self.variables, values, strict=True):
            variable.assign(value)


class _FixedSeed(keras.random.SeedGenerator):
    """Seed generator that returns the same seed tensor on every draw.

    ``keras.random`` functions call ``next()`` on the generator they are given. The base class
    initialiser is skipped on purpose: it would create a state variable, which this stand-in
    does not need.
    """

    def __init__(self, seed: Any, name: str) -> None:
        self.name = name
        self._seed = seed

    def next(self, ordered: bool = True) -> Any:
        """Return the fixed seed."""
        del ordered
        return self._seed


def _seed_generator_slots(model: keras.Model) -> list[tuple[keras.layers.Layer, str]]:
    slots = []
    for layer in _all_layers(model):
        for attribute, value in sorted(vars(layer).items()):
            if isinstance(value, keras.random.SeedGenerator):
                slots.append((layer, attribute))
    return slots


@contextlib.contextmanager
def seeded_layers(
    model: keras.Model, seed: int, step: Any, node: int, virtual_nodes: int
) -> Iterator[None]:
    """Give every random layer a seed derived from ``(seed, step, node)`` inside the block.

    Args:
        model: Model whose layers' seed generators are replaced while the block runs.
        seed: Run seed.
        step: Global step as an int64 tensor.
        node: Global index of the virtual node.
        virtual_nodes: Total number of virtual nodes, so ``step * V + node`` is unique.
    """
    import tensorflow as tf

    slots = _seed_generator_slots(model)
    originals = [getattr(layer, attribute) for layer, attribute in slots]
    counter = tf.cast(step, tf.int64) * virtual_nodes + node
    try:
        for position, (layer, attribute) in enumerate(slots):
            key = (seed * _SEED_STRIDE + position) % _SEED_BOUND
            fixed = _FixedSeed(
                tf.stack([tf.constant(key, tf.int64), counter]), name=f"{layer.name}_{attribute}"
            )
            # object.__setattr__ bypasses Keras' attribute tracking, which would otherwise
            # register the stand-in as a new seed generator of the layer.
            object.__setattr__(layer, attribute, fixed)
        yield
    finally:
        for (layer, attribute), original in zip(slots, originals, strict=True):
            object.__setattr__(layer, attribute, original)
