"""``virtualflow profile``: measure this machine's training throughput at several batch sizes."""

from __future__ import annotations

import argparse
import json
import logging
import platform
import time

from virtualflow.commands.options import check_output_file, positive_int
from virtualflow.data import DATASETS
from virtualflow.models import MODELS

__all__ = ["register"]

logger = logging.getLogger(__name__)


def _batch_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError as err:
        msg = f"expected comma-separated integers, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from err
    if any(size < 1 for size in sizes):
        msg = f"batch sizes must be >= 1, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return sizes


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``profile`` subcommand to the CLI."""
    parser = subparsers.add_parser(
        "profile",
        help="measure training throughput per batch size and write a profile JSON",
        description=(
            "Time training steps of one device at each batch size and write examples per "
            "second as a profile JSON that 'virtualflow plan --profile' reads."
        ),
    )
    parser.add_argument(
        "--model", choices=MODELS, default="cnn", help="model architecture (default: %(default)s)"
    )
    parser.add_argument(
        "--dataset", choices=DATASETS, default="digits", help="input data (default: %(default)s)"
    )
    parser.add_argument(
        "--batch-sizes",
        type=_batch_sizes,
        default=[8, 16, 32, 64],
        help="comma-separated per-device batch sizes (default: 8,16,32,64)",
    )
    parser.add_argument(
        "--steps",
        type=positive_int,
        default=10,
        help="timed steps per batch size after 2 warm-up steps (default: %(default)s)",
    )
    parser.add_argument(
        "--device-type", default=None, help="device type name in the profile (default: the CPU)"
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the initial weights and data order (default: %(default)s)",
    )
    parser.add_argument("--out", required=True, help="profile JSON to write")
    parser.add_argument(
        "--format",
        choices=["table", "json"],
        default="table",
        help="output format of the measurements on stdout (default: %(default)s)",
    )
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    check_output_file("--out", args.out)

    import keras
    import numpy as np

    from virtualflow.data import global_batch, load_dataset
    from virtualflow.keras.devices import make_strategy
    from virtualflow.keras.model import VirtualNodeModel
    from virtualflow.models import build_model
    from virtualflow.plan import VirtualNodePlan
    from virtualflow.throughput import ThroughputProfile

    images, labels = load_dataset(args.dataset)
    measurements = []
    for batch_size in args.batch_sizes:
        strategy = make_strategy(1)
        with strategy.scope():
            model = VirtualNodeModel(
                build_model(args.model, images.shape[1:], seed=args.seed),
                VirtualNodePlan(batch_size, 1, devices=1),
                seed=args.seed,
            )
            model.compile(
                optimizer=keras.optimizers.SGD(0.01),
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            )
        times = []
        for step in range(args.steps + 2):
            x, y = global_batch(images, labels, batch_size, step, args.seed)
            start = time.perf_counter()
            model.train_on_global_batch(x, y)
            times.append(time.perf_counter() - start)
        throughput = batch_size / float(np.median(times[2:]))
        logger.info("batch size %d: %.1f examples/s", batch_size, throughput)
        measurements.append((batch_size, throughput))
    device_type = args.device_type or f"cpu-{platform.machine()}"
    profile = ThroughputProfile(device_type, measurements, model=args.model)
    profile.save(args.out)
    if args.format == "json":
        print(json.dumps(profile.to_dict()))
    else:
        print(f"{'batch_size':>10s} {'examples_per_s':>15s}")
        for batch_size, throughput in measurements:
            print(f"{batch_size:>10d} {throughput:>15.1f}")
    return 0
