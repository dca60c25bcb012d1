"""Exception hierarchy of taglets: every error the package raises derives from TagletsError."""

from __future__ import annotations

__all__ = ["TagletsError"]


class TagletsError(Exception):
    """Base class of all errors raised by taglets."""
