"""Exception hierarchy: every error that virtualflow raises derives from VirtualFlowError."""

from __future__ import annotations

__all__ = ["VirtualFlowError"]


class VirtualFlowError(Exception):
    """Base class of all errors raised by virtualflow."""
