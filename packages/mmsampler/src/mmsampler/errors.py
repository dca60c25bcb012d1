"""Exception hierarchy of mmsampler: every error the package raises derives from MMSamplerError."""

from __future__ import annotations

__all__ = ["MMSamplerError"]


class MMSamplerError(Exception):
    """Base class of all errors raised by mmsampler."""
