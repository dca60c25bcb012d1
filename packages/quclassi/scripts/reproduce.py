"""Measure QuClassi against its baselines on MNIST, Iris and digits and write a Markdown table.

Usage:
    python packages/quclassi/scripts/reproduce.py --out packages/quclassi/docs/results.md

Tasks: binary MNIST pairs 3/6, 3/9, 1/5, 3/8 with PCA 4; 10-class MNIST with PCA 8 and PCA 16;
Iris (4 features, mean and standard deviation over 5 seeds, each with its own split); digits
(10 classes, PCA 8). Each task trains QuClassi with structures s, sd and sdc and the baselines of
``quclassi.baselines`` on the same features. MNIST training sets are random subsets per class
(see ``--mnist-per-class``); MNIST test sets are the official test images of the task's classes.

Results of finished tasks are kept in a JSON cache next to the output, so an interrupted run
resumes where it stopped; ``--fresh`` ignores the cache.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from quclassi.atomic import write_text_atomic
from quclassi.baselines import compare_models
from quclassi.benchmark import machine_info
from quclassi.datasets import load_dataset

logger = logging.getLogger("reproduce")

MODELS = [
    ("QuClassi", "s"),
    ("QuClassi", "sd"),
    ("QuClassi", "sdc"),
    ("VQC (XX/ZZ readout)", None),
    ("logistic regression", None),
    ("MLP", None),
]


def task_list(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Return the tasks: data set, classes, PCA size, seeds, per-class training cap, VQC layers."""
    tasks = []
    for pair in ((3, 6), (3, 9), (1, 5), (3, 8)):
        tasks.append(
            {
                "name": f"MNIST {pair[0]}/{pair[1]}, PCA 4",
                "dataset": "mnist",
                "classes": list(pair),
                "pca": 4,
                "seeds": [0],
                "per_class": args.mnist_per_class,
                "vqc_layers": 2,
                "binary_pair": True,
            }
        )
    for pca in (8, 16):
        tasks.append(
            {
                "name": f"MNIST 10 classes, PCA {pca}",
                "dataset": "mnist",
                "classes": None,
                "pca": pca,
                "seeds": [0],
                "per_class": args.mnist10_per_class,
                # One layer pair keeps ten one-vs-rest circuits affordable; see the notes.
                "vqc_layers": 1,
                "binary_pair": False,
            }
        )
    tasks.append(
        {
            "name": "Iris, 4 features",
            "dataset": "iris",
            "classes": None,
            "pca": None,
            "seeds": list(range(args.iris_seeds)),
            "per_class": None,
            "vqc_layers": 2,
            "binary_pair": False,
        }
    )
    tasks.append(
        {
            "name": "digits 10 classes, PCA 8",
            "dataset": "digits",
            "classes": None,
            "pca": 8,
            "seeds": [0],
            "per_class": None,
            "vqc_layers": 1,
            "binary_pair": False,
        }
    )
    return tasks


def run_task(task: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """Train every model on every seed of one task and return the per-seed results."""
    runs = []
    for seed in task["seeds"]:
        dataset = load_dataset(
            task["dataset"], task["classes"], seed=seed, max_train_per_class=task["per_class"]
        )
        results = compare_models(
            dataset.x_train,
            dataset.y_train,
            dataset.x_test,
            dataset.y_test,
            pca=task["pca"],
            seed=seed,
            vqc_layers=task["vqc_layers"],
            vqc_epochs=args.vqc_epochs,
        )
        runs.append(
            {
                "seed": seed,
                "n_train": int(dataset.y_train.size),
                "n_test": int(dataset.y_test.size),
                "results": [result.as_dict() for result in results],
            }
        )
    return {"task": task, "runs": runs}


def _summary(entry: dict[str, Any]) -> dict[tuple[str, str | None], dict[str, Any]]:
    """Return mean and standard deviation of test accuracy, and the size, per model."""
    table: dict[tuple[str, str | None], dict[str, Any]] = {}
    for model, structure in MODELS:
        accuracies, params = [], []
        for run in entry["runs"]:
            for result in run["results"]:
                if result["model"] == model and (
                    structure is None or result["config"] == structure
                ):
                    accuracies.append(result["test_accuracy"])
                    params.append(result["n_params"])
        table[(model, structure)] = {
            "mean": statistics.mean(accuracies),
            "std": statistics.stdev(accuracies) if len(accuracies) > 1 else None,
            "n_params": params[0],
        }
    return table


def _cell(values: dict[str, Any]) -> str:
    text = f"{values['mean']:.3f}"
    if values["std"] is not None:
        text += f" ± {values['std']:.3f}"
    return f"{text} ({values['n_params']})"


def render(entries: list[dict[str, Any]], wall_s: float, command: str) -> str:
    """Render the results table and the checks of the targets as Markdown."""
    info = machine_info()
    header = "| task | train / test | " + " | ".join(
        f"QuClassi {structure}" if structure else model for model, structure in MODELS
    )
    lines = [
        "# QuClassi against baselines: measured test accuracy",
        "",
        f"Command: `{command}` ({wall_s:.0f} s on {info['cpu_model']}, {info['cpu_count']} "
        f"logical CPUs; versions: "
        + ", ".join(f"{name} {value}" for name, value in info["versions"].items())
        + ").",
        "",
        "Each cell: test accuracy (trained parameters over all classes). Iris: mean ± standard "
        "deviation over seeds, each seed with its own stratified 75/25 split.",
        "",
        header + " |",
        "|" + "---|" * (len(MODELS) + 2),
    ]
    verdicts = []
    for entry in entries:
        task = entry["task"]
        table = _summary(entry)
        run = entry["runs"][0]
        sizes = f"{run['n_train']} / {run['n_test']}"
        if len(entry["runs"]) > 1:
            sizes += f", {len(entry['runs'])} seeds"
        cells = " | ".join(_cell(table[key]) for key in MODELS)
        lines.append(f"| {task['name']} | {sizes} | {cells} |")

        quclassi_best = max(table[("QuClassi", s)]["mean"] for s in ("s", "sd", "sdc"))
        vqc = table[("VQC (XX/ZZ readout)", None)]["mean"]
        if task["dataset"] == "mnist":
            verdicts.append(
                f"- {task['name']}: best QuClassi {quclassi_best:.3f} vs VQC {vqc:.3f}: "
                f"QuClassi {'ahead' if quclassi_best > vqc else 'NOT ahead'}."
            )
        if task["binary_pair"]:
            mlp = table[("MLP", None)]
            sd = table[("QuClassi", "sd")]
            fewer = 1 - sd["n_params"] / mlp["n_params"]
            gap = (mlp["mean"] - sd["mean"]) * 100
            position = f"{gap:.1f} points behind" if gap > 0 else f"{-gap:.1f} points ahead of"
            verdicts.append(
                f"- {task['name']}: QuClassi sd {sd['mean']:.3f} with {sd['n_params']} "
                f"parameters vs MLP {mlp['mean']:.3f} with {mlp['n_params']} ({fewer:.0%} fewer): "
                f"{position} the MLP, {'within' if gap <= 2 else 'NOT within'} 2 points."
            )
    lines += ["", "## Targets", "", *verdicts, ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the tasks not in the cache, then write the table; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="Markdown file to write")
    parser.add_argument(
        "--mnist-per-class",
        type=int,
        default=500,
        help="MNIST training images per class for the binary pairs (default: 500)",
    )
    parser.add_argument(
        "--mnist10-per-class",
        type=int,
        default=300,
        help="MNIST training images per class for 10 classes (default: 300)",
    )
    parser.add_argument("--iris-seeds", type=int, default=5, help="Iris seeds (default: 5)")
    parser.add_argument(
        "--vqc-epochs", type=int, default=100, help="Adam steps of the VQC (default: 100)"
    )
    parser.add_argument(
        "--only", help="comma-separated substrings; run only tasks whose name contains one"
    )
    parser.add_argument("--fresh", action="store_true", help="ignore cached task results")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    out = Path(args.out)
    cache_path = out.with_suffix(".json")
    cache: dict[str, Any] = {}
    if cache_path.is_file() and not args.fresh:
        cache = json.loads(cache_path.read_text())
    settings = {
        key: getattr(args, key)
        for key in ("mnist_per_class", "mnist10_per_class", "iris_seeds", "vqc_epochs")
    }
    if cache.get("settings") != settings:
        cache = {"settings": settings, "tasks": {}}

    tasks = task_list(args)
    if args.only:
        wanted = [text.strip() for text in args.only.split(",")]
        tasks = [task for task in tasks if any(text in task["name"] for text in wanted)]
    start = time.perf_counter()
    for task in tasks:
        if task["name"] in cache["tasks"]:
            logger.info("%s: cached", task["name"])
            continue
        logger.info("%s: running", task["name"])
        task_start = time.perf_counter()
        entry = run_task(task, args)
        entry["wall_s"] = time.perf_counter() - task_start
        cache["tasks"][task["name"]] = entry
        write_text_atomic(cache_path, json.dumps(cache, indent=1))
        logger.info("%s: done in %.0f s", task["name"], entry["wall_s"])

    entries = [cache["tasks"][task["name"]] for task in tasks]
    wall_s = sum(entry["wall_s"] for entry in entries)
    command = "python packages/quclassi/scripts/reproduce.py " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    write_text_atomic(out, render(entries, wall_s, command))
    logger.info("wrote %s (this run: %.0f s)", out, time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    sys.exit(main())
