"""Keras model that runs a device's virtual nodes one after another inside one training step.

Per step and per device (replica), :class:`VirtualNodeModel.train_step`:

1. runs the device's virtual nodes in order on consecutive slices of its batch. Each node's
   forward and backward pass starts only after the previous node's gradients are accumulated,
   so only one node's activations are alive at a time;
2. weights every node's mean gradient by its share of the global batch (``1 / V``) and sums;
3. all-reduces once: the optimizer's ``apply_gradients`` sums the device gradients across
   replicas, and one further all-reduce carries the batch-norm statistics and the metrics;
4. applies the update once and sets the batch-norm moving statistics to one moving-average
   update from the average of all ``V`` nodes' statistics.

In deterministic mode step 3 gathers every node's gradient instead and sums them in node order
on every replica, so the result does not depend on the device count bit for bit.
"""

from __future__ import annotations

import logging
from typing import Any

import keras  # noqa: TID253 (this module is imported only through virtualflow.keras)
import numpy as np

from virtualflow.errors import DeviceConfigurationError, PlanError
from virtualflow.keras.layers import BatchNormState, check_supported_layers, seeded_layers
from virtualflow.plan import VirtualNodePlan

__all__ = ["VirtualNodeModel"]

logger = logging.getLogger(__name__)


class VirtualNodeModel(keras.Model):
    """Wrap a Keras model so that each training step runs ``V`` virtual nodes.

    Build it (and compile it) inside the scope of the strategy it trains under; the strategy's
    replica count must equal ``plan.num_devices``. Use :meth:`train_on_global_batch` to feed one
    global batch per step: it gives every device exactly its plan slice. ``fit`` also runs this
    ``train_step``, but under a strategy Keras' data distribution decides which rows reach which
    device, so only :meth:`train_on_global_batch` guarantees that node ``k`` gets rows
    ``[k * B / V, (k + 1) * B / V)`` of every global batch.

    Args:
        model: The model to train; its layers are checked by
            :func:`virtualflow.keras.layers.check_supported_layers`.
        plan: Virtual-node plan (global batch, node count, nodes per device).
        seed: Run seed; random layers draw from ``(seed, step, global node index)``.
        deterministic: Gather every node's gradient and sum in node order, which makes the
            result bit-identical across device counts. Turns on TensorFlow's op determinism,
            sets TensorFlow's global seed to ``seed`` and turns off Grappler's arithmetic
            optimization, all for the whole process. Costs ``V`` times the all-reduce traffic.

    Raises:
        UnsupportedLayerError: A layer keeps batch-dependent state that cannot be reproduced.
    """

    def __init__(
        self,
        model: keras.Model,
        plan: VirtualNodePlan,
        *,
        seed: int = 0,
        deterministic: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        import tensorflow as tf

        check_supported_layers(model)
        self.inner = model
        self.plan = plan
        self.seed = int(seed)
        self.deterministic = bool(deterministic)
        self._batch_norm = BatchNormState(model)
        self._global_step_fn: Any = None
        if self.deterministic:
            tf.config.experimental.enable_op_determinism()
            # Under op determinism every unseeded random op raises, e.g. the shuffle in fit.
            tf.random.set_seed(self.seed)
            # Grappler's arithmetic optimizer rewrites chains of additions into AddN, whose
            # summation order depends on the rest of the graph, and that differs between
            # device counts. Without it the per-node sum keeps its written order.
            tf.config.optimizer.set_experimental_options({"arithmetic_optimization": False})

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        """Run the wrapped model."""
        return self.inner(inputs, training=training)

    def compile(self, optimizer: Any = "sgd", loss: Any = None, **kwargs: Any) -> None:
        """Configure the optimizer and the per-example loss.

        Args:
            optimizer: Keras optimizer or its name. Its ``gradient_accumulation_steps`` must be
                unset: virtual nodes replace it.
            loss: Loss name, function ``(y_true, y_pred) -> per-example loss`` or
                ``keras.losses.Loss``; only its per-example values are used.
            **kwargs: Passed to ``keras.Model.compile``.

        Raises:
            PlanError: The optimizer accumulates gradients itself.
        """
        super().compile(optimizer=optimizer, loss=loss, **kwargs)
        if getattr(self.optimizer, "gradient_accumulation_steps", None):
            msg = (
                "the optimizer has gradient_accumulation_steps="
                f"{self.optimizer.gradient_accumulation_steps}; virtual nodes already "
                "accumulate within one step, so create the optimizer without it"
            )
            raise PlanError(msg)
        self._example_loss = keras.losses.get(loss)

    def _per_example_loss(self, y_true: Any, y_pred: Any) -> Any:
        # Loss objects would reduce and divide by the replica count; call() skips both.
        if isinstance(self._example_loss, keras.losses.Loss):
            return self._example_loss.call(y_true, y_pred)
        return self._example_loss(y_true, y_pred)

    def _replica(self) -> tuple[int, int]:
        import tensorflow as tf

        context = tf.distribute.get_replica_context()
        replicas = context.num_replicas_in_sync
        replica = tf.get_static_value(context.replica_id_in_sync_group)
        if replicas != self.plan.num_devices:
            msg = (
                f"the plan has {self.plan.num_devices} devices but the strategy has {replicas} "
                "replicas; build the plan for the strategy's replica count"
            )
            raise DeviceConfigurationError(msg)
        return int(replica), replicas

    def train_step(self, data: Any) -> dict[str, Any]:
        """Run this device's virtual nodes, all-reduce once and apply one update."""
        import tensorflow as tf

        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        if sample_weight is not None:
            msg = "sample weights are not supported by virtual-node training; pass (x, y) only"
            raise PlanError(msg)
        replica, _ = self._replica()
        nodes = self.plan.nodes_of(replica)
        size = self.plan.virtual_batch
        if x.shape[0] is not None and x.shape[0] != len(nodes) * size:
            msg = (
                f"device {replica} received a batch of {x.shape[0]} examples, expected "
                f"{len(nodes)} virtual nodes x {size} = {len(nodes) * size}"
            )
            raise PlanError(msg)
        weight = 1.0 / self.plan.virtual_nodes
        variables = self.inner.trainable_variables
        step = tf.cast(self.optimizer.iterations, tf.int64)
        self._batch_norm.snapshot()

        node_gradients: list[list[Any]] = []
        node_stats: list[list[Any]] = []
        node_metrics: list[Any] = []
        previous: list[Any] = []
        for position, node in enumerate(nodes):
            rows = slice(position * size, (position + 1) * size)
            # The control dependency starts this node only after the previous node's
            # gradients exist, so its activations have been freed.
            with tf.control_dependencies(previous):
                x_node = tf.identity(x[rows])
                y_node = tf.identity(y[rows])
                if position:
                    self._batch_norm.restore()
            with (
                seeded_layers(self.inner, self.seed, step, node, self.plan.virtual_nodes),
                tf.GradientTape() as tape,
            ):
                y_pred = self.inner(x_node, training=True)
                loss = tf.reduce_mean(self._per_example_loss(y_node, y_pred))
                if self.inner.losses:
                    loss = loss + tf.add_n(self.inner.losses)
            gradients = [
                # A variable the loss does not depend on gets a zero gradient, so that every
                # node and every replica contributes a tensor of the same structure.
                tf.zeros_like(variable) if gradient is None else tf.convert_to_tensor(gradient)
                for gradient, variable in zip(
                    tape.gradient(loss, variables), variables, strict=True
                )
            ]
            gradients = [gradient * weight for gradient in gradients]
            node_gradients.append(gradients)
            node_stats.append(self._batch_norm.read())
            node_metrics.append(self._node_metrics(loss, y_node, y_pred, weight))
            previous = gradients

        if self.deterministic:
            gradients, stats, metrics = self._gather_in_node_order(
                node_gradients, node_stats, node_metrics
            )
            if replica != 0:
                # The optimizer sums gradients across replicas: every replica already has
                # the full sum, so only the first contributes it and x + 0 == x keeps it exact.
                gradients = [tf.zeros_like(g) for g in gradients]
        else:
            gradients = _sum_in_order(node_gradients)
            local = _sum_in_order(
                [[*stats, metric] for stats, metric in zip(node_stats, node_metrics, strict=True)]
            )
            context = tf.distribute.get_replica_context()
            reduced = context.all_reduce(tf.distribute.ReduceOp.SUM, local)
            stats, metrics = reduced[:-1], reduced[-1]

        self.optimizer.apply_gradients(zip(gradients, variables, strict=True))
        self._batch_norm.assign([value * weight for value in stats])
        return {"loss": metrics[0], "accuracy": metrics[1]}

    @staticmethod
    def _node_metrics(loss: Any, y_true: Any, y_pred: Any, weight: float) -> Any:
        """Return ``[weighted loss, weighted accuracy]``; accuracy is NaN for non-class targets."""
        import tensorflow as tf

        if y_pred.shape.rank == 2 and y_true.dtype.is_integer:
            predicted = tf.argmax(y_pred, axis=-1, output_type=y_true.dtype)
            correct = tf.cast(tf.equal(tf.reshape(y_true, [-1]), predicted), tf.float32)
            accuracy = tf.reduce_mean(correct)
        else:
            accuracy = tf.constant(np.nan, tf.float32)
        return tf.stack([tf.cast(loss, tf.float32), accuracy]) * weight

    def _gather_in_node_order(
        self,
        node_gradients: list[list[Any]],
        node_stats: list[list[Any]],
        node_metrics: list[Any],
    ) -> tuple[list[Any], list[Any], Any]:
        """All-gather every node's values and sum them in global node order on each replica."""
        import tensorflow as tf

        context = tf.distribute.get_replica_context()
        padded = max(self.plan.nodes_per_device)
        per_node = [
            [*g, *s, m] for g, s, m in zip(node_gradients, node_stats, node_metrics, strict=True)
        ]
        stacked = []
        for index in range(len(per_node[0])):
            values = [node_values[index] for node_values in per_node]
            # Devices with fewer nodes pad with zeros so that every replica gathers the same
            # shape; the padding rows are skipped below.
            values += [tf.zeros_like(values[0])] * (padded - len(values))
            stacked.append(tf.stack(values))
        gathered = context.all_gather(stacked, axis=0)
        rows = [
            device * padded + position
            for device, count in enumerate(self.plan.nodes_per_device)
            for position in range(count)
        ]
        totals = _sum_in_order([[tensor[row] for tensor in gathered] for row in rows])
        count = len(node_gradients[0])
        stats_count = len(node_stats[0])
        return totals[:count], totals[count : count + stats_count], totals[-1]

    def train_on_global_batch(self, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
        """Run one training step on one global batch; every device gets its plan slice.

        Args:
            x: Inputs of the global batch, ``plan.global_batch`` rows, in node order.
            y: Targets of the global batch.

        Returns:
            The step's loss and accuracy, averaged over the global batch.

        Raises:
            PlanError: The batch does not have ``plan.global_batch`` rows.
        """
        import tensorflow as tf

        if len(x) != self.plan.global_batch or len(y) != self.plan.global_batch:
            msg = (
                f"expected a global batch of {self.plan.global_batch} rows, got {len(x)} inputs "
                f"and {len(y)} targets"
            )
            raise PlanError(msg)
        strategy = self.distribute_strategy
        if strategy.num_replicas_in_sync != self.plan.num_devices:
            msg = (
                f"the plan has {self.plan.num_devices} devices but the strategy has "
                f"{strategy.num_replicas_in_sync} replicas; build the plan for the strategy's "
                "replica count"
            )
            raise DeviceConfigurationError(msg)
        if self._global_step_fn is None:

            @tf.function
            def run_step(per_replica_x: Any, per_replica_y: Any) -> Any:
                return strategy.run(self.train_step, args=((per_replica_x, per_replica_y),))

            self._global_step_fn = run_step

        def device_values(array: np.ndarray) -> Any:
            def value_fn(context: Any) -> Any:
                return tf.constant(array[self.plan.device_slice(context.replica_id_in_sync_group)])

            return strategy.experimental_distribute_values_from_function(value_fn)

        logs = self._global_step_fn(device_values(x), device_values(y))
        return {
            key: float(strategy.experimental_local_results(value)[0]) for key, value in logs.items()
        }


def _sum_in_order(rows: list[list[Any]]) -> list[Any]:
    """Return the element-wise sum of equally long lists, adding them strictly in list order."""
    totals = list(rows[0])
    for row in rows[1:]:
        totals = [total + value for total, value in zip(totals, row, strict=True)]
    return totals
