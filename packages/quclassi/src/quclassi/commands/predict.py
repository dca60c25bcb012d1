"""``quclassi predict``: label the rows of a CSV file with a saved model."""

from __future__ import annotations

import argparse
import csv
import io
import logging
import sys
from typing import Any

from quclassi.commands.common import (
    add_backend_arguments,
    apply_backend_arguments,
    check_feature_count,
)
from quclassi.commands.paths import CSV_HINT, MODEL_HINT, check_input_file, check_output_path

__all__ = ["register"]

logger = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    """Add the ``predict`` subcommand."""
    parser = subparsers.add_parser(
        "predict",
        help="predict the classes of the rows of a CSV file",
        description=(
            "Read numeric features from a CSV file (a column named label, target, class or y "
            "is ignored) and write one row per sample: the predicted class and the probability "
            "of each class (normalised fidelities)."
        ),
    )
    parser.add_argument("--model", required=True, metavar="PATH", help="model JSON file")
    parser.add_argument("--input", required=True, metavar="CSV", help="features, one row each")
    parser.add_argument("--out", metavar="CSV", help="write the predictions here (default: stdout)")
    add_backend_arguments(parser, default=None)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Predict and write the CSV."""
    from quclassi.atomic import write_text_atomic
    from quclassi.classifier import QuClassiClassifier
    from quclassi.datasets import read_csv

    check_input_file(args.model, "--model", "model file", MODEL_HINT)
    check_input_file(args.input, "--input", "input file", CSV_HINT)
    check_output_path(args.out, "--out")
    model = QuClassiClassifier.load(args.model)
    apply_backend_arguments(model, args)
    x, _ = read_csv(args.input, require_labels=False)
    check_feature_count(
        model,
        args.model,
        x.shape[1],
        f"input file {args.input} (--input)",
        f"pass a CSV file with {model.n_features_in_} feature columns; a column named label, "
        "target, class or y is ignored",
    )
    probabilities = model.predict_proba(x)
    predicted = model.classes_[probabilities.argmax(axis=1)]

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["prediction", *[f"probability_{label}" for label in model.classes_.tolist()]])
    for label, row in zip(predicted.tolist(), probabilities, strict=True):
        writer.writerow([label, *[f"{value:.6f}" for value in row]])
    if args.out:
        write_text_atomic(args.out, buffer.getvalue())
        logger.info("wrote %d predictions to %s", len(predicted), args.out)
    else:
        sys.stdout.write(buffer.getvalue())
    return 0
