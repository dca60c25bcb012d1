"""Exception hierarchy of quclassi: every error the package raises derives from QuClassiError."""

from __future__ import annotations

__all__ = ["QuClassiError"]


class QuClassiError(Exception):
    """Base class of all errors raised by quclassi."""
