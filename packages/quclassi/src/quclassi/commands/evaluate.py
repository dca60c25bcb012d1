"""``quclassi evaluate``: score a saved model on a data set's test split."""

from __future__ import annotations

import argparse
import logging
import time
from typing import Any

import numpy as np

from quclassi.commands.common import (
    add_backend_arguments,
    add_dataset_arguments,
    add_format_argument,
    apply_backend_arguments,
    check_feature_count,
    print_result,
)
from quclassi.commands.paths import (
    MODEL_HINT,
    check_dataset_file,
    check_input_file,
    check_output_path,
)

__all__ = ["register"]

logger = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    """Add the ``evaluate`` subcommand."""
    parser = subparsers.add_parser(
        "evaluate",
        help="score a saved model on a data set's test split",
        description=(
            "Load a model written by 'quclassi train --out' and report its accuracy and "
            "confusion matrix on the test split. Without --dataset, the data set, classes, "
            "split and seed stored in the model file are used, so the split matches training."
        ),
    )
    parser.add_argument("--model", required=True, metavar="PATH", help="model JSON file")
    add_dataset_arguments(parser, required=False, split_from_model=True)
    parser.set_defaults(test_size=None, seed=None)
    add_backend_arguments(parser, default=None)
    parser.add_argument(
        "--split",
        choices=["test", "train"],
        default="test",
        help="which part of the split to score (default: test)",
    )
    parser.add_argument(
        "--plot-confusion",
        metavar="PNG",
        help="write the confusion matrix (sample counts) as a PNG (default: no plot)",
    )
    add_format_argument(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Load the model and data, score, and print the result."""
    from quclassi.classifier import QuClassiClassifier
    from quclassi.datasets import load_dataset, parse_classes
    from quclassi.errors import DatasetError

    check_input_file(args.model, "--model", "model file", MODEL_HINT)
    check_dataset_file(args.dataset)
    check_output_path(args.plot_confusion, "--plot-confusion")
    start = time.perf_counter()
    model = QuClassiClassifier.load(args.model)
    stored = model.metadata_
    dataset_name = args.dataset or stored.get("dataset")
    if dataset_name is None:
        msg = f"model {args.model!r} stores no data set name; pass --dataset"
        raise DatasetError(msg)
    if args.classes is not None:
        classes = parse_classes(args.classes)
    elif args.dataset is None and stored.get("classes"):
        classes = parse_classes(stored["classes"])
    else:
        classes = [str(label) for label in model.classes_.tolist()]
    dataset = load_dataset(
        dataset_name,
        classes=classes,
        test_size=args.test_size if args.test_size is not None else stored.get("test_size", 0.25),
        seed=args.seed if args.seed is not None else stored.get("seed", 0),
    )
    check_feature_count(
        model,
        args.model,
        dataset.n_features,
        f"data set {dataset_name}" + (" (--dataset)" if args.dataset else ""),
        "pass the --dataset the model was trained on, or omit --dataset to use the one stored "
        "in the model file",
    )
    apply_backend_arguments(model, args)
    x, y = (
        (dataset.x_test, dataset.y_test)
        if args.split == "test"
        else (
            dataset.x_train,
            dataset.y_train,
        )
    )
    predicted = model.predict(x)
    labels = model.classes_.tolist()
    from quclassi.plots import confusion_matrix

    matrix = confusion_matrix(y, predicted, labels)
    if args.plot_confusion:
        from quclassi.plots import plot_confusion

        plot_confusion(matrix, labels, args.plot_confusion)
        logger.info("wrote confusion matrix to %s", args.plot_confusion)
    result = {
        "model": str(args.model),
        "dataset": dataset_name,
        "split": args.split,
        "samples": int(y.size),
        f"{args.split}_accuracy": float(np.mean(predicted == y)),
        "classes": [str(label) for label in labels],
        "confusion_matrix": matrix.tolist(),
        "wall_s": time.perf_counter() - start,
    }
    print_result(result, args.format)
    return 0
