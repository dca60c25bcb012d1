"""The train command: run directories, multi-worker runs and input errors."""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from virtualflow.cli import main


def train_argv(out, *extra):
    return [
        "train",
        "--model",
        "mlp",
        "--global-batch",
        "32",
        "--virtual-nodes",
        "4",
        "--steps",
        "3",
        "--out",
        str(out),
        "--format",
        "json",
        *extra,
    ]


def run_cli(argv, env=None):
    # A fresh process per run: logical devices can be configured once per process only.
    return subprocess.run(
        [sys.executable, "-m", "virtualflow", "-q", *argv],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})},
        check=False,
    )


def test_dataset_smaller_than_batch_rejected(tmp_path, capsys):
    assert main(train_argv(tmp_path / "run", "--global-batch", "4096")) == 2
    error = capsys.readouterr().err
    assert "1797 examples" in error
    assert "--global-batch 4096" in error
    assert "--dataset digits" in error


def test_devices_not_dividing_nodes_rejected(tmp_path, capsys):
    assert main(train_argv(tmp_path / "run", "--devices", "3")) == 2
    error = capsys.readouterr().err
    assert "--devices 3" in error
    # train_argv sets V = 4, whose divisors are 1, 2 and 4.
    assert "use one of 1, 2, 4" in error


def test_invalid_resize_target_rejected(tmp_path, capsys):
    assert main(train_argv(tmp_path / "run", "--resize-schedule", "0:1,2:3")) == 2
    error = capsys.readouterr().err
    assert "--resize-schedule entry 2:3" in error
    assert "use one of 1, 2, 4" in error


def test_resize_schedule_after_step_zero_rejected(tmp_path, capsys):
    assert main(train_argv(tmp_path / "run", "--resize-schedule", "5:2")) == 2
    error = capsys.readouterr().err
    assert "--resize-schedule" in error
    assert "must start at step 0" in error


def test_nodes_per_device_sum_rejected(tmp_path, capsys):
    assert main(train_argv(tmp_path / "run", "--nodes-per-device", "2,1")) == 2
    error = capsys.readouterr().err
    assert "--nodes-per-device 2,1 adds up to 3" in error
    assert "--virtual-nodes is 4" in error


def test_batch_not_multiple_of_nodes_rejected(tmp_path, capsys):
    assert main(train_argv(tmp_path / "run", "--global-batch", "30")) == 2
    error = capsys.readouterr().err
    assert "--global-batch 30 is not a multiple of --virtual-nodes 4" in error
    # The nearest multiples of 4 around 30.
    assert "28 or 32" in error


def test_data_parallel_with_resize_rejected(tmp_path, capsys):
    argv = train_argv(tmp_path / "run", "--mode", "data-parallel", "--resize-schedule", "0:1")
    assert main(argv) == 2
    assert "data-parallel" in capsys.readouterr().err


def test_data_parallel_batch_names_devices(tmp_path, capsys):
    argv = train_argv(tmp_path / "run", "--mode", "data-parallel", "--devices", "3")
    assert main(argv) == 2
    assert "--global-batch 32 is not a multiple of --devices 3" in capsys.readouterr().err


def test_multi_worker_with_resume_rejected(tmp_path, capsys):
    argv = train_argv(tmp_path / "run", "--strategy", "multi-worker", "--resume")
    assert main(argv) == 2
    assert "--strategy multi-worker" in capsys.readouterr().err


def test_out_existing_file_rejected(tmp_path, capsys):
    existing = tmp_path / "train.py"
    existing.write_text("print()\n")
    assert main(train_argv(existing)) == 2
    error = capsys.readouterr().err
    assert f"--out {existing} is an existing file" in error
    assert "Errno" not in error
    assert existing.read_text() == "print()\n"


def test_out_below_file_rejected(tmp_path, capsys):
    existing = tmp_path / "train.py"
    existing.write_text("print()\n")
    assert main(train_argv(existing / "run")) == 2
    error = capsys.readouterr().err
    assert f"{existing} is a file, not a folder" in error


@pytest.mark.heavy
@pytest.mark.slow
def test_train_writes_run_directory(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "metrics.csv").write_text("step,loss\n0,9.9\n")
    result = run_cli(train_argv(out, "--devices", "2"))
    assert result.returncode == 0, result.stderr
    # The earlier run's metrics.csv is replaced, and a warning is logged.
    assert f"replacing the run in {out}: metrics.csv" in result.stderr
    summary = json.loads(result.stdout)
    assert summary["steps"] == 3
    assert summary["device_counts"] == [2]
    for name in ("config.json", "metrics.csv", "weights.npz", "curves.png"):
        assert (out / name).is_file(), name
    config = json.loads((out / "config.json").read_text())
    assert config["plan"]["nodes_per_device"] == [2, 2]
    lines = (out / "metrics.csv").read_text().splitlines()
    assert lines[0] == "step,loss,accuracy,num_devices,wall_s"
    assert len(lines) == 4
    with np.load(out / "weights.npz") as weights:
        assert "mlp/bn1/moving_mean" in weights.files


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


@pytest.mark.heavy
@pytest.mark.slow
def test_multi_worker_matches_single_device(tmp_path):
    single = tmp_path / "single"
    result = run_cli(train_argv(single, "--devices", "1"))
    assert result.returncode == 0, result.stderr

    workers = [f"127.0.0.1:{port}" for port in free_ports(2)]
    processes = []
    for index in range(2):
        config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        argv = train_argv(
            tmp_path / f"worker{index}", "--devices", "2", "--strategy", "multi-worker"
        )
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "virtualflow", "-q", *argv],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "TF_CONFIG": json.dumps(config)},
            )
        )
    try:
        outputs = [process.communicate(timeout=300) for process in processes]
    finally:
        for process in processes:
            process.kill()
    for process, (_, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr
    # Only worker 0 writes the run directory.
    assert not (tmp_path / "worker1").exists()
    with np.load(single / "weights.npz") as a, np.load(tmp_path / "worker0" / "weights.npz") as b:
        assert a.files == b.files
        for key in a.files:
            np.testing.assert_allclose(b[key], a[key], rtol=1e-5, atol=1e-6, err_msg=key)


@pytest.mark.heavy
@pytest.mark.slow
def test_profile_writes_readable_profile(tmp_path):
    from virtualflow.throughput import ThroughputProfile

    out = tmp_path / "cpu.json"
    argv = ["profile", "--model", "mlp", "--batch-sizes", "8,16", "--steps", "2"]
    result = run_cli([*argv, "--out", str(out), "--format", "json"])
    assert result.returncode == 0, result.stderr
    profile = ThroughputProfile.load(out)
    assert [size for size, _ in profile.measurements] == [8, 16]
    assert json.loads(result.stdout)["format"] == "virtualflow-profile/1"


@pytest.mark.parametrize(("option", "value"), [("--lr", "0"), ("--momentum", "1.5")])
def test_invalid_optimizer_option_is_usage_error(tmp_path, capsys, option, value):
    assert main(train_argv(tmp_path / "run", option, value)) == 2
    assert value in capsys.readouterr().err


@pytest.mark.heavy
@pytest.mark.slow
def test_resumed_run_matches_uninterrupted_run(tmp_path):
    whole = tmp_path / "whole"
    result = run_cli(train_argv(whole, "--steps", "4"))
    assert result.returncode == 0, result.stderr

    resumed = tmp_path / "resumed"
    result = run_cli(train_argv(resumed, "--steps", "2"))
    assert result.returncode == 0, result.stderr
    result = run_cli(train_argv(resumed, "--steps", "4", "--resume"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["resumed_at_step"] == 2

    assert len((resumed / "metrics.csv").read_text().splitlines()) == 5
    with np.load(whole / "weights.npz") as a, np.load(resumed / "weights.npz") as b:
        for key in a.files:
            np.testing.assert_allclose(b[key], a[key], rtol=1e-6, atol=1e-7, err_msg=key)


def test_resume_without_run_rejected(tmp_path, capsys):
    out = tmp_path / "missing"
    assert main(train_argv(out, "--resume")) == 1
    error = capsys.readouterr().err
    assert f"{out} has no run to resume ({out / 'config.json'} not found)" in error
    assert "run without --resume first" in error
    assert "Errno" not in error


def test_resume_foreign_config_rejected(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "config.json").write_text("{}")
    assert main(train_argv(out, "--resume")) == 1
    error = capsys.readouterr().err
    assert "is not a virtualflow run config" in error
    assert "arguments changed" not in error


def test_nodes_per_device_with_resize_rejected(tmp_path, capsys):
    argv = train_argv(tmp_path / "run", "--nodes-per-device", "3,1", "--resize-schedule", "0:2")
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert "--nodes-per-device" in error
    assert "--resize-schedule" in error


def test_devices_differing_from_resize_rejected(tmp_path, capsys):
    argv = train_argv(tmp_path / "run", "--devices", "4", "--resize-schedule", "0:1")
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert "--devices 4 conflicts with --resize-schedule" in error
    assert "pass --devices 1" in error


def checked_config(argv):
    from virtualflow.cli import build_parser
    from virtualflow.commands import train

    args = build_parser().parse_args(argv)
    plan, schedule = train._check_options(args)
    return train._config(args, plan, schedule)


def test_config_records_resize_start(tmp_path):
    config = checked_config(train_argv(tmp_path / "run", "--resize-schedule", "0:2,2:4"))
    # V = 4 on the schedule's first count of 2 devices: two nodes on each.
    assert config["devices"] == 2
    assert config["nodes_per_device"] == [2, 2]
    assert config["resize_schedule"] == [[0, 2], [2, 4]]


def test_devices_matching_resize_accepted(tmp_path):
    argv = train_argv(tmp_path / "run", "--devices", "2", "--resize-schedule", "0:2")
    assert checked_config(argv)["devices"] == 2


def test_progress_count_matches_loss():
    import io
    from types import SimpleNamespace

    from tqdm import tqdm

    from virtualflow.commands.train import _count_steps

    records = [SimpleNamespace(step=i, loss=1.0 / (i + 1), num_devices=2) for i in range(3)]
    output = io.StringIO()
    progress = tqdm(total=3, file=output, mininterval=60)
    for done, record in enumerate(_count_steps(records, progress), start=1):
        # The bar's count and the postfix describe the same step while the loop body runs.
        assert progress.n == done
        assert f"loss={record.loss:.4f}" in progress.postfix
    progress.close()
    assert "3/3" in output.getvalue()
    # The last record's loss is 1 / 3.
    assert "loss=0.3333" in output.getvalue()
