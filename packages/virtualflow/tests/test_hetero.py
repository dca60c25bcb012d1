import itertools
import json
import math

import numpy as np
import pytest

from virtualflow.errors import InfeasiblePlanError, PlanError
from virtualflow.hetero import (
    ThroughputProfile,
    even_split_step_time_s,
    minimize_max_cost,
    plan_heterogeneous,
)
from virtualflow.plan import VirtualNodePlan
from virtualflow.reference import sgd_step
from virtualflow.uneven import UnevenBatchPlan


def profile(name, table):
    return ThroughputProfile(name, sorted(table.items()))


# Fast and slow device types at one batch size: one pass over 8 examples takes
# 8 / 100 = 0.08 s on "fast" and 8 / 50 = 0.16 s on "slow".
FAST = profile("fast", {8: 100.0})
SLOW = profile("slow", {8: 50.0})


class TestMinimizeMaxCost:
    def test_matches_brute_force(self):
        rng = np.random.default_rng(1)
        for _ in range(30):
            total = int(rng.integers(0, 9))
            rows = []
            for _device in range(3):
                steps = rng.choice(
                    [0.0, 0.5, 1.0, 2.0, math.inf], size=total, p=[0.2, 0.3, 0.2, 0.2, 0.1]
                )
                rows.append(np.concatenate([[0.0], np.cumsum(steps)]))
            feasible = [
                counts
                for counts in itertools.product(range(total + 1), repeat=3)
                if sum(counts) == total and all(rows[d][counts[d]] < math.inf for d in range(3))
            ]
            if not feasible:
                with pytest.raises(InfeasiblePlanError):
                    minimize_max_cost(rows, total)
                continue
            expected = min(max(rows[d][c[d]] for d in range(3)) for c in feasible)
            best, counts = minimize_max_cost(rows, total)
            assert best == expected
            assert sum(counts) == total
            assert max(rows[d][counts[d]] for d in range(3)) == expected

    def test_rejects_decreasing_row(self):
        with pytest.raises(ValueError, match="non-decreasing"):
            minimize_max_cost([[0.0, 2.0, 1.0]], 2)

    def test_rejects_wrong_row_length(self):
        with pytest.raises(ValueError, match="expected total \\+ 1 = 3"):
            minimize_max_cost([[0.0, 1.0]], 2)


class TestEqualMode:
    def test_optimum_by_hand(self):
        # Two fast (0.08 s per node) and two slow (0.16 s per node) devices, 16 nodes of 8.
        # In T seconds a fast device runs floor(T / 0.08) nodes and a slow one floor(T / 0.16).
        # T = 0.40 allows 5 + 5 + 2 + 2 = 14 < 16 nodes; T = 0.48 allows 6 + 6 + 3 + 3 = 18,
        # and no per-device time lies strictly between, so the optimum is 0.48 s.
        result = plan_heterogeneous([(FAST, 2), (SLOW, 2)], 128, 16)
        assert result.step_time_s == pytest.approx(0.48)
        assert sum(result.assignment) == 16
        assert result.device_types == ("fast", "fast", "slow", "slow")
        assert max(result.device_times_s) == pytest.approx(0.48)
        assert isinstance(result.plan, VirtualNodePlan)
        assert result.plan.virtual_batch == 8
        assert result.examples_per_s == pytest.approx(128 / 0.48)

    def test_beats_even_split(self):
        # Four nodes on every device: the slow ones need 4 * 0.16 = 0.64 s.
        assert even_split_step_time_s([(FAST, 2), (SLOW, 2)], 128, 16) == pytest.approx(0.64)

    def test_matches_brute_force(self):
        fast = profile("a", {2: 40.0, 4: 100.0, 8: 120.0})
        mid = profile("b", {2: 30.0, 8: 60.0})
        slow = profile("c", {1: 5.0, 4: 12.0})
        groups = [(fast, 1), (mid, 1), (slow, 1)]
        for global_batch, virtual_nodes in [(16, 8), (32, 8), (8, 8), (24, 6)]:
            virtual_batch = global_batch // virtual_nodes
            times = [
                p.step_time_s(virtual_batch) if virtual_batch <= p.max_batch_size else math.inf
                for p in (fast, mid, slow)
            ]
            expected = min(
                max(n * t if n else 0.0 for n, t in zip(counts, times, strict=True))
                for counts in itertools.product(range(virtual_nodes + 1), repeat=3)
                if sum(counts) == virtual_nodes
            )
            result = plan_heterogeneous(groups, global_batch, virtual_nodes)
            assert result.step_time_s == pytest.approx(expected)

    def test_leaves_slow_device_idle(self):
        # Four nodes: 4 * 0.1 = 0.4 s on the fast device alone, while giving one node to
        # the slow device costs 1.0 s. The plan keeps only the fast device.
        fast = profile("fast", {4: 40.0})
        slow = profile("slow", {4: 4.0})
        result = plan_heterogeneous([(fast, 1), (slow, 1)], 16, 4)
        assert result.assignment == (4, 0)
        assert result.step_time_s == pytest.approx(0.4)
        assert result.active_devices == (0,)
        assert result.plan.nodes_per_device == (4,)

    def test_trains_like_homogeneous_plan(self):
        # Equal-size virtual nodes: the SGD step equals the one-device step, whatever the
        # assignment, because every device's average is weighted by its share of nodes.
        result = plan_heterogeneous([(FAST, 2), (SLOW, 2)], 128, 16)
        rng = np.random.default_rng(0)
        x = rng.normal(size=(128, 3))
        y = rng.normal(size=128)
        w = rng.normal(size=3)
        single = sgd_step(VirtualNodePlan(128, 16, devices=1), w, x, y, 0.1)
        np.testing.assert_allclose(sgd_step(result.plan, w, x, y, 0.1), single, rtol=1e-12)

    def test_virtual_batch_beyond_profiles(self):
        with pytest.raises(InfeasiblePlanError, match="virtual batch of 16 examples"):
            plan_heterogeneous([(FAST, 1), (SLOW, 1)], 64, 4)

    def test_needs_virtual_nodes(self):
        with pytest.raises(PlanError, match="equal mode needs virtual_nodes"):
            plan_heterogeneous([(FAST, 1)], 64)

    def test_validates_batch_and_nodes(self):
        with pytest.raises(PlanError, match="not a multiple"):
            plan_heterogeneous([(FAST, 1)], 60, 8)

    def test_to_dict_is_json(self):
        data = json.loads(json.dumps(plan_heterogeneous([(FAST, 1), (SLOW, 1)], 32, 4).to_dict()))
        assert data["mode"] == "equal"
        assert [d["virtual_nodes"] for d in data["devices"]] == [3, 1]
        assert data["plan"]["nodes_per_device"] == [3, 1]


class TestUnevenMode:
    def test_linear_profiles_by_hand(self):
        # Constant throughputs of 100 and 50 ex/s: b / 100 = (30 - b) / 50 gives b = 20,
        # so the split is (20, 10) and both devices take 0.2 s.
        first = profile("a", {1: 100.0, 32: 100.0})
        second = profile("b", {1: 50.0, 32: 50.0})
        result = plan_heterogeneous([(first, 1), (second, 1)], 30, mode="uneven")
        assert result.assignment == (20, 10)
        assert result.step_time_s == pytest.approx(0.2)
        assert isinstance(result.plan, UnevenBatchPlan)
        assert result.plan.gradient_weights == pytest.approx((2 / 3, 1 / 3))

    def test_largest_profiled_batch_caps_split(self):
        # "a" takes 0.1 s for any batch up to its largest profiled size 32, so "b" must take
        # at least 8 of the 40 examples: 8 / 40 = 0.2 s. The unique optimum is (32, 8).
        first = profile("a", {8: 80.0, 32: 320.0})
        second = profile("b", {8: 40.0, 32: 40.0})
        result = plan_heterogeneous([(first, 1), (second, 1)], 40, mode="uneven")
        assert result.assignment == (32, 8)
        assert result.step_time_s == pytest.approx(0.2)

    def test_matches_brute_force(self):
        profiles = [
            profile("a", {1: 10.0, 4: 60.0, 8: 70.0}),
            profile("b", {2: 30.0, 6: 45.0}),
            profile("c", {1: 20.0, 8: 20.0}),
        ]

        def envelope_time(prof, batch):
            # Independent re-statement of the cost model: largest predicted time of any
            # batch up to this one, infinite beyond the profiled range.
            if batch == 0:
                return 0.0
            if batch > prof.max_batch_size:
                return math.inf
            return max(prof.step_time_s(size) for size in range(1, batch + 1))

        groups = [(prof, 1) for prof in profiles]
        for global_batch in (3, 10, 17, 22):
            expected = min(
                max(envelope_time(p, b) for p, b in zip(profiles, split, strict=True))
                for split in itertools.product(range(global_batch + 1), repeat=3)
                if sum(split) == global_batch
            )
            result = plan_heterogeneous(groups, global_batch, mode="uneven")
            assert result.step_time_s == pytest.approx(expected)
            assert sum(result.assignment) == global_batch

    def test_profiles_too_small(self):
        with pytest.raises(InfeasiblePlanError, match="add up to less than the global batch 64"):
            plan_heterogeneous([(FAST, 2), (SLOW, 2)], 64, mode="uneven")

    def test_unknown_mode(self):
        with pytest.raises(PlanError, match="mode must be 'equal' or 'uneven'"):
            plan_heterogeneous([(FAST, 1)], 8, 1, mode="fastest")

    def test_bad_device_count(self):
        with pytest.raises(PlanError, match="must be an integer >= 1, got 0"):
            plan_heterogeneous([(FAST, 0)], 8, 1)


def test_warns_on_different_models(caplog):
    cnn = ThroughputProfile("a", [(8, 100.0)], model="cnn")
    mlp = ThroughputProfile("b", [(8, 100.0)], model="mlp")
    with caplog.at_level("WARNING", logger="virtualflow.hetero"):
        plan_heterogeneous([(cnn, 1), (mlp, 1)], 16, 2)
    assert "different models ['cnn', 'mlp']" in caplog.text


def test_same_model_does_not_warn(caplog):
    with caplog.at_level("WARNING", logger="virtualflow.hetero"):
        plan_heterogeneous([(FAST, 1), (SLOW, 1)], 16, 2)
    assert caplog.text == ""
