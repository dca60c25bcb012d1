import itertools
import json

import numpy as np
import pytest

from virtualflow.errors import (
    BatchTooSmallError,
    IndivisibleBatchError,
    IndivisibleDevicesError,
    InvalidCountError,
    PlanError,
    PlanTypeError,
    ResizeError,
    SplitError,
    TooManyDevicesError,
    VirtualFlowError,
)
from virtualflow.plan import VirtualNodePlan, apportion_nodes
from virtualflow.uneven import UnevenBatchPlan


def test_homogeneous_plan_fields():
    plan = VirtualNodePlan(64, 8, devices=2)
    assert plan.global_batch == 64
    assert plan.virtual_nodes == 8
    assert plan.num_devices == 2
    assert plan.virtual_batch == 8
    assert plan.nodes_per_device == (4, 4)
    assert plan.gradient_weights == (0.5, 0.5)
    assert plan.device_batch_sizes == (32, 32)
    assert plan.is_homogeneous


def test_node_to_device_map_is_contiguous():
    plan = VirtualNodePlan(16, 8, devices=4)
    assert [plan.device_of(node) for node in range(8)] == [0, 0, 1, 1, 2, 2, 3, 3]
    assert list(plan.nodes_of(2)) == [4, 5]
    assert plan.device_slice(2) == slice(8, 12)


@pytest.mark.parametrize("devices", [1, 2, 4, 8])
def test_node_slice_independent_of_devices(devices):
    # Node k always takes rows [k * B / V, (k + 1) * B / V) of the global batch.
    plan = VirtualNodePlan(64, 8, devices=devices)
    assert [plan.node_slice(k) for k in range(8)] == [slice(8 * k, 8 * k + 8) for k in range(8)]


@pytest.mark.parametrize("devices", [1, 2, 4, 8])
def test_device_slices_cover_global_batch(devices):
    plan = VirtualNodePlan(64, 8, devices=devices)
    rows = []
    for device in range(devices):
        rows.extend(range(64)[plan.device_slice(device)])
    assert rows == list(range(64))


def test_explicit_nodes_per_device():
    plan = VirtualNodePlan(32, 8, nodes_per_device=[5, 2, 1])
    assert plan.num_devices == 3
    assert list(plan.nodes_of(0)) == [0, 1, 2, 3, 4]
    assert list(plan.nodes_of(2)) == [7]
    assert plan.device_slice(1) == slice(20, 28)
    # Example shares: 5/8, 2/8 and 1/8 of the global batch.
    assert plan.gradient_weights == (0.625, 0.25, 0.125)
    assert sum(plan.gradient_weights) == 1.0
    assert not plan.is_homogeneous


def test_device_weights_apportion_by_speed():
    # Weights 3:1 over 8 nodes: 6 and 2 gives max(6/3, 2/1) = 2, the smallest possible.
    plan = VirtualNodePlan(64, 8, device_weights=[3.0, 1.0])
    assert plan.nodes_per_device == (6, 2)


def test_apportion_matches_brute_force():
    # Every split of 7 nodes over 3 devices with at least 1 each, scored by max(n / w).
    weights = [2.0, 1.0, 0.5]
    best = min(
        max(a / 2.0, b / 1.0, (7 - a - b) / 0.5) for a in range(1, 6) for b in range(1, 7 - a)
    )
    counts = apportion_nodes(7, weights)
    assert sum(counts) == 7
    assert max(n / w for n, w in zip(counts, weights, strict=True)) == best


def test_resize_keeps_batch_and_nodes():
    plan = VirtualNodePlan(64, 8, devices=1)
    resized = plan.resize(4)
    assert resized.num_devices == 4
    assert resized.nodes_per_device == (2, 2, 2, 2)
    assert (resized.global_batch, resized.virtual_nodes) == (64, 8)
    assert [resized.node_slice(k) for k in range(8)] == [plan.node_slice(k) for k in range(8)]


@pytest.mark.parametrize("target", [3, 0, 16])
def test_resize_rejects_bad_target(target):
    plan = VirtualNodePlan(64, 8, devices=2)
    with pytest.raises(ResizeError, match=f"cannot resize to {target} devices"):
        plan.resize(target)


def test_resize_error_is_value_error():
    with pytest.raises(ValueError, match="divides 8"):
        VirtualNodePlan(64, 8, devices=2).resize(3)


def test_dict_round_trip_through_json():
    plan = VirtualNodePlan(48, 6, nodes_per_device=[4, 2])
    data = json.loads(json.dumps(plan.to_dict()))
    assert data["format"] == "virtualflow-plan/1"
    assert VirtualNodePlan.from_dict(data) == plan


def test_from_dict_rejects_wrong_format():
    with pytest.raises(PlanError, match="format"):
        VirtualNodePlan.from_dict({"format": "other", "global_batch": 8})


def test_from_dict_rejects_missing_keys():
    with pytest.raises(PlanError, match="missing the keys"):
        VirtualNodePlan.from_dict({"format": "virtualflow-plan/1", "global_batch": 8})


def test_batch_not_divisible_by_nodes():
    with pytest.raises(IndivisibleBatchError, match="global batch 60 is not a multiple of"):
        VirtualNodePlan(60, 8, devices=1)


def test_batch_smaller_than_nodes():
    with pytest.raises(BatchTooSmallError, match="global batch 4 is smaller than the 8"):
        VirtualNodePlan(4, 8, devices=1)


@pytest.mark.parametrize(
    ("args", "name"),
    [((64, 0, 1), "virtual_nodes"), ((64, 8, 0), "devices"), ((0, 8, 1), "global_batch")],
)
def test_count_below_one(args, name):
    with pytest.raises(InvalidCountError, match=f"{name} must be at least 1"):
        VirtualNodePlan(*args)


def test_devices_not_dividing_nodes():
    with pytest.raises(IndivisibleDevicesError, match=r"8 virtual nodes cannot be spread.*3"):
        VirtualNodePlan(64, 8, devices=3)


def test_more_devices_than_nodes():
    with pytest.raises(TooManyDevicesError, match="16 devices but only 8 virtual nodes"):
        VirtualNodePlan(64, 8, devices=16)


def test_float_count_is_type_error():
    with pytest.raises(PlanTypeError, match="virtual_nodes must be an integer"):
        VirtualNodePlan(64, 8.0, devices=1)
    with pytest.raises(TypeError):
        VirtualNodePlan(64, 8, devices=True)


def test_nodes_per_device_sum_mismatch():
    with pytest.raises(InvalidCountError, match=r"adds up to 7, expected the 8"):
        VirtualNodePlan(64, 8, nodes_per_device=[4, 3])


def test_nodes_per_device_zero_entry():
    with pytest.raises(InvalidCountError, match=r"nodes_per_device\[1\] must be at least 1"):
        VirtualNodePlan(64, 8, nodes_per_device=[8, 0])


def test_exactly_one_device_option():
    with pytest.raises(PlanError, match="exactly one of"):
        VirtualNodePlan(64, 8)
    with pytest.raises(PlanError, match="devices, nodes_per_device"):
        VirtualNodePlan(64, 8, devices=2, nodes_per_device=[4, 4])


def test_device_weights_rejects_non_positive():
    with pytest.raises(PlanError, match=r"device_weights\[1\] must be a finite number > 0"):
        VirtualNodePlan(64, 8, device_weights=[1.0, 0.0])


def test_plan_errors_share_base_classes():
    with pytest.raises(VirtualFlowError):
        VirtualNodePlan(60, 8, devices=1)
    with pytest.raises(ValueError):
        VirtualNodePlan(60, 8, devices=1)


def test_index_out_of_range():
    plan = VirtualNodePlan(16, 4, devices=2)
    with pytest.raises(IndexError, match="virtual node index 4"):
        plan.node_slice(4)
    with pytest.raises(IndexError, match="device index 2"):
        plan.nodes_of(2)


def test_uneven_plan_slices_and_weights():
    plan = UnevenBatchPlan(4, [3, 1])
    assert plan.device_slice(0) == slice(0, 3)
    assert plan.device_slice(1) == slice(3, 4)
    assert plan.gradient_weights == (0.75, 0.25)
    assert UnevenBatchPlan.from_dict(json.loads(json.dumps(plan.to_dict()))) == plan


def test_uneven_split_not_summing_to_batch():
    with pytest.raises(SplitError, match=r"add up to 5, expected the global batch 4"):
        UnevenBatchPlan(4, [3, 2])


def test_uneven_split_zero_entry():
    with pytest.raises(SplitError, match=r"batch_sizes\[1\] must be at least 1"):
        UnevenBatchPlan(4, [4, 0])


def test_device_weights_rejects_text():
    with pytest.raises(PlanTypeError, match="device_weights must be a sequence of numbers"):
        VirtualNodePlan(64, 8, device_weights=["fast", "slow"])


def test_apportion_random_cases_match_brute_force():
    rng = np.random.default_rng(3)
    for _ in range(40):
        devices = int(rng.integers(1, 4))
        nodes = int(rng.integers(devices, 9))
        weights = rng.choice([0.5, 1.0, 1.5, 3.0], size=devices).tolist()
        best = min(
            max(n / w for n, w in zip(counts, weights, strict=True))
            for counts in itertools.product(range(1, nodes + 1), repeat=devices)
            if sum(counts) == nodes
        )
        counts = apportion_nodes(nodes, weights)
        assert sum(counts) == nodes
        assert min(counts) >= 1
        assert max(n / w for n, w in zip(counts, weights, strict=True)) == pytest.approx(best)


def test_uneven_from_dict_missing_keys():
    with pytest.raises(PlanError, match=r"missing the keys \['batch_sizes'\]"):
        UnevenBatchPlan.from_dict({"format": "virtualflow-uneven-plan/1", "global_batch": 4})
