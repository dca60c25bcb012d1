"""Exception hierarchy of quclassi: every error the package raises derives from QuClassiError.

Errors caused by a bad argument also derive from ``ValueError`` (or ``ImportError`` for a
missing optional dependency), so callers that catch the built-in types keep working.
"""

from __future__ import annotations

__all__ = [
    "BackendError",
    "DatasetError",
    "FidelityClippedWarning",
    "InvalidInputError",
    "InvalidStructureError",
    "InvalidTypeError",
    "MissingCredentialsError",
    "MissingDependencyError",
    "ModelFileError",
    "NotFittedError",
    "QuClassiError",
    "SchemaVersionError",
    "UnknownBackendError",
    "UsageError",
]


class QuClassiError(Exception):
    """Base class of all errors raised by quclassi."""


class InvalidInputError(QuClassiError, ValueError):
    """An argument or a data array has an invalid value, shape or type."""


class InvalidTypeError(QuClassiError, TypeError):
    """An argument or a data array has a type that cannot be used, for example a dict."""


class InvalidStructureError(InvalidInputError):
    """A layer structure string has unknown letters or does not fit the qubit count."""


class NotFittedError(QuClassiError, ValueError, AttributeError):
    """A model was used for prediction before ``fit`` or ``load``.

    The bases match ``sklearn.exceptions.NotFittedError`` so that scikit-learn's own checks
    accept it.
    """


class UsageError(InvalidInputError):
    """Command-line options that cannot be used together; the CLI exits with code 2."""


class UnknownBackendError(InvalidInputError):
    """A backend name is not one of the registered backends."""


class MissingDependencyError(QuClassiError, ImportError):
    """An optional dependency is not installed. The message names the ``pip install`` line."""


class MissingCredentialsError(QuClassiError):
    """A cloud or hardware backend was chosen without the credentials it needs."""


class BackendError(QuClassiError):
    """A backend failed to compute fidelities."""


class DatasetError(InvalidInputError):
    """A data set name, class filter or data file is invalid."""


class ModelFileError(QuClassiError, ValueError):
    """A saved model file is malformed."""


class SchemaVersionError(ModelFileError):
    """A saved model file uses a schema version this release cannot read."""


class FidelityClippedWarning(UserWarning):
    """Shot noise pushed an estimated fidelity 2*P(0) - 1 below zero, so it was clipped to 0."""
