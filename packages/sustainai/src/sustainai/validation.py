"""Range checks for the numbers the carbon models take, raising InvalidInputError."""

from __future__ import annotations

import math

from sustainai.errors import InvalidInputError

__all__ = [
    "require_fraction",
    "require_non_negative",
    "require_positive",
    "require_pue",
    "require_utilisation",
]


def _as_float(name: str, value: object) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as err:
        msg = f"{name} must be a number, got {value!r}"
        raise InvalidInputError(msg) from err
    if not math.isfinite(number):
        msg = f"{name} must be finite, got {value!r}"
        raise InvalidInputError(msg)
    return number


def require_non_negative(name: str, value: object) -> float:
    """Return ``value`` as a float, or raise InvalidInputError if it is negative or not finite."""
    number = _as_float(name, value)
    if number < 0:
        msg = f"{name} must be >= 0, got {number:g}"
        raise InvalidInputError(msg)
    return number


def require_positive(name: str, value: object) -> float:
    """Return ``value`` as a float, or raise InvalidInputError unless it is above 0."""
    number = _as_float(name, value)
    if number <= 0:
        msg = f"{name} must be > 0, got {number:g}"
        raise InvalidInputError(msg)
    return number


def require_fraction(name: str, value: object) -> float:
    """Return ``value`` as a float, or raise InvalidInputError unless it lies in [0, 1]."""
    number = _as_float(name, value)
    if not 0.0 <= number <= 1.0:
        msg = f"{name} must be a fraction in [0, 1], got {number:g} (write 60% as 0.6)"
        raise InvalidInputError(msg)
    return number


def require_utilisation(name: str, value: object) -> float:
    """Return ``value`` as a float, or raise InvalidInputError unless it lies in (0, 1]."""
    number = _as_float(name, value)
    if not 0.0 < number <= 1.0:
        msg = f"{name} must be in (0, 1] (a busy fraction; write 45% as 0.45), got {number:g}"
        raise InvalidInputError(msg)
    return number


def require_pue(value: object) -> float:
    """Return a power usage effectiveness as a float, or raise InvalidInputError if below 1."""
    number = _as_float("pue", value)
    if number < 1.0:
        msg = (
            f"pue must be >= 1 (facility energy / IT energy; 1.0 means no overhead), got {number:g}"
        )
        raise InvalidInputError(msg)
    return number
