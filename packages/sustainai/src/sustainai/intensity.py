"""Grid carbon intensity per country and per cloud region, from the table shipped in the wheel.

Country rows use ISO 3166 alpha-3 codes (``FRA``), the world mean is ``WORLD``, and cloud
rows use ``provider:region``
(``aws:us-east-1``, ``gcp:europe-west1``, ``azure:westeurope``). A bare cloud region id
(``us-east-1``) and a country name (``France``) are accepted where they match one row.
Every row carries its year and source; ``LICENSES-DATA.md`` next to the table lists the
licences. This module uses only the standard library so that ``import sustainai`` stays light.
"""

from __future__ import annotations

import csv
import functools
import io
import logging
import math
from dataclasses import asdict, dataclass

from sustainai.errors import DataFileError, UnknownRegionError

__all__ = ["GridIntensity", "list_regions", "lookup_intensity"]

logger = logging.getLogger(__name__)

_TABLE = "grid_intensity.csv"
_COLUMNS = (
    "region",
    "name",
    "kind",
    "provider",
    "country_iso3",
    "g_co2e_per_kwh",
    "year",
    "source",
)


@dataclass(frozen=True)
class GridIntensity:
    """Average carbon intensity of the electricity grid in one region.

    Attributes:
        region: Key of the row: ISO 3166 alpha-3 code or ``provider:region``.
        name: Human-readable name of the country or cloud region.
        g_co2e_per_kwh: Grid intensity in grams of CO2-equivalent per kWh (location-based).
        year: Year the value describes.
        source: Where the value comes from, including any caveat.
        kind: ``country``, ``cloud`` or ``world`` (the generation-weighted world mean).
        provider: Cloud provider (``aws``, ``gcp``, ``azure``), empty for countries.
        country_iso3: ISO 3166 alpha-3 code of the country that hosts the region.
    """

    region: str
    name: str
    g_co2e_per_kwh: float
    year: int
    source: str
    kind: str = "country"
    provider: str = ""
    country_iso3: str = ""

    def to_dict(self) -> dict[str, object]:
        """Return the row as a JSON-ready dictionary."""
        return asdict(self)


def _parse_row(line_number: int, record: dict[str, str]) -> GridIntensity:
    try:
        value = float(record["g_co2e_per_kwh"])
        year = int(record["year"])
    except (TypeError, ValueError) as err:
        msg = f"{_TABLE} line {line_number}: invalid number in {record!r}"
        raise DataFileError(msg) from err
    if not math.isfinite(value) or value < 0:
        msg = f"{_TABLE} line {line_number}: g_co2e_per_kwh must be >= 0, got {value}"
        raise DataFileError(msg)
    return GridIntensity(
        region=record["region"],
        name=record["name"],
        g_co2e_per_kwh=value,
        year=year,
        source=record["source"],
        kind=record["kind"],
        provider=record["provider"],
        country_iso3=record["country_iso3"],
    )


@functools.cache
def _table() -> tuple[GridIntensity, ...]:
    # Imported here, with difflib below, to keep `import sustainai` fast for the tracker.
    from importlib import resources

    text = resources.files("sustainai").joinpath("data", _TABLE).read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != _COLUMNS:
        msg = f"{_TABLE}: expected columns {_COLUMNS}, found {reader.fieldnames}"
        raise DataFileError(msg)
    # Line 1 is the header, so the first record is on line 2.
    return tuple(_parse_row(number, record) for number, record in enumerate(reader, start=2))


@functools.cache
def _index() -> dict[str, GridIntensity]:
    """Map every accepted spelling (lower case) to its row; ambiguous aliases are left out."""
    rows = _table()
    index = {row.region.lower(): row for row in rows}
    aliases: dict[str, list[GridIntensity]] = {}
    for row in rows:
        if row.kind == "cloud":
            aliases.setdefault(row.region.split(":", 1)[1].lower(), []).append(row)
        else:
            aliases.setdefault(row.name.lower(), []).append(row)
    for alias, matches in aliases.items():
        if len(matches) == 1 and alias not in index:
            index[alias] = matches[0]
    return index


def lookup_intensity(region: str) -> GridIntensity:
    """Look up the grid carbon intensity of a country or cloud region.

    Args:
        region: ISO 3166 alpha-3 code (``FRA``), country name (``France``), ``provider:region``
            (``gcp:europe-west1``) or a bare cloud region id that only one provider uses
            (``us-east-1``). Case does not matter.

    Returns:
        The matching table row.

    Raises:
        UnknownRegionError: No row matches; the message lists close matches.
    """
    key = str(region).strip().lower()
    index = _index()
    if key in index:
        return index[key]
    candidates = sorted({row.region for row in _table()} | {row.name for row in _table()})
    by_lower = {candidate.lower(): candidate for candidate in candidates}
    import difflib

    close = difflib.get_close_matches(key, list(by_lower), n=5, cutoff=0.6)
    suggestions = [by_lower[match] for match in close]
    # A bare region id written for the wrong provider still deserves the real keys.
    suggestions += [
        row.region
        for row in _table()
        if row.kind == "cloud" and key in row.region.lower() and row.region not in suggestions
    ][:5]
    raise UnknownRegionError(str(region), suggestions)


def list_regions(search: str | None = None, kind: str | None = None) -> list[GridIntensity]:
    """List the shipped rows, optionally filtered.

    Args:
        search: Case-insensitive substring matched against region key, name and country code.
        kind: ``country``, ``cloud`` or ``world`` to keep one kind only.

    Returns:
        Matching rows in table order.
    """
    rows = list(_table())
    if kind is not None:
        rows = [row for row in rows if row.kind == kind]
    if search:
        needle = search.strip().lower()
        rows = [
            row
            for row in rows
            if needle in row.region.lower()
            or needle in row.name.lower()
            or needle == row.country_iso3.lower()
        ]
    return rows
