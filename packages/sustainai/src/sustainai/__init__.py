"""Operational and embodied carbon of ML work across its lifecycle, with a tracker.

A re-implementation of Sustainable AI: Environmental Implications, Challenges and Opportunities
(Wu et al., MLSys 2022).
"""

from __future__ import annotations

from sustainai.errors import SustainAIError

__version__ = "0.1.0"

__all__ = ["SustainAIError", "__version__"]
