"""Exception hierarchy of sustainai: every error the package raises derives from SustainAIError."""

from __future__ import annotations

__all__ = [
    "SustainAIError",
    "InvalidInputError",
    "UnknownRegionError",
    "UnknownHardwareError",
    "LifecycleTableError",
    "DataFileError",
    "InputFileError",
    "OutputPathError",
    "SensorError",
    "TrackerStateError",
    "TrackerConfigError",
    "RecordsFormatError",
]


class SustainAIError(Exception):
    """Base class of all errors raised by sustainai."""


class InvalidInputError(SustainAIError, ValueError):
    """An argument or table value is outside its valid range (negative energy, PUE below 1...)."""


class UnknownRegionError(InvalidInputError, LookupError):
    """A grid region is not in the shipped carbon-intensity table.

    Attributes:
        region: The region as the caller wrote it.
        suggestions: Close matches from the table, best first (may be empty).
    """

    def __init__(self, region: str, suggestions: list[str]) -> None:
        self.region = region
        self.suggestions = list(suggestions)
        hint = (
            f"did you mean {', '.join(repr(s) for s in self.suggestions)}?"
            if self.suggestions
            else "no close match"
        )
        super().__init__(
            f"unknown grid region {region!r}: {hint} "
            "(list the known regions with `sustainai regions --search TEXT`)"
        )


class UnknownHardwareError(InvalidInputError, LookupError):
    """A hardware name is not in the shipped hardware table.

    Attributes:
        name: The hardware name as the caller wrote it.
        suggestions: Close matches from the table, best first (may be empty).
    """

    def __init__(self, name: str, suggestions: list[str], known: list[str]) -> None:
        self.name = name
        self.suggestions = list(suggestions)
        hint = (
            f"did you mean {', '.join(repr(s) for s in self.suggestions)}?"
            if self.suggestions
            else f"known hardware: {', '.join(known)}"
        )
        super().__init__(f"unknown hardware {name!r}: {hint}")


class LifecycleTableError(InvalidInputError):
    """A lifecycle table lacks required columns, has misspelt ones or contains invalid values."""


class DataFileError(SustainAIError):
    """A data file shipped with the package, or given by the user, cannot be parsed."""


class InputFileError(SustainAIError):
    """An input file is missing, is a folder or cannot be read."""


class OutputPathError(SustainAIError):
    """An output path that cannot be written, such as a file whose folder does not exist."""


class SensorError(SustainAIError):
    """A power or energy sensor cannot be read (missing file, permission denied, NVML failure)."""


class TrackerStateError(SustainAIError, RuntimeError):
    """A tracker method was called in the wrong state, such as ``stop()`` before ``start()``."""


class TrackerConfigError(InvalidInputError):
    """A tracker setting is invalid, such as a sampling interval that is not positive."""


class RecordsFormatError(SustainAIError, ValueError):
    """An emissions CSV file is corrupt or was not written by sustainai or codecarbon.

    Attributes:
        path: The file that failed to parse.
        line_number: The 1-based line of the file where the problem is.
    """

    def __init__(self, path: str, line_number: int, problem: str) -> None:
        self.path = path
        self.line_number = line_number
        super().__init__(f"{path}, line {line_number}: {problem}")
