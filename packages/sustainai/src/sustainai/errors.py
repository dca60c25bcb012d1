"""Exception hierarchy of sustainai: every error the package raises derives from SustainAIError."""

from __future__ import annotations

__all__ = ["SustainAIError"]


class SustainAIError(Exception):
    """Base class of all errors raised by sustainai."""
