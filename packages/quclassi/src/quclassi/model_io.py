"""Versioned JSON model files of ``QuClassiClassifier``.

A model file is one JSON object with ``"format": "quclassi-model"`` and an integer
``schema_version``. Version 1 stores the estimator settings, the class labels, the fitted
encoder (PCA mean and components, min-max range), the trained parameters and the loss history.
A reader rejects any other version with ``SchemaVersionError``.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

import numpy as np

from quclassi import __version__
from quclassi.atomic import write_text_atomic
from quclassi.circuit import n_parameters, validate_structure
from quclassi.encoding import FeatureEncoder
from quclassi.errors import ModelFileError, SchemaVersionError

if TYPE_CHECKING:
    from quclassi.classifier import QuClassiClassifier

__all__ = ["FORMAT_NAME", "SCHEMA_VERSION", "load_model", "model_to_dict", "save_model"]

FORMAT_NAME = "quclassi-model"
SCHEMA_VERSION = 1

# Settings stored in the file. A backend object (not a name) is stored by its name only.
_SETTINGS = (
    "structure",
    "pca",
    "scaler",
    "gradient",
    "diff_method",
    "optimizer",
    "learning_rate",
    "epochs",
    "batch_size",
    "backend",
    "shots",
    "backend_options",
    "early_stopping",
    "validation_fraction",
    "patience",
    "tol",
    "random_state",
    "verbose",
    "warm_start",
)


def _label_kind(classes: np.ndarray) -> str:
    if classes.dtype.kind == "b":
        return "bool"
    if classes.dtype.kind in "iu":
        return "int"
    if classes.dtype.kind == "f":
        return "float"
    return "str"


def _plain(value: Any) -> Any:
    """Convert numpy scalars to Python values for JSON."""
    return value.item() if isinstance(value, np.generic) else value


def model_to_dict(
    model: QuClassiClassifier, metadata: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Return the JSON-serialisable content of a fitted model's file.

    Args:
        model: A fitted classifier.
        metadata: Extra JSON-serialisable facts stored as they are, for example the data set
            and split the command line trained on.
    """
    settings = {name: _plain(getattr(model, name)) for name in _SETTINGS}
    settings["backend"] = model._backend_name()
    options = settings["backend_options"]
    if options is not None:
        # Options whose name contains "key" or "token" (an IonQ API key) are left out, so no
        # secret is ever written to a model file.
        settings["backend_options"] = {
            key: _plain(value)
            for key, value in options.items()
            if "key" not in key.lower() and "token" not in key.lower()
        }
    return {
        "format": FORMAT_NAME,
        "schema_version": SCHEMA_VERSION,
        "quclassi_version": __version__,
        "settings": settings,
        "classes": [_plain(label) for label in model.classes_.tolist()],
        "class_label_type": _label_kind(model.classes_),
        "n_features_in": int(model.n_features_in_),
        "n_qubits": int(model.n_qubits_),
        "structure": model.structure_,
        "encoder": model.encoder_.to_dict(),
        "params": model.params_.tolist(),
        "loss_history": [float(loss) for loss in model.loss_history_],
        "validation_loss_history": [float(loss) for loss in model.validation_loss_history_],
        "best_epoch": model.best_epoch_,
        "metadata": dict(metadata or {}),
    }


def save_model(
    model: QuClassiClassifier,
    path: str | os.PathLike[str],
    metadata: dict[str, Any] | None = None,
) -> None:
    """Write a fitted model and optional ``metadata`` to ``path`` as JSON, atomically."""
    text = json.dumps(model_to_dict(model, metadata), indent=1, allow_nan=False)
    write_text_atomic(path, text + "\n")


def load_model(cls: type[QuClassiClassifier], path: str | os.PathLike[str]) -> QuClassiClassifier:
    """Read a model file written by ``save_model``.

    Raises:
        OSError: The file cannot be read.
        SchemaVersionError: The file has a schema version other than ``SCHEMA_VERSION``.
        ModelFileError: The file is not valid JSON or misses required fields.
    """
    with open(path, encoding="utf-8") as handle:
        try:
            content = json.load(handle)
        except json.JSONDecodeError as err:
            msg = f"model file {os.fspath(path)!r} is not valid JSON: {err}"
            raise ModelFileError(msg) from err
    if not isinstance(content, dict) or content.get("format") != FORMAT_NAME:
        msg = (
            f"{os.fspath(path)!r} is not a quclassi model file (missing 'format': '{FORMAT_NAME}')"
        )
        raise ModelFileError(msg)
    version = content.get("schema_version")
    if version != SCHEMA_VERSION:
        writer = content.get("quclassi_version")
        origin = (
            f"quclassi {writer} wrote it"
            if writer
            else "the file does not record which quclassi release wrote it"
        )
        msg = (
            f"model file {os.fspath(path)!r} has schema version {version!r}, but quclassi "
            f"{__version__} reads only schema version {SCHEMA_VERSION} ({origin}); retrain the "
            "model with this release, or load the file with the release that wrote it"
        )
        raise SchemaVersionError(msg)
    try:
        return _build(cls, content)
    except (KeyError, TypeError, ValueError) as err:
        if isinstance(err, ModelFileError):
            raise
        msg = f"model file {os.fspath(path)!r} is malformed: {type(err).__name__}: {err}"
        raise ModelFileError(msg) from err


def _build(cls: type[QuClassiClassifier], content: dict[str, Any]) -> QuClassiClassifier:
    model = cls(**content["settings"])
    label_type = {"bool": bool, "int": int, "float": float, "str": str}[content["class_label_type"]]
    classes = np.array([label_type(label) for label in content["classes"]])
    n_qubits = int(content["n_qubits"])
    structure = validate_structure(content["structure"], n_qubits)
    params = np.asarray(content["params"], dtype=float)
    expected_shape = (classes.size, n_parameters(structure, n_qubits))
    if params.shape != expected_shape:
        msg = f"params have shape {params.shape}, expected {expected_shape}"
        raise ModelFileError(msg)
    model.classes_ = classes
    model.encoder_ = FeatureEncoder.from_dict(content["encoder"])
    model.n_features_in_ = int(content["n_features_in"])
    model.structure_ = structure
    model.n_qubits_ = n_qubits
    model.params_ = params
    model.n_parameters_ = int(params.size)
    model.loss_history_ = list(content["loss_history"])
    model.validation_loss_history_ = list(content.get("validation_loss_history", []))
    model.best_epoch_ = content.get("best_epoch")
    model.n_iter_ = len(model.loss_history_)
    model.backend_ = None
    model.metadata_ = dict(content.get("metadata") or {})
    return model
