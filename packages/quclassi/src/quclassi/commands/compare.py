"""``quclassi compare``: QuClassi against baselines on the same features.

The baselines are a variational quantum classifier, logistic regression and an MLP; the output
lists accuracies and trained-parameter counts.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from typing import Any

from quclassi.commands.common import (
    add_dataset_arguments,
    add_format_argument,
    positive_int,
    structure_letters,
)
from quclassi.commands.paths import check_dataset_file

__all__ = ["register"]

logger = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    """Add the ``compare`` subcommand to the CLI's subparsers."""
    parser = subparsers.add_parser(
        "compare",
        help="compare QuClassi with a variational quantum classifier, logistic regression "
        "and an MLP",
        description=(
            "Train QuClassi for each structure and three baselines on the same PCA features "
            "scaled to [0, 1]: a variational quantum classifier with XX/ZZ layers to one "
            "readout qubit (one-vs-rest for more than two classes), logistic regression and an "
            "MLP. Prints test accuracy, trained-parameter count and fit time of each."
        ),
    )
    add_dataset_arguments(parser)
    parser.add_argument(
        "--pca", type=positive_int, help="principal components to keep (default: no PCA)"
    )
    parser.add_argument(
        "--structures",
        type=_structure_list,
        default="s,sd,sdc",
        help="comma-separated QuClassi layer structures (default: s,sd,sdc)",
    )
    parser.add_argument(
        "--epochs", type=positive_int, help="QuClassi training epochs (default: the classifier's)"
    )
    parser.add_argument(
        "--vqc-layers",
        type=int,
        choices=[1, 2, 3],
        default=2,
        help="(XX, ZZ) layer pairs of the variational classifier (default: 2)",
    )
    parser.add_argument(
        "--vqc-epochs",
        type=positive_int,
        default=100,
        help="Adam steps of the variational classifier (default: 100)",
    )
    parser.add_argument(
        "--mlp-hidden",
        type=positive_int,
        default=32,
        help="width of the MLP's single hidden layer (default: 32)",
    )
    add_format_argument(parser)
    parser.set_defaults(handler=run)


def _structure_list(text: str) -> list[str]:
    structures = [structure_letters(part) for part in text.split(",") if part.strip()]
    if not structures:
        msg = f"expected comma-separated layer structures, for example s,sd; got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return structures


def run(args: argparse.Namespace) -> int:
    """Run ``quclassi compare`` and return the exit code."""
    from quclassi.baselines import compare_models
    from quclassi.datasets import load_dataset, parse_classes

    check_dataset_file(args.dataset)
    start = time.perf_counter()
    dataset = load_dataset(
        args.dataset,
        parse_classes(args.classes),
        test_size=args.test_size,
        seed=args.seed,
        max_train_per_class=args.max_train_per_class,
    )
    structures = args.structures
    results = compare_models(
        dataset.x_train,
        dataset.y_train,
        dataset.x_test,
        dataset.y_test,
        pca=args.pca,
        structures=structures,
        seed=args.seed,
        quclassi_epochs=args.epochs,
        vqc_layers=args.vqc_layers,
        vqc_epochs=args.vqc_epochs,
        mlp_hidden=(args.mlp_hidden,),
    )
    wall_s = time.perf_counter() - start

    if args.format == "json":
        output = {
            "dataset": dataset.name,
            "classes": [str(label) for label in dataset.classes],
            "n_train": int(dataset.y_train.size),
            "n_test": int(dataset.y_test.size),
            "models": [result.as_dict() for result in results],
            "wall_s": wall_s,
        }
        sys.stdout.write(json.dumps(output) + "\n")
        return 0

    header = (
        f"{'model':<21} {'config':<24} {'params':>7} {'qubits':>6} {'test_acc':>8} {'fit_s':>7}"
    )
    lines = [header]
    for result in results:
        qubits = "-" if result.n_qubits is None else str(result.n_qubits)
        lines.append(
            f"{result.model:<21} {result.config:<24} {result.n_params:>7} {qubits:>6} "
            f"{result.test_accuracy:>8.4f} {result.fit_wall_s:>7.2f}"
        )
    sys.stdout.write("\n".join(lines) + "\n")
    return 0
