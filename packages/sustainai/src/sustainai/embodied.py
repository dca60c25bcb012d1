"""Embodied (manufacturing) carbon amortised over the share of a device's life a job uses.

A job that keeps a device busy for ``device_hours`` is charged::

    embodied_kg x device_hours / (lifetime_years x 8760 h x utilisation)

Dividing by the average utilisation spreads the idle hours of the device over the jobs that do
run on it. A fleet that is busy 30 % of the time therefore charges each job twice as much as
one that is busy 60 % of the time. With utilisation 1 this is ACT's ``(T / LT) x E`` term.
A year counts as 8760 h.

The hardware table (``data/hardware.csv``) ships the assumptions of Wu et al. (2022) for GPU and
CPU servers and ACT-derived lower bounds for common GPUs and CPUs; each row names its source.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import asdict, dataclass

from sustainai.errors import DataFileError, UnknownHardwareError
from sustainai.validation import require_non_negative, require_positive, require_utilisation

__all__ = [
    "HOURS_PER_YEAR",
    "HardwareProfile",
    "amortised_embodied_kg",
    "embodied_kg_per_device_hour",
    "hardware_profile",
    "list_hardware",
]

HOURS_PER_YEAR = 8760.0
_TABLE = "hardware.csv"
_COLUMNS = ("name", "kind", "embodied_kg", "lifetime_years", "utilisation", "tdp_w", "source")


@dataclass(frozen=True)
class HardwareProfile:
    """One row of the hardware table.

    Attributes:
        name: Key of the row, for example ``gpu-server`` or ``nvidia-a100-40gb``.
        kind: ``server``, ``gpu`` or ``cpu``.
        embodied_kg: Manufacturing footprint of one device in kg CO2e.
        lifetime_years: Default service life used for amortisation.
        utilisation: Default average busy fraction of the device over its life, in (0, 1].
        tdp_w: Thermal design power in W, or ``None`` where the row is a whole server.
        source: Where the numbers come from, including assumptions.
    """

    name: str
    kind: str
    embodied_kg: float
    lifetime_years: float
    utilisation: float
    tdp_w: float | None
    source: str

    def to_dict(self) -> dict[str, object]:
        """Return the row as a JSON-ready dictionary."""
        return asdict(self)


def amortised_embodied_kg(
    embodied_kg: float, device_hours: float, lifetime_years: float, utilisation: float
) -> float:
    """Charge a job its share of a device's embodied carbon.

    Args:
        embodied_kg: Manufacturing footprint of one device in kg CO2e.
        device_hours: Hours of device time the job used (devices x wall hours).
        lifetime_years: Service life of the device in years (> 0).
        utilisation: Average busy fraction of the device over its life, in (0, 1].

    Returns:
        ``embodied_kg * device_hours / (lifetime_years * 8760 * utilisation)`` in kg CO2e.
        For 2000 kg, 1000 h, 4 years and 0.5 this is 114.155 kg.

    Raises:
        InvalidInputError: A value is negative, the lifetime is not positive, or the
            utilisation lies outside (0, 1].
    """
    embodied = require_non_negative("embodied_kg", embodied_kg)
    hours = require_non_negative("device_hours", device_hours)
    return hours * embodied_kg_per_device_hour(embodied, lifetime_years, utilisation)


def embodied_kg_per_device_hour(
    embodied_kg: float, lifetime_years: float, utilisation: float
) -> float:
    """Return the embodied kg CO2e charged per busy device-hour (see amortised_embodied_kg)."""
    embodied = require_non_negative("embodied_kg", embodied_kg)
    lifetime = require_positive("lifetime_years", lifetime_years)
    busy = require_utilisation("utilisation", utilisation)
    return embodied / (lifetime * HOURS_PER_YEAR * busy)


def _parse_row(line_number: int, record: dict[str, str]) -> HardwareProfile:
    try:
        return HardwareProfile(
            name=record["name"],
            kind=record["kind"],
            embodied_kg=float(record["embodied_kg"]),
            lifetime_years=float(record["lifetime_years"]),
            utilisation=float(record["utilisation"]),
            tdp_w=float(record["tdp_w"]) if record["tdp_w"] else None,
            source=record["source"],
        )
    except (TypeError, ValueError) as err:
        msg = f"{_TABLE} line {line_number}: invalid number in {record!r}"
        raise DataFileError(msg) from err


@functools.cache
def _table() -> dict[str, HardwareProfile]:
    # Imported here, with difflib below, to keep `import sustainai` fast for the tracker.
    from importlib import resources

    text = resources.files("sustainai").joinpath("data", _TABLE).read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != _COLUMNS:
        msg = f"{_TABLE}: expected columns {_COLUMNS}, found {reader.fieldnames}"
        raise DataFileError(msg)
    rows = [_parse_row(number, record) for number, record in enumerate(reader, start=2)]
    return {row.name: row for row in rows}


def list_hardware() -> list[HardwareProfile]:
    """Return every row of the shipped hardware table, in file order."""
    return list(_table().values())


def hardware_profile(name: str) -> HardwareProfile:
    """Look up a device in the shipped hardware table.

    Args:
        name: Row key, case-insensitive; underscores and spaces count as hyphens.

    Returns:
        The table row.

    Raises:
        UnknownHardwareError: No row matches; the message lists close matches.
    """
    table = _table()
    key = str(name).strip().lower().replace("_", "-").replace(" ", "-")
    if key in table:
        return table[key]
    import difflib

    close = difflib.get_close_matches(key, list(table), n=3, cutoff=0.5)
    close += [known for known in table if key in known and known not in close]
    raise UnknownHardwareError(str(name), close, list(table))
