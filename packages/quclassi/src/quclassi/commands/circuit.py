"""``quclassi circuit``: export the SWAP-test circuits of one sample, offline.

The circuits come from a trained model (``--model``) or from a structure with random or zero
parameters (``--structure``). Formats: a text drawing, OpenQASM 2 or 3, or the IonQ job payload
(``ionq-json``), which lets users check gate set, qubit count and shots before paying for a run.
Nothing here contacts IonQ or needs an API key.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

import numpy as np

from quclassi.commands.common import (
    check_feature_count,
    non_negative_int,
    positive_int,
    seed,
    structure_letters,
)
from quclassi.commands.paths import CSV_HINT, MODEL_HINT, check_input_file, check_output_path
from quclassi.errors import InvalidInputError, UsageError

__all__ = ["FORMATS", "register"]

logger = logging.getLogger(__name__)

FORMATS = ("text", "qasm", "qasm3", "ionq-json")


def register(subparsers: Any) -> None:
    """Add the ``circuit`` subcommand to the CLI's subparsers."""
    parser = subparsers.add_parser(
        "circuit",
        help="export the SWAP-test circuits of one sample (text, OpenQASM, IonQ payload)",
        description=(
            "Build the SWAP-test circuit of one sample against each class and print it as a "
            "text drawing, OpenQASM 2 or 3, or the JSON body of an IonQ job. Runs offline: "
            "nothing is sent to IonQ and no API key is needed."
        ),
    )

    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", metavar="PATH", help="model file written by 'quclassi train'")
    source.add_argument(
        "--structure",
        type=structure_letters,
        help="layer letters of an untrained circuit, for example sd (s, d, c)",
    )
    parser.add_argument(
        "--qubits",
        type=positive_int,
        help="qubits per register with --structure (default: half the sample's feature count, "
        "rounded up); the circuit has 2n+1 qubits",
    )
    parser.add_argument(
        "--params",
        choices=["random", "zero"],
        default="random",
        help="parameters of the --structure circuit: uniform in [0, 2 pi) radians, or all 0 "
        "(default: random)",
    )
    parser.add_argument("--seed", type=seed, default=0, help="seed of --params random (default: 0)")

    sample = parser.add_mutually_exclusive_group(required=True)
    sample.add_argument(
        "--sample",
        metavar="X1,X2,...",
        help="comma-separated features of one sample: raw features with --model, values in "
        "[0, 1] with --structure",
    )
    sample.add_argument("--input", metavar="CSV", help="CSV file of samples; see --row")
    parser.add_argument(
        "--row",
        type=non_negative_int,
        default=0,
        help="0-based data row of --input to export (default: 0)",
    )

    parser.add_argument(
        "--class",
        dest="label",
        metavar="LABEL",
        help="export only this class's circuit (default: one circuit per class)",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="output on stdout or --out: text drawing, OpenQASM 2 (qasm) or 3 (qasm3), or the "
        "IonQ job body (ionq-json) (default: text)",
    )

    parser.add_argument(
        "--backend-name",
        type=_ionq_backend_name,
        default="simulator",
        help="IonQ target written into the ionq-json payload: simulator or qpu.<device> "
        "(default: simulator)",
    )
    parser.add_argument(
        "--shots",
        type=positive_int,
        default=1024,
        help="circuit repetitions (shots) per circuit written into the ionq-json payload; "
        "other formats ignore it (default: 1024)",
    )
    parser.add_argument(
        "--noise-model",
        help="IonQ cloud simulator noise model in the ionq-json payload, for example aria-1 "
        "(default: ideal)",
    )
    parser.add_argument(
        "--out", metavar="PATH", help="write to this file instead of stdout (default: stdout)"
    )
    parser.set_defaults(handler=run)


def _ionq_backend_name(text: str) -> str:
    from quclassi.export import check_ionq_backend_name

    try:
        return check_ionq_backend_name(text)
    except InvalidInputError as err:
        raise argparse.ArgumentTypeError(str(err)) from err


def _read_sample(args: argparse.Namespace) -> np.ndarray:
    if args.sample is not None:
        try:
            values = [float(field) for field in args.sample.split(",") if field.strip()]
        except ValueError as err:
            msg = f"--sample must be comma-separated numbers; got {args.sample!r}"
            raise InvalidInputError(msg) from err
        if not values:
            msg = "--sample is empty; give at least one feature value"
            raise InvalidInputError(msg)
        return np.array([values])

    from quclassi.datasets import read_csv

    features, _ = read_csv(args.input, require_labels=False)
    if not 0 <= args.row < len(features):
        msg = f"--row {args.row} is outside the {len(features)} data rows of {args.input!r}"
        raise InvalidInputError(msg)
    return features[args.row : args.row + 1]


def _circuit_inputs(args: argparse.Namespace) -> tuple[str, int, np.ndarray, list[Any], np.ndarray]:
    """Return structure, qubits per register, parameters (C, P), labels and angles (n, 2)."""
    from quclassi.circuit import encoding_angles, n_parameters, validate_structure

    features = _read_sample(args)
    if args.model is not None:
        from quclassi.classifier import QuClassiClassifier

        model = QuClassiClassifier.load(args.model)
        if args.sample is not None:
            source = "--sample"
            fix = f"pass {model.n_features_in_} comma-separated values"
        else:
            source = f"input file {args.input} (--input)"
            fix = f"pass a CSV file with {model.n_features_in_} feature columns"
        check_feature_count(model, args.model, features.shape[1], source, fix)
        spec = model.circuit_spec()
        angles = model.encode(features)[0]
        return spec["structure"], spec["n_qubits"], spec["params"], spec["classes"], angles

    angles = encoding_angles(features)[0]
    n_qubits = angles.shape[0] if args.qubits is None else args.qubits
    if n_qubits != angles.shape[0]:
        msg = (
            f"--qubits {n_qubits} needs {2 * n_qubits - 1} or {2 * n_qubits} features; the "
            f"sample has {features.shape[1]}"
        )
        raise InvalidInputError(msg)
    structure = validate_structure(args.structure, n_qubits)
    n_params = n_parameters(structure, n_qubits)
    if args.params == "zero":
        params = np.zeros((1, n_params))
    else:
        params = np.random.default_rng(args.seed).uniform(0.0, 2 * np.pi, (1, n_params))
    return structure, n_qubits, params, [0], angles


def render(args: argparse.Namespace) -> str:
    """Build the requested circuits and return them in the requested format."""
    from quclassi import export

    structure, n_qubits, params, labels, angles = _circuit_inputs(args)
    if args.label is not None:
        matches = [index for index, label in enumerate(labels) if str(label) == args.label]
        if not matches:
            msg = f"--class {args.label!r} is not a class of the model; classes: {labels}"
            raise InvalidInputError(msg)
        params = params[matches]
        labels = [labels[index] for index in matches]
    circuits = export.swap_test_circuits(structure, n_qubits, params, angles, labels)
    logger.info(
        "built %d circuit(s) with %d qubits for structure %r",
        len(circuits),
        2 * n_qubits + 1,
        structure,
    )

    if args.format == "ionq-json":
        payload = export.ionq_payload(
            circuits, backend_name=args.backend_name, shots=args.shots, noise_model=args.noise_model
        )
        return json.dumps(payload, indent=2) + "\n"
    parts = []
    for label, circuit in zip(labels, circuits, strict=True):
        if args.format == "text":
            parts.append(f"# class {label}\n{export.to_text(circuit)}\n")
        else:
            version = 3 if args.format == "qasm3" else 2
            parts.append(f"// class {label}\n{export.to_qasm(circuit, version)}")
    return "\n".join(parts)


def run(args: argparse.Namespace) -> int:
    """Run ``quclassi circuit`` and return the exit code."""
    if not args.verbose:
        # Qiskit logs every transpiler pass at INFO; keep stderr to quclassi's own messages.
        logging.getLogger("qiskit").setLevel(logging.WARNING)
    if args.model is not None and args.qubits is not None:
        msg = "--qubits applies only with --structure; a model file fixes the qubit count"
        raise UsageError(msg)
    if args.model is not None:
        check_input_file(args.model, "--model", "model file", MODEL_HINT)
    if args.input is not None:
        check_input_file(args.input, "--input", "input file", CSV_HINT)
    check_output_path(args.out, "--out")
    text = render(args)
    if args.out is None:
        sys.stdout.write(text)
    else:
        from quclassi.atomic import write_text_atomic

        write_text_atomic(args.out, text)
        logger.info("wrote %s", args.out)
    return 0
