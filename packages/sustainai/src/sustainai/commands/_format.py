"""Output helpers shared by the estimate, paper and regions subcommands."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from sustainai.atomic import write_text_atomic

__all__ = ["format_number", "markdown_table", "print_json", "text_table", "write_text_atomic"]


def format_number(value: Any) -> str:
    """Format a number for a table: 5 significant digits, thousands separators above 10,000."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if math.isnan(value):
        return "n/a"
    if abs(value) >= 10_000:
        return f"{value:,.0f}"
    return f"{value:.5g}"


def text_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Render rows as a plain-text table with right-aligned numbers."""
    cells = [[format_number(value) for value in row] for row in rows]
    widths = [
        max(len(str(header)), *(len(row[index]) for row in cells)) if cells else len(header)
        for index, header in enumerate(headers)
    ]
    numeric = [
        bool(rows) and all(isinstance(row[index], (int, float)) for row in rows)
        for index in range(len(headers))
    ]

    def render(values: Sequence[str]) -> str:
        parts = [
            value.rjust(width) if is_number else value.ljust(width)
            for value, width, is_number in zip(values, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    lines = [render([str(header) for header in headers])]
    lines.append("  ".join("-" * width for width in widths))
    lines.extend(render(row) for row in cells)
    return "\n".join(lines)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Render rows as a GitHub-flavoured markdown table."""
    lines = ["| " + " | ".join(str(header) for header in headers) + " |"]
    lines.append("|" + "|".join("---" for _ in headers) + "|")
    for row in rows:
        cells = [format_number(value).replace("|", "\\|") for value in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _json_ready(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(key): _json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(item) for item in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return _json_ready(value.item())
    return value


def print_json(document: dict[str, Any]) -> None:
    """Print one JSON object on stdout; NaN and infinities become null."""
    print(json.dumps(_json_ready(document), indent=2, allow_nan=False))
