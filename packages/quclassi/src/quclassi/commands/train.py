"""``quclassi train``: train a classifier on a data set and report its accuracy."""

from __future__ import annotations

import argparse
import logging
import time
from typing import Any

from quclassi.commands.common import (
    add_backend_arguments,
    add_dataset_arguments,
    add_format_argument,
    backend_options,
    positive_float,
    positive_int,
    print_result,
    structure_letters,
)
from quclassi.commands.paths import (
    check_dataset_file,
    check_input_file,
    check_model_output,
    check_output_path,
)
from quclassi.errors import UsageError

__all__ = ["register"]

logger = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    """Add the ``train`` subcommand."""
    parser = subparsers.add_parser(
        "train",
        help="train a QuClassi classifier and report train and test accuracy",
        description=(
            "Train one quantum state per class on a data set, print accuracies, parameter "
            "count and time, and optionally save the model as JSON and plot the loss and the "
            "confusion matrix."
        ),
    )
    add_dataset_arguments(parser)

    parser.add_argument(
        "--pca",
        type=positive_int,
        metavar="K",
        help="reduce the features to K principal components before scaling (default: none); "
        "K features need ceil(K/2) qubits per register",
    )
    parser.add_argument(
        "--structure",
        type=structure_letters,
        default="sd",
        help="layers of each class circuit: s (RY, RZ per qubit), d (RYY, RZZ on neighbours), "
        "c (CRY, CRZ on neighbours), in order, for example sd or sdc (default: sd)",
    )

    parser.add_argument(
        "--epochs",
        type=positive_int,
        help="passes over the training data (default: 100 exact, 25 paper)",
    )
    parser.add_argument(
        "--lr",
        type=positive_float,
        help="learning rate (default: 0.1 exact, 0.01 paper)",
    )
    parser.add_argument(
        "--gradient",
        choices=["exact", "paper"],
        default="exact",
        help="exact: exact gradients with --optimizer; paper: the authors' per-sample rule "
        "with shift pi/(2 sqrt(epoch)) (default: exact)",
    )
    parser.add_argument(
        "--optimizer",
        choices=["adam", "sgd"],
        default="adam",
        help="optimiser of exact training (default: adam)",
    )
    parser.add_argument(
        "--diff-method",
        choices=["auto", "adjoint", "parameter-shift"],
        default="auto",
        help="gradient method of exact training; auto uses adjoint on the exact analytic "
        "backend and the parameter-shift rule elsewhere (default: auto)",
    )
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        help="mini-batch size of exact training (default: full batch)",
    )

    parser.add_argument(
        "--early-stopping",
        action="store_true",
        help="hold out 10%% of the training data and stop when its loss stops improving",
    )
    parser.add_argument(
        "--patience",
        type=positive_int,
        default=5,
        help="epochs without validation improvement before early stopping (default: 5)",
    )

    add_backend_arguments(parser, default="analytic")

    parser.add_argument(
        "--out", metavar="PATH", help="write the trained model here as JSON (default: not saved)"
    )
    parser.add_argument(
        "--checkpoint-every",
        type=positive_int,
        metavar="N",
        help="also write the model to --out after every N epochs, so --resume can continue",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue the model in --out up to --epochs epochs in all (default: the total it "
        "was started with); its model settings are used and the optimiser starts afresh",
    )
    parser.add_argument(
        "--plot-loss",
        metavar="PNG",
        help="write the loss curve (loss per epoch) as a PNG (default: no plot)",
    )
    parser.add_argument(
        "--plot-confusion",
        metavar="PNG",
        help="write the test-set confusion matrix (sample counts) as a PNG (default: no plot)",
    )
    add_format_argument(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Train, evaluate on the test split, write the requested files and print the summary."""
    from quclassi.datasets import load_dataset, parse_classes

    if (args.checkpoint_every or args.resume) and not args.out:
        msg = "--checkpoint-every and --resume need --out, the model file to write or continue"
        raise UsageError(msg)
    check_dataset_file(args.dataset)
    if args.resume:
        check_input_file(
            args.out,
            "--out with --resume",
            "model file",
            "run train once without --resume to create it, or pass the path of a saved model",
        )
    check_model_output(args.out, "--out")
    check_output_path(args.plot_loss, "--plot-loss")
    check_output_path(args.plot_confusion, "--plot-confusion")
    start = time.perf_counter()
    dataset = load_dataset(
        args.dataset,
        classes=parse_classes(args.classes),
        test_size=args.test_size,
        seed=args.seed,
        max_train_per_class=args.max_train_per_class,
    )
    metadata = {
        "dataset": args.dataset,
        "classes": args.classes,
        "test_size": args.test_size,
        "seed": args.seed,
        "max_train_per_class": args.max_train_per_class,
    }
    model, remaining = _resumed_model(args, metadata) if args.resume else _new_model(args)
    metadata["epochs_requested"] = remaining + (model.n_iter_ if args.resume else 0)

    def save_checkpoint(snapshot: Any, epoch: int) -> None:
        if epoch % args.checkpoint_every == 0:
            snapshot.save(args.out, metadata=metadata)
            logger.debug("wrote checkpoint of epoch %d to %s", epoch, args.out)

    fit_wall_s = 0.0
    if remaining > 0:
        model.set_params(epochs=remaining, verbose=0 if args.quiet else 1)
        model.fit(
            dataset.x_train,
            dataset.y_train,
            on_epoch_end=save_checkpoint if args.checkpoint_every else None,
        )
        fit_wall_s = model.fit_time_s_
    else:
        logger.info("the model in %s has already run %d epochs", args.out, model.n_iter_)
    train_accuracy = float(model.score(dataset.x_train, dataset.y_train))
    predicted = model.predict(dataset.x_test)
    test_accuracy = float((predicted == dataset.y_test).mean())

    if args.out:
        model.save(args.out, metadata=metadata)
        logger.info("wrote model to %s", args.out)
    if args.plot_loss:
        from quclassi.plots import plot_loss

        plot_loss(model.loss_history_, args.plot_loss, model.validation_loss_history_)
        logger.info("wrote loss curve to %s", args.plot_loss)
    if args.plot_confusion:
        from quclassi.plots import confusion_matrix, plot_confusion

        labels = model.classes_.tolist()
        plot_confusion(
            confusion_matrix(dataset.y_test, predicted, labels), labels, args.plot_confusion
        )
        logger.info("wrote confusion matrix to %s", args.plot_confusion)

    result = {
        "dataset": args.dataset,
        "classes": [str(label) for label in model.classes_.tolist()],
        "structure": model.structure_,
        "gradient": model.gradient,
        "backend": model._backend_name(),
        "n_features": dataset.n_features,
        "n_qubits": 2 * model.n_qubits_ + 1,
        "n_qubits_per_register": model.n_qubits_,
        "n_parameters": model.n_parameters_,
        "train_samples": int(dataset.y_train.size),
        "test_samples": int(dataset.y_test.size),
        "epochs_run": model.n_iter_,
        "final_loss": float(model.loss_history_[-1]),
        "train_accuracy": train_accuracy,
        "test_accuracy": test_accuracy,
        "fit_wall_s": float(fit_wall_s),
        "wall_s": time.perf_counter() - start,
    }
    print_result(result, args.format)
    return 0


def _new_model(args: argparse.Namespace) -> tuple[Any, int]:
    """Build the classifier from the command-line options; return it and its epoch count."""
    from quclassi.classifier import QuClassiClassifier

    model = QuClassiClassifier(
        structure=args.structure,
        pca=args.pca,
        gradient=args.gradient,
        diff_method=args.diff_method,
        optimizer=args.optimizer,
        learning_rate=args.lr,
        epochs=args.epochs,
        batch_size=args.batch_size,
        backend=args.backend,
        shots=args.shots,
        backend_options=backend_options(args.backend_option) or None,
        early_stopping=args.early_stopping,
        patience=args.patience,
        random_state=args.seed,
    )
    return model, model._resolved_epochs()


def _resumed_model(args: argparse.Namespace, metadata: dict[str, Any]) -> tuple[Any, int]:
    """Load the model in ``--out`` for a warm start; return it and the epochs still to run.

    Raises:
        DatasetError: The file was trained on another data set, split or class filter.
    """
    from quclassi.classifier import QuClassiClassifier
    from quclassi.errors import DatasetError

    model = QuClassiClassifier.load(args.out)
    stored = model.metadata_
    for key in ("dataset", "classes", "test_size", "seed", "max_train_per_class"):
        if key in stored and stored[key] != metadata[key]:
            msg = (
                f"--resume: {args.out} was trained with {key}={stored[key]!r}, but this run "
                f"has {key}={metadata[key]!r}; use the same data options"
            )
            raise DatasetError(msg)
    total = args.epochs or stored.get("epochs_requested") or model._resolved_epochs()
    model.set_params(warm_start=True)
    return model, max(0, int(total) - model.n_iter_)
