"""Elastic training: resizing at step boundaries keeps the run on the never-resized path."""

import numpy as np
import pytest

from virtualflow import VirtualNodePlan
from virtualflow.errors import ResizeError

LOGICAL_DEVICES = 8


def test_parse_resize_schedule():
    from virtualflow.keras.trainer import parse_resize_schedule

    assert parse_resize_schedule("0:1,50:2,100:4") == [(0, 1), (50, 2), (100, 4)]


@pytest.mark.parametrize("text", ["0:1,x:2", "5:2", "0:1,10:2,10:4", "0-1"])
def test_parse_resize_schedule_rejects(text):
    from virtualflow.keras.trainer import parse_resize_schedule

    with pytest.raises(ResizeError, match="schedule"):
        parse_resize_schedule(text)


@pytest.fixture(scope="module")
def keras_module():
    from virtualflow.keras import configure_logical_devices

    configure_logical_devices(LOGICAL_DEVICES)
    import keras

    return keras


def make_run(keras, schedule, plan=None):
    from virtualflow.data import load_dataset
    from virtualflow.keras.trainer import Run
    from virtualflow.models import build_model

    images, labels = load_dataset("digits")
    return Run(
        build=lambda: build_model("mlp", images.shape[1:], seed=0),
        make_optimizer=lambda: keras.optimizers.SGD(0.1, momentum=0.9),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        images=images,
        labels=labels,
        plan=plan or VirtualNodePlan(64, 8, devices=2),
        seed=0,
        resize_schedule=schedule,
    )


def final_weights(run, steps):
    from virtualflow.keras.state import model_weights

    records = list(run.steps(steps))
    return model_weights(run.model), records


@pytest.mark.heavy
@pytest.mark.slow
def test_elastic_run_ends_where_fixed_run_ends(keras_module):
    fixed, fixed_records = final_weights(make_run(keras_module, []), 8)
    elastic, records = final_weights(make_run(keras_module, [(0, 1), (2, 2), (4, 4), (6, 2)]), 8)
    assert [record.num_devices for record in records] == [1, 1, 2, 2, 4, 4, 2, 2]
    for key in fixed:
        np.testing.assert_allclose(elastic[key], fixed[key], rtol=1e-5, atol=1e-6, err_msg=key)
    np.testing.assert_allclose(
        [r.loss for r in records], [r.loss for r in fixed_records], rtol=1e-5
    )


@pytest.mark.heavy
@pytest.mark.slow
def test_resize_without_momentum_differs(keras_module, monkeypatch):
    # Control for the test above: dropping the optimizer slots at the resize (as a restart
    # from the model weights alone would) must change the result, so the momentum of SGD
    # with momentum 0.9 is really carried across the resize.
    import virtualflow.keras.state as state_module

    fixed, _ = final_weights(make_run(keras_module, []), 6)
    original = state_module.get_training_state

    def without_slots(model):
        state = original(model)
        return {
            key: (np.zeros_like(value) if "momentum" in key else value)
            for key, value in state.items()
        }

    monkeypatch.setattr(state_module, "get_training_state", without_slots)
    dropped, _ = final_weights(make_run(keras_module, [(0, 2), (3, 4)]), 6)
    difference = max(float(np.max(np.abs(fixed[key] - dropped[key]))) for key in fixed)
    assert difference > 1e-4


@pytest.mark.heavy
def test_training_state_round_trip(keras_module):
    from virtualflow.keras.state import get_training_state

    run = make_run(keras_module, [])
    list(run.steps(1))
    state = get_training_state(run.model)
    # The optimizer state contains the step count and one momentum slot per trainable variable.
    momentum_keys = [key for key in state if "momentum" in key]
    assert len(momentum_keys) == len(run.model.inner.trainable_variables)
    other = make_run(keras_module, [])
    other.model = other._build_under(run.model.plan, state)
    restored = get_training_state(other.model)
    assert restored.keys() == state.keys()
    for key in state:
        np.testing.assert_array_equal(restored[key], state[key], err_msg=key)
