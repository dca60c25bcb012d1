import json

import pytest

from virtualflow.cli import main
from virtualflow.throughput import ThroughputProfile


@pytest.fixture
def profiles(tmp_path):
    # One pass over 8 examples: 8 / 100 = 0.08 s on "fast", 8 / 50 = 0.16 s on "slow".
    fast = tmp_path / "fast.json"
    slow = tmp_path / "slow.json"
    ThroughputProfile("fast", [(8, 100.0)]).save(fast)
    ThroughputProfile("slow", [(8, 50.0)]).save(slow)
    return fast, slow


def mixed_devices_argv(fast, slow):
    # B = 128 and V = 16 on two fast and two slow devices.
    argv = "plan --global-batch 128 --virtual-nodes 16".split()
    return [*argv, "--profile", f"{fast}:2", "--profile", f"{slow}:2"]


def test_homogeneous_plan_json(capsys):
    argv = "plan --global-batch 64 --virtual-nodes 16 --devices 4 --format json".split()
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["mode"] == "homogeneous"
    assert report["virtual_batch"] == 4
    assert [d["virtual_nodes"] for d in report["devices"]] == [4, 4, 4, 4]
    assert [d["first_node"] for d in report["devices"]] == [0, 4, 8, 12]
    assert report["plan"]["nodes_per_device"] == [4, 4, 4, 4]


def test_profile_plan_json(profiles, capsys):
    fast, slow = profiles
    argv = [*mixed_devices_argv(fast, slow), "--format", "json"]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    # Optimum by hand: 0.48 s (see the equal-mode test of the planner). Four nodes on every
    # device would take 4 * 0.16 = 0.64 s on the slow ones, so the plan is 0.64 / 0.48 faster.
    assert report["step_time_s"] == pytest.approx(0.48)
    assert report["even_split_step_time_s"] == pytest.approx(0.64)
    assert report["speedup_vs_even_split"] == pytest.approx(4 / 3)
    assert sum(d["virtual_nodes"] for d in report["devices"]) == 16
    assert [d["device_type"] for d in report["devices"]] == ["fast", "fast", "slow", "slow"]


def test_profile_plan_table(profiles, capsys):
    fast, slow = profiles
    argv = mixed_devices_argv(fast, slow)
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("global batch 128, 16 virtual nodes of 8 examples, 4 devices")
    assert "predicted step time 0.48 s" in out
    assert "1.33x faster" in out
    # The optimum here is not unique, so only the command's shape is checked.
    assert "train with: virtualflow train --global-batch 128 --virtual-nodes 16" in out


def test_uneven_plan_json(tmp_path, capsys):
    # Constant 100 and 50 ex/s: the split (20, 10) makes both devices take 0.2 s.
    first = tmp_path / "a.json"
    second = tmp_path / "b.json"
    ThroughputProfile("a", [(1, 100.0), (32, 100.0)]).save(first)
    ThroughputProfile("b", [(1, 50.0), (32, 50.0)]).save(second)
    argv = [*"plan --global-batch 30 --mode uneven --format json".split(), "--profile", str(first)]
    argv += ["--profile", f"{second}:1"]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert [d["batch_size"] for d in report["devices"]] == [20, 10]
    assert report["plan"]["gradient_weights"] == pytest.approx([2 / 3, 1 / 3])


def test_missing_virtual_nodes_is_usage_error(profiles, capsys):
    assert main(["plan", "--global-batch", "64", "--profile", str(profiles[0])]) == 2
    assert "--virtual-nodes is required" in capsys.readouterr().err


def test_bad_profile_count_is_usage_error(profiles, capsys):
    argv = [*"plan --global-batch 64 --virtual-nodes 8 --profile".split(), f"{profiles[0]}:0"]
    assert main(argv) == 2
    assert "COUNT an integer >= 1" in capsys.readouterr().err


def test_non_integer_profile_count_is_usage_error(profiles, capsys):
    argv = [*"plan --global-batch 64 --virtual-nodes 8 --profile".split(), f"{profiles[0]}:x"]
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert "argument --profile" in error
    assert "the device count 'x' is invalid" in error
    assert "not found" not in error


def test_profile_file_name_with_colon(tmp_path, capsys):
    path = tmp_path / "gpu:a100.json"
    ThroughputProfile("gpu", [(8, 100.0)]).save(path)
    argv = [*"plan --global-batch 64 --virtual-nodes 8 --profile".split(), str(path)]
    assert main([*argv, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["num_devices"] == 1


def test_indivisible_devices_is_usage_error(capsys):
    assert main("plan --global-batch 64 --virtual-nodes 16 --devices 3".split()) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--devices 3 is invalid" in err
    # The divisors of 16.
    assert "use one of 1, 2, 4, 8, 16" in err


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ("--virtual-nodes 0 --devices 1", "argument --virtual-nodes: expected an integer >= 1"),
        ("--virtual-nodes 8 --devices -2", "argument --devices: expected an integer >= 1"),
        ("--virtual-nodes 8 --devices 16", "16 devices are more than --virtual-nodes 8"),
        (
            "--virtual-nodes 6 --devices 1",
            "--global-batch 64 is not a multiple of --virtual-nodes 6",
        ),
        (
            "--virtual-nodes 128 --devices 1",
            "--global-batch 64 is smaller than --virtual-nodes 128",
        ),
    ],
)
def test_invalid_option_names_option(options, expected, capsys):
    assert main(["plan", "--global-batch", "64", *options.split()]) == 2
    assert expected in capsys.readouterr().err


def test_profile_batch_checked_before_planning(profiles, capsys):
    argv = [*"plan --global-batch 60 --virtual-nodes 8 --profile".split(), str(profiles[0])]
    assert main(argv) == 2
    assert "--global-batch 60 is not a multiple of --virtual-nodes 8" in capsys.readouterr().err


def test_out_in_missing_folder_is_usage_error(tmp_path, capsys):
    out = tmp_path / "missing" / "plan.json"
    argv = "plan --global-batch 64 --virtual-nodes 8 --devices 2 --out".split()
    assert main([*argv, str(out)]) == 2
    assert f"--out {out}: the folder {out.parent} does not exist" in capsys.readouterr().err


def test_missing_profile_file(tmp_path, capsys):
    argv = [
        *"plan --global-batch 64 --virtual-nodes 8 --profile".split(),
        str(tmp_path / "none.json"),
    ]
    assert main(argv) == 1
    assert "none.json not found" in capsys.readouterr().err


def test_out_writes_report(tmp_path, capsys):
    out = tmp_path / "plan.json"
    argv = [*"plan --global-batch 32 --virtual-nodes 4 --devices 2 --out".split(), str(out)]
    assert main(argv) == 0
    assert capsys.readouterr().out.startswith("global batch 32")
    saved = json.loads(out.read_text())
    assert saved["plan"]["nodes_per_device"] == [2, 2]
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]
