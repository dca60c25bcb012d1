import numpy as np
import pytest

from virtualflow.errors import PlanError
from virtualflow.plan import VirtualNodePlan
from virtualflow.reference import allreduce, device_gradients, mse_gradient, sgd_step
from virtualflow.uneven import UnevenBatchPlan

# One feature, y = 2x, MSE, w = 0. The gradient of mean((w x - y)^2) at w = 0 is
# -2 mean(x y) = -4 mean(x^2) = -4 * (1 + 4 + 9 + 16) / 4 = -30, so one SGD step with
# lr 0.01 gives w = 0 - 0.01 * (-30) = 0.3.
X = np.array([1.0, 2.0, 3.0, 4.0])
Y = 2.0 * X


def test_mse_gradient_by_hand():
    assert mse_gradient(np.zeros(1), X[:, None], Y) == pytest.approx([-30.0])


@pytest.mark.parametrize(
    ("virtual_nodes", "devices"), [(1, 1), (2, 1), (2, 2), (4, 1), (4, 2), (4, 4)]
)
def test_single_step_gives_known_weight(virtual_nodes, devices):
    plan = VirtualNodePlan(4, virtual_nodes, devices=devices)
    assert sgd_step(plan, 0.0, X, Y, learning_rate=0.01) == pytest.approx(0.3, abs=1e-12)


def test_uneven_nodes_per_device_gives_known_weight():
    # Three virtual nodes on device 0 and one on device 1: shares 3/4 and 1/4.
    plan = VirtualNodePlan(4, 4, nodes_per_device=[3, 1])
    assert sgd_step(plan, 0.0, X, Y, learning_rate=0.01) == pytest.approx(0.3, abs=1e-12)


def test_uneven_split_device_gradients_by_hand():
    # Device 0 has x = 1, 2, 3: -4 * (1 + 4 + 9) / 3 = -56/3. Device 1 has x = 4: -64.
    gradients = device_gradients(UnevenBatchPlan(4, [3, 1]), 0.0, X, Y)
    assert gradients[0] == pytest.approx([-56.0 / 3.0])
    assert gradients[1] == pytest.approx([-64.0])


def test_uneven_split_weighted_gives_known_weight():
    # 3/4 * (-56/3) + 1/4 * (-64) = -14 - 16 = -30, so w = 0.3.
    plan = UnevenBatchPlan(4, [3, 1])
    assert sgd_step(plan, 0.0, X, Y, learning_rate=0.01) == pytest.approx(0.3, abs=1e-12)


def test_uneven_split_unweighted_mean_is_wrong():
    # The plain mean (-56/3 - 64) / 2 = -124/3 gives w = 1.24/3 = 0.41333..., not 0.3.
    plan = UnevenBatchPlan(4, [3, 1])
    w = sgd_step(plan, 0.0, X, Y, learning_rate=0.01, weighting="unweighted")
    assert w == pytest.approx(1.24 / 3.0, abs=1e-12)
    assert w != pytest.approx(0.3, abs=1e-3)


def test_even_split_unweighted_mean_agrees():
    # With equal device batches both rules give the same update, which is why the naive
    # rule goes unnoticed on homogeneous hardware.
    plan = VirtualNodePlan(4, 4, devices=2)
    gradients = device_gradients(plan, 0.0, X, Y)
    weighted = allreduce(gradients, plan.gradient_weights)
    unweighted = allreduce(gradients, plan.gradient_weights, weighting="unweighted")
    assert weighted == pytest.approx(unweighted)


@pytest.mark.parametrize("devices", [1, 2, 4, 8])
def test_multifeature_step_matches_full_batch(devices):
    # The full-batch gradient computed directly is the independent value here.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 5))
    y = rng.normal(size=64)
    w = rng.normal(size=5)
    expected = w - 0.1 * mse_gradient(w, x, y)
    plan = VirtualNodePlan(64, 8, devices=devices)
    np.testing.assert_allclose(sgd_step(plan, w, x, y, 0.1), expected, rtol=1e-12)


def test_wrong_batch_rows_rejected():
    with pytest.raises(PlanError, match="global batch is 8"):
        sgd_step(VirtualNodePlan(8, 2, devices=1), 0.0, X, Y, 0.01)


def test_unknown_weighting_rejected():
    with pytest.raises(ValueError, match="weighting must be"):
        allreduce([np.zeros(1)], (1.0,), weighting="median")


def test_resized_run_matches_fixed_run():
    # Ten SGD steps on fresh global batches: device counts 1 -> 2 -> 4 -> 2 every few steps
    # against 2 devices throughout. Every plan yields the mean gradient over the same global
    # batch, so the two weight trajectories agree to rounding.
    rng = np.random.default_rng(7)
    x = rng.normal(size=(10, 32, 4))
    y = rng.normal(size=(10, 32))
    fixed = VirtualNodePlan(32, 8, devices=2)
    schedule = {0: 1, 3: 2, 5: 4, 8: 2}
    elastic = VirtualNodePlan(32, 8, devices=1)
    w_fixed = np.zeros(4)
    w_elastic = np.zeros(4)
    for step in range(10):
        if step in schedule:
            elastic = elastic.resize(schedule[step])
        w_fixed = sgd_step(fixed, w_fixed, x[step], y[step], 0.05)
        w_elastic = sgd_step(elastic, w_elastic, x[step], y[step], 0.05)
    assert elastic.num_devices == 2
    np.testing.assert_allclose(w_elastic, w_fixed, rtol=1e-12, atol=1e-15)
