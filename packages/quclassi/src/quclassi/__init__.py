"""Quantum-state-fidelity classifier with fast exact simulation and hardware backends.

A re-implementation of QuClassi: A Hybrid Deep Neural Network Architecture based on Quantum State
Fidelity (Stein et al., MLSys 2022).

``QuClassiClassifier`` needs scikit-learn and is imported on first access (PEP 562), so
``import quclassi`` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from quclassi.backends import BACKEND_NAMES, Backend, get_backend
from quclassi.circuit import Gate, encoding_angles, n_parameters, trained_gates, validate_structure
from quclassi.errors import QuClassiError

if TYPE_CHECKING:
    from quclassi.classifier import QuClassiClassifier

__version__ = "0.1.0"

__all__ = [
    "BACKEND_NAMES",
    "Backend",
    "Gate",
    "QuClassiClassifier",
    "QuClassiError",
    "__version__",
    "encoding_angles",
    "get_backend",
    "n_parameters",
    "trained_gates",
    "validate_structure",
]


def __getattr__(name: str) -> Any:
    if name == "QuClassiClassifier":
        from quclassi.classifier import QuClassiClassifier

        return QuClassiClassifier
    msg = f"module 'quclassi' has no attribute {name!r}"
    raise AttributeError(msg)
