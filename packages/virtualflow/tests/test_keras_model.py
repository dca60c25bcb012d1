"""Virtual-node training through the real Keras path, on logical CPU devices."""

import numpy as np
import pytest

from virtualflow import VirtualNodePlan
from virtualflow.errors import (
    DeviceConfigurationError,
    PlanError,
    UnsupportedLayerError,
)

pytestmark = pytest.mark.heavy

LOGICAL_DEVICES = 8


@pytest.fixture(scope="module")
def tf_env():
    from virtualflow.keras import configure_logical_devices

    configure_logical_devices(LOGICAL_DEVICES)
    import keras
    import tensorflow as tf

    return tf, keras


def linear_model(keras):
    return keras.Sequential(
        [
            keras.Input((1,)),
            keras.layers.Dense(1, use_bias=False, kernel_initializer="zeros", name="w"),
        ],
        name="linear",
    )


def one_sgd_step(keras, plan, deterministic=False):
    from virtualflow.keras import VirtualNodeModel, make_strategy

    x = np.array([[1.0], [2.0], [3.0], [4.0]], np.float32)
    with make_strategy(plan.num_devices).scope():
        model = VirtualNodeModel(linear_model(keras), plan, deterministic=deterministic)
        model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    model.train_on_global_batch(x, 2 * x)
    return float(model.inner.weights[0].numpy().ravel()[0])


@pytest.mark.parametrize(("nodes", "devices"), [(1, 1), (2, 1), (2, 2), (4, 1), (4, 2), (4, 4)])
def test_known_sgd_step_every_device_count(tf_env, nodes, devices):
    _, keras = tf_env
    # Hand computation: d/dw mean((w x - 2x)^2) at w = 0 is -4 mean(x^2) = -30, so one step
    # with learning rate 0.01 gives w = 0.3.
    weight = one_sgd_step(keras, VirtualNodePlan(4, nodes, devices=devices))
    assert weight == pytest.approx(0.3, rel=1e-6)


def test_known_sgd_step_uneven_nodes(tf_env):
    _, keras = tf_env
    # Three nodes on device 0 and one on device 1: the device sums carry weights 3/4 and 1/4,
    # which again gives the mean gradient -30 and w = 0.3.
    weight = one_sgd_step(keras, VirtualNodePlan(4, 4, nodes_per_device=[3, 1]))
    assert weight == pytest.approx(0.3, rel=1e-6)


def test_known_sgd_step_through_fit(tf_env):
    _, keras = tf_env
    from virtualflow.keras import VirtualNodeModel

    x = np.array([[1.0], [2.0], [3.0], [4.0]], np.float32)
    model = VirtualNodeModel(linear_model(keras), VirtualNodePlan(4, 4, devices=1))
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    model.fit(x, 2 * x, batch_size=4, epochs=1, shuffle=False, verbose=0)
    # Same hand computation as above: w = 0.01 * 30.
    assert float(model.inner.weights[0].numpy().ravel()[0]) == pytest.approx(0.3, rel=1e-6)


def train_digits(keras, plan, steps=4, deterministic=False, model_name="mlp"):
    from virtualflow.data import global_batch, load_dataset
    from virtualflow.keras import VirtualNodeModel, make_strategy
    from virtualflow.keras.state import model_weights
    from virtualflow.models import build_model

    images, labels = load_dataset("digits")
    with make_strategy(plan.num_devices).scope():
        model = VirtualNodeModel(
            build_model(model_name, images.shape[1:], seed=0),
            plan,
            seed=0,
            deterministic=deterministic,
        )
        model.compile(
            optimizer=keras.optimizers.SGD(0.1, momentum=0.9),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        )
    losses = []
    for step in range(steps):
        x, y = global_batch(images, labels, plan.global_batch, step, 0)
        losses.append(model.train_on_global_batch(x, y)["loss"])
    return model_weights(model), losses


def max_difference(a, b):
    assert a.keys() == b.keys()
    return max(float(np.max(np.abs(a[key] - b[key]))) for key in a)


def assert_weights_close(a, b, rtol=1e-5, atol=1e-6):
    for key in a:
        np.testing.assert_allclose(a[key], b[key], rtol=rtol, atol=atol, err_msg=key)


@pytest.mark.slow
def test_nodes_on_one_device_equal_one_node_per_device(tf_env):
    _, keras = tf_env
    one_device, _ = train_digits(keras, VirtualNodePlan(64, 8, devices=1))
    eight_devices, _ = train_digits(keras, VirtualNodePlan(64, 8, devices=8))
    # The batch-norm moving statistics are part of the weights and must match too.
    assert any("moving_mean" in key for key in one_device)
    assert_weights_close(one_device, eight_devices)


@pytest.mark.slow
def test_device_counts_agree_within_tolerance(tf_env):
    _, keras = tf_env
    reference, reference_losses = train_digits(keras, VirtualNodePlan(64, 8, devices=1))
    for devices in (2, 4):
        weights, losses = train_digits(keras, VirtualNodePlan(64, 8, devices=devices))
        assert_weights_close(reference, weights)
        np.testing.assert_allclose(losses, reference_losses, rtol=1e-5)


@pytest.mark.slow
def test_deterministic_mode_bit_identical(tf_env):
    _, keras = tf_env
    reference, _ = train_digits(keras, VirtualNodePlan(64, 8, devices=1), deterministic=True)
    for devices in (2, 4):
        weights, _ = train_digits(
            keras, VirtualNodePlan(64, 8, devices=devices), deterministic=True
        )
        assert max_difference(reference, weights) == 0.0


@pytest.mark.slow
def test_heterogeneous_nodes_match_homogeneous(tf_env):
    _, keras = tf_env
    homogeneous, _ = train_digits(keras, VirtualNodePlan(64, 8, devices=2))
    uneven, _ = train_digits(keras, VirtualNodePlan(64, 8, nodes_per_device=[5, 2, 1]))
    assert_weights_close(homogeneous, uneven)


@pytest.mark.slow
def test_plain_data_parallel_differs(tf_env):
    _, keras = tf_env
    # Negative control: plain data parallelism (one node per device, batch B / D) changes the
    # batch-norm batches and the dropout masks with D, so D = 2 and D = 4 disagree.
    two, _ = train_digits(keras, VirtualNodePlan(64, 2, devices=2))
    four, _ = train_digits(keras, VirtualNodePlan(64, 4, devices=4))
    assert max_difference(two, four) > 1e-3


def test_strategy_with_wrong_replica_count_rejected(tf_env):
    _, keras = tf_env
    from virtualflow.keras import VirtualNodeModel, make_strategy

    x = np.ones((4, 1), np.float32)
    with make_strategy(2).scope():
        model = VirtualNodeModel(linear_model(keras), VirtualNodePlan(4, 4, devices=1))
        model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    with pytest.raises(DeviceConfigurationError, match="2 replicas"):
        model.train_on_global_batch(x, x)


def test_wrong_global_batch_rejected(tf_env):
    _, keras = tf_env
    from virtualflow.keras import VirtualNodeModel

    model = VirtualNodeModel(linear_model(keras), VirtualNodePlan(4, 2, devices=1))
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    x = np.ones((6, 1), np.float32)
    with pytest.raises(PlanError, match="global batch of 4"):
        model.train_on_global_batch(x, x)


def test_optimizer_accumulation_rejected(tf_env):
    _, keras = tf_env
    from virtualflow.keras import VirtualNodeModel

    model = VirtualNodeModel(linear_model(keras), VirtualNodePlan(4, 2, devices=1))
    with pytest.raises(PlanError, match="gradient_accumulation_steps=2"):
        model.compile(optimizer=keras.optimizers.SGD(0.01, gradient_accumulation_steps=2))


def test_synchronized_batch_norm_rejected(tf_env):
    _, keras = tf_env
    from virtualflow.keras import VirtualNodeModel

    inner = keras.Sequential(
        [keras.Input((3,)), keras.layers.BatchNormalization(synchronized=True, name="sync_bn")]
    )
    with pytest.raises(UnsupportedLayerError, match="sync_bn"):
        VirtualNodeModel(inner, VirtualNodePlan(4, 2, devices=1))


def test_layer_with_batch_state_rejected(tf_env):
    _, keras = tf_env
    from virtualflow.keras import VirtualNodeModel

    class RunningCount(keras.layers.Layer):
        def build(self, input_shape):
            self.count = self.add_weight(shape=(), initializer="zeros", trainable=False)

        def call(self, inputs):
            self.count.assign_add(1.0)
            return inputs

    inner = keras.Sequential([keras.Input((3,)), RunningCount(name="running_count")])
    with pytest.raises(UnsupportedLayerError, match="running_count"):
        VirtualNodeModel(inner, VirtualNodePlan(4, 2, devices=1))


def test_more_logical_devices_after_init_rejected(tf_env):
    from virtualflow.keras import configure_logical_devices

    assert configure_logical_devices(2) == LOGICAL_DEVICES
    with pytest.raises(DeviceConfigurationError, match="before any other TensorFlow call"):
        configure_logical_devices(LOGICAL_DEVICES + 1)


def test_sample_weights_rejected(tf_env):
    _, keras = tf_env
    from virtualflow.keras import VirtualNodeModel

    x = np.ones((4, 1), np.float32)
    model = VirtualNodeModel(linear_model(keras), VirtualNodePlan(4, 2, devices=1))
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    with pytest.raises(PlanError, match="sample weights are not supported"):
        model.fit(x, x, sample_weight=np.ones(4), batch_size=4, shuffle=False, verbose=0)


def test_unused_variable_gets_zero_gradient(tf_env):
    _, keras = tf_env
    from virtualflow.keras import VirtualNodeModel

    class Unused(keras.layers.Layer):
        def build(self, input_shape):
            self.offset = self.add_weight(shape=(), initializer="ones", trainable=True)

        def call(self, inputs):
            return inputs

    inner = keras.Sequential([keras.Input((1,)), Unused(name="unused"), linear_model(keras)])
    model = VirtualNodeModel(inner, VirtualNodePlan(4, 2, devices=1))
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    x = np.array([[1.0], [2.0], [3.0], [4.0]], np.float32)
    model.train_on_global_batch(x, 2 * x)
    # The unused weight keeps its initial value; the linear weight takes the known step to 0.3.
    assert float(inner.get_layer("unused").offset.numpy()) == 1.0
    assert float(inner.layers[-1].weights[0].numpy().ravel()[0]) == pytest.approx(0.3, rel=1e-6)
