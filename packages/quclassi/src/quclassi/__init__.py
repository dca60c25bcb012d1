"""Quantum-state-fidelity classifier with fast exact simulation and hardware backends.

A re-implementation of QuClassi: A Hybrid Deep Neural Network Architecture based on Quantum State
Fidelity (Stein et al., MLSys 2022).
"""

from __future__ import annotations

from quclassi.errors import QuClassiError

__version__ = "0.1.0"

__all__ = ["QuClassiError", "__version__"]
