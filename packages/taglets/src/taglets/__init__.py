"""Semi-supervised learning with auxiliary data picked through a knowledge graph.

A re-implementation of TAGLETS: A System for Automatic Semi-Supervised Learning with Auxiliary Data
(Piriyakulkij et al., MLSys 2022).
"""

from __future__ import annotations

from taglets.errors import TagletsError

__version__ = "0.1.0"

__all__ = ["TagletsError", "__version__"]
