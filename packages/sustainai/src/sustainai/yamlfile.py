"""YAML parsing with one-line error messages that name the file, line and problem."""

from __future__ import annotations

from typing import Any

from sustainai.errors import DataFileError

__all__ = ["load_yaml"]


def _position(mark: Any) -> str:
    # PyYAML marks count lines and columns from 0.
    return f"line {mark.line + 1}, column {mark.column + 1}"


def _describe(origin: str, err: Exception) -> str:
    problem = getattr(err, "problem", None)
    problem_mark = getattr(err, "problem_mark", None)
    context_mark = getattr(err, "context_mark", None)
    if not problem or problem_mark is None:
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        return f"{origin}: invalid YAML ({first_line})"
    problem = problem.replace("'<stream end>'", "the end of the file")
    # An unclosed bracket or quote is reported where the parser gave up, often the end of the
    # file, so the line where the unclosed construct starts is the one to show first.
    if context_mark is not None and context_mark.line != problem_mark.line:
        return (
            f"{origin}, {_position(context_mark)}: invalid YAML "
            f"({problem} at line {problem_mark.line + 1})"
        )
    return f"{origin}, {_position(problem_mark)}: invalid YAML ({problem})"


def load_yaml(text: str, origin: str) -> Any:
    """Parse YAML text with ``yaml.safe_load``.

    Args:
        text: The YAML document.
        origin: The file name to show in errors.

    Returns:
        The parsed document.

    Raises:
        DataFileError: The text is not valid YAML. The message is one line, for example
            ``broken.yaml, line 2, column 5: invalid YAML (expected ',' or ']', but got the
            end of the file at line 3)``.
    """
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise DataFileError(_describe(origin, err)) from err
