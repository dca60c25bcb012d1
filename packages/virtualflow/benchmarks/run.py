"""Benchmark virtual nodes against plain gradient accumulation and the full batch.

Same CNN and seed on one device, in one process, at a global batch of 64 digit images and of
512 MNIST images:

- virtual nodes: ``VirtualNodeModel`` with V = 8 on one device;
- manual gradient accumulation: 8 micro-batch gradients summed inside one ``tf.function`` and
  applied once, with the micro-batches in order (as virtual nodes run) and unordered;
- Keras' ``SGD(gradient_accumulation_steps=8)`` fed 8 micro-batches of 8 per step with
  ``train_on_batch`` (single device, where Keras supports it);
- full batch: ``VirtualNodeModel`` with V = 1, the whole global batch at once.

Step time is the median over timed steps after warm-up, repeated; the max weight difference
compares final weights after the same steps. Peak memory is the peak tensor memory of a
fresh process that trains the MNIST CNN at a global batch of 512 with V = 1, 2, 4, 8 on one
device, read from TensorFlow's allocator statistics.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import numpy as np

WARMUP = 5
TIMED = 20
REPEATS = 3
NODES = 8


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def build(keras, images):
    from virtualflow.models import build_model

    return build_model("cnn", images.shape[1:], seed=0)


def loss_fn(keras):
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def time_virtual(keras, images, labels, batch, nodes, devices=1):
    from virtualflow import VirtualNodePlan
    from virtualflow.data import global_batch
    from virtualflow.keras import VirtualNodeModel, make_strategy
    from virtualflow.keras.state import model_weights

    with make_strategy(devices).scope():
        model = VirtualNodeModel(
            build(keras, images), VirtualNodePlan(batch, nodes, devices=devices), seed=0
        )
        model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9), loss=loss_fn(keras))
    times = []
    for step in range(WARMUP + TIMED):
        x, y = global_batch(images, labels, batch, step, 0)
        start = time.perf_counter()
        model.train_on_global_batch(x, y)
        times.append(time.perf_counter() - start)
    return statistics.median(times[WARMUP:]), model_weights(model)


def time_accumulation(keras, images, labels, batch):
    from virtualflow.data import global_batch
    from virtualflow.keras.state import model_weights

    model = build(keras, images)
    model.compile(
        optimizer=keras.optimizers.SGD(0.05, momentum=0.9, gradient_accumulation_steps=NODES),
        loss=loss_fn(keras),
    )
    micro = batch // NODES
    times = []
    for step in range(WARMUP + TIMED):
        x, y = global_batch(images, labels, batch, step, 0)
        start = time.perf_counter()
        for index in range(NODES):
            rows = slice(index * micro, (index + 1) * micro)
            model.train_on_batch(x[rows], y[rows])
        times.append(time.perf_counter() - start)
    return statistics.median(times[WARMUP:]), model_weights(model)


def time_manual_accumulation(keras, images, labels, batch, sequential=False):
    """Accumulate 8 micro-batch gradients inside one tf.function and apply them once.

    With ``sequential`` each micro-batch starts only after the previous one's gradients exist,
    as in the virtual-node step; without it TensorFlow may run micro-batches concurrently.
    """
    import tensorflow as tf

    from virtualflow.data import global_batch
    from virtualflow.keras.state import model_weights

    model = build(keras, images)
    optimizer = keras.optimizers.SGD(0.05, momentum=0.9)
    optimizer.build(model.trainable_variables)
    loss_object = loss_fn(keras)
    micro = batch // NODES

    @tf.function
    def train_step(x, y):
        totals = [tf.zeros_like(v) for v in model.trainable_variables]
        gradients = []
        for index in range(NODES):
            with tf.control_dependencies(gradients if sequential else []):
                x_micro = tf.identity(x[index * micro : (index + 1) * micro])
            with tf.GradientTape() as tape:
                logits = model(x_micro, training=True)
                loss = loss_object(y[index * micro : (index + 1) * micro], logits)
            gradients = tape.gradient(loss, model.trainable_variables)
            totals = [t + g / NODES for t, g in zip(totals, gradients, strict=True)]
        optimizer.apply_gradients(zip(totals, model.trainable_variables, strict=True))

    times = []
    for step in range(WARMUP + TIMED):
        x, y = global_batch(images, labels, batch, step, 0)
        start = time.perf_counter()
        train_step(tf.constant(x), tf.constant(y))
        times.append(time.perf_counter() - start)
    return statistics.median(times[WARMUP:]), model_weights(model)


def max_difference(a, b, trainable_only=False):
    keys = [key for key in a if not (trainable_only and "moving" in key)]
    return max(float(np.max(np.abs(a[key] - b[key]))) for key in keys)


def memory_child(nodes: int) -> None:
    """Train the MNIST CNN at batch 512 with ``nodes`` nodes; print TensorFlow's peak memory.

    The peak comes from TensorFlow's CPU allocator statistics, reset after a first (tracing)
    step, minus the memory in use at that point: tensors allocated during the timed steps.
    """
    import keras
    import tensorflow as tf

    from virtualflow import VirtualNodePlan
    from virtualflow.data import global_batch, load_dataset
    from virtualflow.keras import VirtualNodeModel

    images, labels = load_dataset("mnist")
    batch = 512
    model = VirtualNodeModel(build(keras, images), VirtualNodePlan(batch, nodes, devices=1))
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss=loss_fn(keras))
    model.train_on_global_batch(*global_batch(images, labels, batch, 0, 0))
    tf.config.experimental.reset_memory_stats("CPU:0")
    baseline = tf.config.experimental.get_memory_info("CPU:0")["current"]
    for step in range(1, 4):
        model.train_on_global_batch(*global_batch(images, labels, batch, step, 0))
    peak = tf.config.experimental.get_memory_info("CPU:0")["peak"]
    print(json.dumps({"nodes": nodes, "peak_growth_mib": (peak - baseline) / 2**20}))


def memory_sweep() -> list[dict]:
    rows = []
    for nodes in (1, 2, 4, 8):
        result = subprocess.run(
            [sys.executable, __file__, "--memory-child", str(nodes)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        )
        rows.append(json.loads(result.stdout.strip().splitlines()[-1]))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/benchmarks/virtualflow.md"))
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return 0

    from virtualflow.keras import configure_logical_devices

    configure_logical_devices(NODES)
    import keras

    from virtualflow.data import load_dataset

    workloads = [("digits", 64, 8, "8x8 digits"), ("mnist", 512, 64, "28x28 MNIST")]
    labels_text = {
        "virtual": f"virtual nodes (V = {NODES}, 1 device)",
        "sequential": f"manual accumulation, {NODES} micro-batches in order, one tf.function",
        "manual": f"manual accumulation, {NODES} micro-batches unordered, one tf.function",
        "accumulation": f"Keras `gradient_accumulation_steps={NODES}`, one call per micro-batch",
        "full": "full batch at once (V = 1)",
    }
    lines = [
        "# virtualflow benchmark: virtual nodes vs plain gradient accumulation vs full batch",
        "",
        f"- Command: `python packages/virtualflow/benchmarks/run.py --out {args.out}`",
        f"- Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Machine: {cpu_model()}, {os.cpu_count()} cores, no GPU; shared with other "
        "jobs during the run, so absolute times are noisy",
        f"- Software: tensorflow-cpu {version('tensorflow-cpu')}, keras {version('keras')}; "
        "the peer is plain gradient accumulation, written by hand and Keras' own",
        f"- Workload: CNN from `virtualflow.models`, SGD lr 0.05 momentum 0.9, seed 0; "
        f"{WARMUP} warm-up + {TIMED} timed steps, {REPEATS} repeats; one device",
    ]
    for dataset, batch, micro, description in workloads:
        images, labels = load_dataset(dataset)
        results = {key: [] for key in labels_text}
        weights = {}
        for _ in range(REPEATS):
            seconds, weights["virtual"] = time_virtual(keras, images, labels, batch, NODES)
            results["virtual"].append(seconds)
            seconds, weights["sequential"] = time_manual_accumulation(
                keras, images, labels, batch, sequential=True
            )
            results["sequential"].append(seconds)
            seconds, weights["manual"] = time_manual_accumulation(keras, images, labels, batch)
            results["manual"].append(seconds)
            seconds, weights["accumulation"] = time_accumulation(keras, images, labels, batch)
            results["accumulation"].append(seconds)
            seconds, weights["full"] = time_virtual(keras, images, labels, batch, 1)
            results["full"].append(seconds)
        sequential = statistics.median(results["sequential"])
        lines += [
            "",
            f"## Step time: {description}, global batch {batch}, {micro} examples per node",
            "",
            "| method | median step ms (min-max over repeats) | ratio to in-order manual "
            "accumulation |",
            "|---|---|---|",
        ]
        for key, label in labels_text.items():
            values = results[key]
            median = statistics.median(values)
            lines.append(
                f"| {label} | {median * 1e3:.1f} "
                f"({min(values) * 1e3:.1f}-{max(values) * 1e3:.1f}) | {median / sequential:.2f} |"
            )
        if dataset == "digits":
            digits_weights = weights
    weights = digits_weights
    images, labels = load_dataset("digits")
    _, weights["replicas"] = time_virtual(keras, images, labels, 64, NODES, devices=NODES)
    memory = memory_sweep()

    lines += [
        "",
        "## Final weights after the same steps (digits)",
        "",
        "| pair | max abs weight difference |",
        "|---|---|",
        f"| virtual nodes (1 device) vs {NODES} devices with one node each | "
        f"{max_difference(weights['virtual'], weights['replicas']):.3g} |",
        "| virtual nodes vs Keras accumulation, trainable weights | "
        f"{max_difference(weights['virtual'], weights['accumulation'], True):.3g} |",
        "| virtual nodes vs Keras accumulation, all weights incl. BN statistics | "
        f"{max_difference(weights['virtual'], weights['accumulation']):.3g} |",
        "| virtual nodes vs in-order manual accumulation, trainable weights | "
        f"{max_difference(weights['virtual'], weights['sequential'], True):.3g} |",
        "| virtual nodes vs full batch | "
        f"{max_difference(weights['virtual'], weights['full']):.3g} |",
        "",
        "Both accumulation peers update the batch-norm moving statistics once per",
        "micro-batch, so their statistics differ from the V-replica run; virtual nodes match",
        "it up to float32 summation order. With seed 0 and a single dropout layer the",
        "virtual-node seeds `(0, step * 8 + node)` coincide with the sequence that Keras'",
        "own seed generator draws for micro-batch `step * 8 + node`, so both peers use the",
        "same dropout masks and their trainable weights agree with the virtual-node run.",
        "",
        "## Peak tensor memory (MNIST CNN, global batch 512, one device)",
        "",
        "| virtual nodes per device | peak tensor memory during a step (MiB) | ratio to V = 1 |",
        "|---|---|---|",
    ]
    full_batch_peak = memory[0]["peak_growth_mib"]
    lines += [
        f"| {row['nodes']} | {row['peak_growth_mib']:.1f} | "
        f"{row['peak_growth_mib'] / full_batch_peak:.2f} |"
        for row in memory
    ]
    lines += [
        "",
        "Each row runs in a fresh process. The figure is TensorFlow's CPU allocator peak",
        "(`tf.config.experimental.get_memory_info`) over steps 2-4 minus the memory in use",
        "before them: activations, gradients and temporaries, without the weights, the",
        "data set or the traced graph.",
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    temporary = args.out.with_suffix(".md.tmp")
    temporary.write_text("\n".join(lines))
    os.replace(temporary, args.out)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
