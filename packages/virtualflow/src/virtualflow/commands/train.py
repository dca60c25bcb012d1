"""``virtualflow train``: train a model with virtual nodes and write a run directory."""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import time
from collections.abc import Iterable, Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

from virtualflow.commands.options import (
    UsageError,
    check_run_folder,
    device_count_problem,
    momentum,
    non_negative_int,
    plan_from_options,
    positive_float,
    positive_int,
)
from virtualflow.data import DATASETS
from virtualflow.errors import (
    DatasetTooSmallError,
    DeviceConfigurationError,
    ResizeError,
    RunDirectoryError,
)
from virtualflow.models import MODELS
from virtualflow.plan import VirtualNodePlan

__all__ = ["register"]

logger = logging.getLogger(__name__)


def _int_list(text: str) -> list[int]:
    return [positive_int(part) for part in text.split(",")]


def _resize_schedule(text: str) -> list[tuple[int, int]]:
    # The trainer module imports numpy only, so parsing here keeps --help free of TensorFlow.
    from virtualflow.keras.trainer import parse_resize_schedule

    try:
        return parse_resize_schedule(text)
    except ResizeError as err:
        raise argparse.ArgumentTypeError(str(err)) from err


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``train`` subcommand to the CLI."""
    parser = subparsers.add_parser(
        "train",
        help="train a model with virtual nodes and write a run directory",
        description=(
            "Train on real digit images with a fixed global batch and number of virtual "
            "nodes. The device count only decides how many virtual nodes each device runs, "
            "so the result is the same on any device count. Writes config.json, metrics.csv, "
            "weights.npz and curves.png into --out."
        ),
    )
    parser.add_argument(
        "--backend",
        choices=["keras"],
        default="keras",
        help="training backend (default: %(default)s)",
    )
    parser.add_argument(
        "--dataset", choices=DATASETS, default="digits", help="training data (default: %(default)s)"
    )
    parser.add_argument(
        "--model", choices=MODELS, default="cnn", help="model architecture (default: %(default)s)"
    )
    parser.add_argument(
        "--global-batch", type=positive_int, default=64, help="examples per step (default: 64)"
    )
    parser.add_argument(
        "--virtual-nodes", type=positive_int, default=8, help="virtual nodes V (default: 8)"
    )

    devices = parser.add_mutually_exclusive_group()
    devices.add_argument(
        "--devices",
        type=positive_int,
        default=None,
        help=(
            "devices D, dividing V (default: 1, or the first count of --resize-schedule; "
            "a different value together with --resize-schedule is an error)"
        ),
    )
    devices.add_argument(
        "--nodes-per-device",
        type=_int_list,
        metavar="N0,N1,...",
        help=(
            "virtual nodes on each device, e.g. 3,1 (heterogeneous; adds up to V; not "
            "allowed with --resize-schedule, which splits the nodes evenly)"
        ),
    )

    parser.add_argument(
        "--steps",
        type=positive_int,
        default=100,
        help="optimizer steps to train, counted from step 0 (default: %(default)s)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the initial weights, data order and dropout (default: %(default)s)",
    )
    parser.add_argument(
        "--lr", type=positive_float, default=0.05, help="SGD learning rate (default: 0.05)"
    )
    parser.add_argument(
        "--momentum", type=momentum, default=0.9, help="SGD momentum (default: 0.9)"
    )

    parser.add_argument(
        "--resize-schedule",
        type=_resize_schedule,
        metavar="STEP:D,...",
        help=(
            "change the device count before the given steps, e.g. 0:1,50:2,100:4; the first "
            "entry is at step 0 and sets the starting device count, steps increase and every "
            "count divides --virtual-nodes (default: no resizing)"
        ),
    )
    parser.add_argument(
        "--deterministic",
        action="store_true",
        help="sum gradients in node order for results bit-identical across device counts",
    )
    parser.add_argument(
        "--mode",
        choices=["virtual", "data-parallel"],
        default="virtual",
        help=(
            "virtual: V virtual nodes; data-parallel: plain data parallelism, the global "
            "batch split over the devices with one node each (a negative control) "
            "(default: %(default)s)"
        ),
    )
    parser.add_argument(
        "--strategy",
        choices=["mirrored", "multi-worker"],
        default="mirrored",
        help=(
            "mirrored: logical devices in this process; multi-worker: one replica per worker "
            "process, cluster read from TF_CONFIG (worker 0 writes --out) (default: %(default)s)"
        ),
    )

    parser.add_argument(
        "--checkpoint-every",
        type=non_negative_int,
        default=50,
        metavar="N",
        help="write checkpoint.npz every N steps and at the end (default: 50; 0: at the end only)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in --out from its checkpoint.npz up to --steps",
    )
    parser.add_argument(
        "--out",
        required=True,
        help=(
            "run folder to write, created when missing; the run files in an existing folder "
            "are overwritten unless --resume is given"
        ),
    )
    parser.add_argument(
        "--format",
        choices=["table", "json"],
        default="table",
        help="output format of the run summary on stdout (default: %(default)s)",
    )
    parser.set_defaults(handler=_run)


def _plan(args: argparse.Namespace) -> VirtualNodePlan:
    """Build the plan of the options, raising a usage error that names the bad option."""
    if args.mode == "data-parallel":
        if args.nodes_per_device or args.resize_schedule:
            msg = (
                "--mode data-parallel takes --devices only, not --nodes-per-device or "
                "--resize-schedule"
            )
            raise UsageError(msg)
        devices = args.devices or 1
        return plan_from_options(
            args.global_batch, devices, devices=devices, nodes_option="--devices"
        )
    if args.resize_schedule:
        # A schedule sets the device count of every step, so the plan starts at its first count.
        first_count = args.resize_schedule[0][1]
        if args.nodes_per_device:
            msg = (
                "--nodes-per-device cannot be combined with --resize-schedule, because a "
                "resize splits the virtual nodes evenly; drop one of them"
            )
            raise UsageError(msg)
        if args.devices is not None and args.devices != first_count:
            msg = (
                f"--devices {args.devices} conflicts with --resize-schedule, which starts on "
                f"{first_count} devices at step 0; drop --devices or pass --devices {first_count}"
            )
            raise UsageError(msg)
        devices = first_count
    elif args.nodes_per_device:
        return plan_from_options(
            args.global_batch, args.virtual_nodes, nodes_per_device=args.nodes_per_device
        )
    else:
        devices = args.devices or 1
    return plan_from_options(
        args.global_batch,
        args.virtual_nodes,
        devices=devices,
        uneven_hint=", or give --nodes-per-device for unequal counts",
    )


def _check_options(args: argparse.Namespace) -> tuple[VirtualNodePlan, list[tuple[int, int]]]:
    """Check every option value before any work and return the plan and resize schedule."""
    check_run_folder("--out", args.out)
    schedule = args.resize_schedule or []
    if args.mode == "virtual":
        # Checked before the plan, which starts on the first entry's device count.
        for step, count in schedule:
            problem = device_count_problem(count, args.virtual_nodes)
            if problem:
                msg = f"--resize-schedule entry {step}:{count} is invalid: {problem}"
                raise UsageError(msg)
    plan = _plan(args)
    if args.strategy == "multi-worker" and (schedule or args.nodes_per_device or args.resume):
        msg = (
            "--strategy multi-worker supports neither --resize-schedule, --nodes-per-device "
            "nor --resume"
        )
        raise UsageError(msg)
    return plan, schedule


def _log_replaced_run(out: str) -> None:
    folder = Path(out)
    if not folder.is_dir():
        return
    replaced = [name for name in _RUN_FILES if (folder / name).exists()]
    if replaced:
        logger.warning(
            "replacing the run in %s: %s will be overwritten (pass --resume to continue it)",
            out,
            ", ".join(replaced),
        )


def _worker_index() -> int:
    try:
        return int(json.loads(os.environ.get("TF_CONFIG", "{}"))["task"]["index"])
    except (ValueError, KeyError, TypeError) as err:
        msg = "TF_CONFIG has no task.index; set it for every worker of a multi-worker run"
        raise DeviceConfigurationError(msg) from err


def _run(args: argparse.Namespace) -> int:
    plan, schedule = _check_options(args)

    from virtualflow.data import check_dataset_size, load_dataset

    images, labels = load_dataset(args.dataset)
    try:
        check_dataset_size(len(images), args.global_batch)
    except DatasetTooSmallError as err:
        msg = f"--global-batch {args.global_batch} is too large for --dataset {args.dataset}: {err}"
        raise UsageError(msg) from err

    # Checked before TensorFlow starts, so a bad --resume fails fast and leaves devices alone.
    config = _config(args, plan, schedule)
    resume_point = _resume_point(args, config)
    if not args.resume:
        _log_replaced_run(args.out)

    from virtualflow.keras import devices

    if not args.verbose:
        # tf.distribute logs its all-reduce choice at INFO for every strategy it builds.
        logging.getLogger("tensorflow").setLevel(logging.WARNING)
    max_devices = max([plan.num_devices] + [count for _, count in schedule])
    if args.strategy == "mirrored":
        devices.configure_logical_devices(max_devices)
    return _train(args, plan, schedule, images, labels, config, resume_point)


# Files of a run folder that a new run overwrites.
_RUN_FILES = ("config.json", "metrics.csv", "weights.npz", "curves.png", "checkpoint.npz")

# Arguments that must match between a checkpoint's run and the run that resumes it.
_RESUME_KEYS = (
    "dataset",
    "model",
    "global_batch",
    "virtual_nodes",
    "nodes_per_device",
    "seed",
    "lr",
    "momentum",
    "resize_schedule",
    "deterministic",
    "mode",
)


def _config(
    args: argparse.Namespace, plan: VirtualNodePlan, schedule: list[tuple[int, int]]
) -> dict[str, Any]:
    return {
        "backend": args.backend,
        "dataset": args.dataset,
        "model": args.model,
        "global_batch": args.global_batch,
        "virtual_nodes": plan.virtual_nodes,
        "devices": plan.num_devices,
        "nodes_per_device": list(plan.nodes_per_device),
        "steps": args.steps,
        "seed": args.seed,
        "lr": args.lr,
        "momentum": args.momentum,
        "resize_schedule": [list(entry) for entry in schedule],
        "deterministic": args.deterministic,
        "mode": args.mode,
        "strategy": args.strategy,
        "plan": plan.to_dict(),
        "versions": {
            "virtualflow": version("virtualflow"),
            "tensorflow": version("tensorflow-cpu"),
            "keras": version("keras"),
            "numpy": version("numpy"),
            "python": platform.python_version(),
        },
    }


def _resume_point(args: argparse.Namespace, config: dict[str, Any]) -> tuple[int, Any, list]:
    """Return ``(first step, training state, earlier records)``; a fresh run starts at 0."""
    if not args.resume:
        return 0, None, []
    from virtualflow.keras.rundir import load_checkpoint, read_records

    config_file = Path(args.out) / "config.json"
    if not config_file.is_file():
        msg = (
            f"{args.out} has no run to resume ({config_file} not found); run without --resume first"
        )
        raise RunDirectoryError(msg)
    try:
        saved = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        msg = f"cannot resume {args.out}: {config_file} cannot be read as JSON ({err})"
        raise RunDirectoryError(msg) from err
    missing = [key for key in _RESUME_KEYS if not isinstance(saved, dict) or key not in saved]
    if missing:
        msg = (
            f"cannot resume {args.out}: {config_file} is not a virtualflow run config (it has "
            f"no {', '.join(missing)}); pass the --out folder of an earlier 'virtualflow train'"
        )
        raise RunDirectoryError(msg)
    changed = [key for key in _RESUME_KEYS if saved.get(key) != config[key]]
    if changed:
        details = ", ".join(f"{key} {saved.get(key)!r} -> {config[key]!r}" for key in changed)
        msg = f"cannot resume {args.out}: the arguments changed ({details}); use the same ones"
        raise RunDirectoryError(msg)
    state, first_step = load_checkpoint(args.out)
    if first_step >= args.steps:
        msg = (
            f"the checkpoint in {args.out} is already at step {first_step}; pass --steps "
            f"greater than {first_step} to train further"
        )
        raise RunDirectoryError(msg)
    logger.info("resuming %s at step %d", args.out, first_step)
    return first_step, state, read_records(args.out, first_step)


def _count_steps(records: Iterable[Any], progress: Any) -> Iterator[Any]:
    """Yield each step record after advancing the tqdm bar ``progress`` and its loss postfix.

    A bar that wraps the iterator writes its count to the display only every few steps, so
    a postfix refresh in between showed a stale count next to a new loss.
    """
    for record in records:
        progress.set_postfix(loss=f"{record.loss:.4f}", devices=record.num_devices, refresh=False)
        progress.update(1)
        yield record


def _train(
    args: argparse.Namespace,
    plan: VirtualNodePlan,
    schedule: list[tuple[int, int]],
    images: Any,
    labels: Any,
    config: dict[str, Any],
    resume_point: tuple[int, Any, list],
) -> int:
    import keras
    from tqdm import tqdm

    from virtualflow.keras import devices
    from virtualflow.keras.rundir import save_checkpoint, write_progress, write_run_directory
    from virtualflow.keras.state import get_training_state, model_weights
    from virtualflow.keras.trainer import Run
    from virtualflow.models import build_model

    if args.strategy == "multi-worker":
        strategy = devices.make_multi_worker_strategy()
        if strategy.num_replicas_in_sync != plan.num_devices:
            msg = (
                f"the cluster has {strategy.num_replicas_in_sync} replicas but --devices is "
                f"{plan.num_devices}; pass --devices {strategy.num_replicas_in_sync}"
            )
            raise DeviceConfigurationError(msg)

        def make_strategy(count: int) -> Any:
            del count
            return strategy
    else:
        make_strategy = devices.make_strategy

    run = Run(
        build=lambda: build_model(args.model, images.shape[1:], classes=10, seed=args.seed),
        make_optimizer=lambda: keras.optimizers.SGD(args.lr, momentum=args.momentum),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        images=images,
        labels=labels,
        plan=plan,
        seed=args.seed,
        deterministic=args.deterministic,
        resize_schedule=schedule,
        make_strategy=make_strategy,
    )
    writes = args.strategy == "mirrored" or _worker_index() == 0
    first_step, state, records = resume_point

    start = time.perf_counter()
    progress = tqdm(
        total=args.steps,
        initial=first_step,
        desc="train",
        file=sys.stderr,
        disable=args.quiet,
    )
    for record in _count_steps(run.steps(args.steps, first_step, state), progress):
        records.append(record)
        done = record.step + 1
        if writes and args.checkpoint_every and done % args.checkpoint_every == 0:
            save_checkpoint(args.out, get_training_state(run.model), done)
            write_progress(args.out, config, records)
    progress.close()
    wall_s = time.perf_counter() - start

    if writes:
        save_checkpoint(args.out, get_training_state(run.model), args.steps)
        write_run_directory(args.out, config, records, model_weights(run.model))
    summary = {
        "final_loss": records[-1].loss,
        "final_train_accuracy": records[-1].accuracy,
        "steps": len(records),
        "resumed_at_step": first_step,
        "device_counts": sorted({record.num_devices for record in records}),
        "wall_s": round(wall_s, 3),
        "out": str(args.out),
    }
    if args.format == "json":
        print(json.dumps(summary))
    else:
        for key, value in summary.items():
            print(f"{key:22s} {value}")
    return 0
