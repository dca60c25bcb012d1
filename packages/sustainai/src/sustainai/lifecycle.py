"""Lifecycle model: operational and embodied carbon of ML work by phase, with what-if analysis.

The input is a table with one row per workload: a lifecycle phase (data, experimentation,
training, inference), the hardware it runs on, the grid region, and either the device hours
or the energy it uses. Each row is charged

* operational carbon, location-based (grid average) and market-based (contracted carbon-free
  share at zero, the rest at the residual mix), reported side by side and never netted;
* embodied carbon, amortised as embodied kg x device-hours / (lifetime hours x utilisation).

Columns (``phase``, ``hardware`` and ``region`` are required, plus ``hours`` or
``energy_kwh``):

==========================  ==================================================================
phase                       data, experimentation, training or inference
hardware                    a row of the hardware table (``sustainai.embodied``)
region                      ISO 3166 alpha-3 code or cloud region (``sustainai.intensity``)
count                       devices used at once (default 1)
hours                       wall-clock hours per run; device-hours = count x hours x runs
energy_kwh                  IT energy per run in kWh; without it, count x hours x power_w
power_w                     average power per device in W (default: the hardware's TDP)
runs                        repetitions, for example retraining cycles (default 1)
pue                         power usage effectiveness (default 1.0)
renewable_fraction          contracted carbon-free share of the energy (default 0)
residual_g_co2e_per_kwh     residual-mix intensity (default: the location-based intensity)
g_co2e_per_kwh              overrides the intensity looked up for ``region``
utilisation                 average device utilisation over its life (default: hardware table)
lifetime_years              device service life (default: hardware table)
embodied_kg                 overrides the hardware table's embodied kg per device
==========================  ==================================================================
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sustainai.carbon import market_based_emissions_kg, operational_emissions_kg
from sustainai.embodied import amortised_embodied_kg, hardware_profile
from sustainai.errors import DataFileError, InvalidInputError, LifecycleTableError
from sustainai.intensity import lookup_intensity
from sustainai.validation import (
    require_fraction,
    require_non_negative,
    require_positive,
    require_pue,
    require_utilisation,
)
from sustainai.yamlfile import load_yaml

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["PHASES", "WHAT_IF_KEYS", "LifecycleModel", "WhatIfResult"]

PHASES = ("data", "experimentation", "training", "inference")
REQUIRED_COLUMNS = ("phase", "hardware", "region")
USAGE_COLUMNS = ("hours", "energy_kwh")
OPTIONAL_COLUMNS = (
    "count",
    "power_w",
    "runs",
    "pue",
    "renewable_fraction",
    "residual_g_co2e_per_kwh",
    "g_co2e_per_kwh",
    "utilisation",
    "lifetime_years",
    "embodied_kg",
    "name",
)
KNOWN_COLUMNS = REQUIRED_COLUMNS + USAGE_COLUMNS + OPTIONAL_COLUMNS
WHAT_IF_KEYS = ("speedup", "utilisation", "cfe", "lifetime_years", "region", "pue")
_TOTALS = (
    "operational_location_kg",
    "operational_market_kg",
    "embodied_kg",
    "total_location_kg",
    "total_market_kg",
)


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def _check_columns(columns: list[str]) -> None:
    unknown = [column for column in columns if column not in KNOWN_COLUMNS]
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if not any(column in columns for column in USAGE_COLUMNS):
        missing.append("hours or energy_kwh")
    if not unknown and not missing:
        return
    parts = []
    if missing:
        parts.append(f"missing required column(s): {', '.join(missing)}")
    for column in unknown:
        close = difflib.get_close_matches(column, KNOWN_COLUMNS, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        parts.append(f"unknown column {column!r}{hint}")
    parts.append(f"known columns: {', '.join(KNOWN_COLUMNS)}")
    raise LifecycleTableError("lifecycle table: " + "; ".join(parts))


def _row_error(number: int, err: Exception) -> LifecycleTableError:
    return LifecycleTableError(f"lifecycle table row {number}: {err}")


def _phase(value: Any) -> str:
    phase = str(value).strip().lower()
    if phase not in PHASES:
        close = difflib.get_close_matches(phase, PHASES, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        msg = f"unknown phase {value!r}: {hint}expected one of {', '.join(PHASES)}"
        raise InvalidInputError(msg)
    return phase


def _option(row: Mapping[str, Any], column: str, default: Any) -> Any:
    value = row.get(column)
    return default if _is_missing(value) else value


def _evaluate_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """Compute the carbon of one table row; raises InvalidInputError on bad values."""
    phase = _phase(row["phase"])
    profile = hardware_profile(str(row["hardware"]))
    count = require_non_negative("count", _option(row, "count", 1))
    runs = require_non_negative("runs", _option(row, "runs", 1))
    hours_value = row.get("hours")
    hours = None if _is_missing(hours_value) else require_non_negative("hours", hours_value)
    device_hours = None if hours is None else count * hours * runs

    energy_value = row.get("energy_kwh")
    if not _is_missing(energy_value):
        energy_kwh = require_non_negative("energy_kwh", energy_value) * runs
    else:
        power = _option(row, "power_w", profile.tdp_w)
        if power is None or device_hours is None:
            msg = (
                f"energy_kwh is empty and hardware {profile.name!r} has no TDP: "
                "give energy_kwh or power_w"
            )
            raise InvalidInputError(msg)
        energy_kwh = device_hours * require_non_negative("power_w", power) / 1000.0
    if device_hours is None:
        msg = "hours is empty: embodied carbon needs device hours (count x hours)"
        raise InvalidInputError(msg)

    region = str(row["region"]).strip()
    if _is_missing(row.get("g_co2e_per_kwh")):
        grid = lookup_intensity(region)
        intensity, region = grid.g_co2e_per_kwh, grid.region
    else:
        intensity = require_non_negative("g_co2e_per_kwh", row["g_co2e_per_kwh"])
    pue = _option(row, "pue", 1.0)
    fraction = require_fraction("renewable_fraction", _option(row, "renewable_fraction", 0.0))
    residual = _option(row, "residual_g_co2e_per_kwh", intensity)
    lifetime = _option(row, "lifetime_years", profile.lifetime_years)
    utilisation = _option(row, "utilisation", profile.utilisation)
    embodied_per_device = _option(row, "embodied_kg", profile.embodied_kg)

    location = operational_emissions_kg(energy_kwh, intensity, pue)
    market = market_based_emissions_kg(energy_kwh, pue, fraction, residual)
    embodied = amortised_embodied_kg(embodied_per_device, device_hours, lifetime, utilisation)
    return {
        "name": str(_option(row, "name", "")),
        "phase": phase,
        "hardware": profile.name,
        "region": region,
        "device_hours": device_hours,
        "energy_kwh": energy_kwh,
        "facility_energy_kwh": energy_kwh * float(pue),
        "g_co2e_per_kwh": intensity,
        "renewable_fraction": fraction,
        "utilisation": float(utilisation),
        "lifetime_years": float(lifetime),
        "operational_location_kg": location,
        "operational_market_kg": market,
        "embodied_kg": embodied,
        "total_location_kg": location + embodied,
        "total_market_kg": market + embodied,
    }


class LifecycleModel:
    """Carbon of a set of ML workloads by lifecycle phase, operational and embodied.

    Args:
        table: A pandas DataFrame, or a list of row dictionaries, with the columns listed in
            the module documentation.

    Raises:
        LifecycleTableError: A required column is missing, a column name is unknown (the
            message suggests the close known name), or a row contains an invalid value (the
            message names the row, counting from 1).
    """

    def __init__(self, table: pd.DataFrame | list[Mapping[str, Any]]) -> None:
        import pandas as pd

        frame = table.copy() if isinstance(table, pd.DataFrame) else pd.DataFrame(list(table))
        frame.columns = [str(column).strip() for column in frame.columns]
        _check_columns(list(frame.columns))
        if frame.empty:
            msg = "lifecycle table has no rows"
            raise LifecycleTableError(msg)
        self.table = frame.reset_index(drop=True)
        rows = []
        for number, record in enumerate(self.table.to_dict(orient="records"), start=1):
            try:
                rows.append(_evaluate_row(record))
            except InvalidInputError as err:
                raise _row_error(number, err) from err
        self._results = pd.DataFrame(rows)

    @classmethod
    def from_file(cls, path: str | Path) -> LifecycleModel:
        """Build a model from a CSV file or a YAML file.

        The YAML form is either a list of rows or a mapping with ``rows`` (a list) and
        optional ``defaults`` (values used where a row leaves a column out).

        Raises:
            DataFileError: The file cannot be parsed or has the wrong shape.
            LifecycleTableError: The table's columns or values are invalid.
            OSError: The file cannot be read.
        """
        import pandas as pd

        source = Path(path)
        if source.suffix.lower() in (".yaml", ".yml"):
            return _with_file_name(cls, _read_yaml_rows(source), source)
        if source.suffix.lower() != ".csv":
            msg = f"{source}: expected a .csv, .yaml or .yml file, got {source.suffix or 'none'!r}"
            raise DataFileError(msg)
        try:
            frame = pd.read_csv(source, skipinitialspace=True, comment="#")
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
            msg = f"{source}: not a readable CSV table: {err}"
            raise DataFileError(msg) from err
        return _with_file_name(cls, frame, source)

    def results(self) -> pd.DataFrame:
        """Return one row per input row with energy, operational and embodied kg CO2e."""
        return self._results.copy()

    def breakdown(self, by: str | list[str] = "phase") -> pd.DataFrame:
        """Sum the figures per group, with each group's share of the total.

        Args:
            by: Result column or columns to group by: ``phase``, ``hardware``, ``region`` or
                ``name``. Phases come in lifecycle order.

        Returns:
            Index: the groups present. Columns: energy_kwh, device_hours, the kg columns, and
            share_location / share_market (fractions of the location- and market-based totals).

        Raises:
            InvalidInputError: ``by`` names a column that cannot be grouped on.
        """
        keys = [by] if isinstance(by, str) else list(by)
        allowed = ("phase", "hardware", "region", "name")
        unknown = [key for key in keys if key not in allowed]
        if unknown or not keys:
            msg = f"cannot group by {unknown or keys!r}: choose from {', '.join(allowed)}"
            raise InvalidInputError(msg)
        columns = ["energy_kwh", "device_hours", *_TOTALS]
        grouped = self._results.groupby(keys if len(keys) > 1 else keys[0])[columns].sum()
        if keys == ["phase"]:
            grouped = grouped.reindex([phase for phase in PHASES if phase in grouped.index])
        for kind in ("location", "market"):
            total = grouped[f"total_{kind}_kg"].sum()
            grouped[f"share_{kind}"] = grouped[f"total_{kind}_kg"] / total if total else 0.0
        return grouped

    def by_phase(self) -> pd.DataFrame:
        """Sum the figures per phase, in lifecycle order (``breakdown("phase")``)."""
        return self.breakdown("phase")

    def by_kind(self) -> pd.DataFrame:
        """Split the total into operational and embodied carbon, location- and market-based.

        Returns:
            Index: operational, embodied, total. Columns: location_based_kg, market_based_kg.
            Embodied carbon is the same in both columns because contracts for carbon-free
            electricity do not change how a device was made.
        """
        import pandas as pd

        sums = self._results[list(_TOTALS)].sum()
        return pd.DataFrame(
            {
                "location_based_kg": [
                    sums["operational_location_kg"],
                    sums["embodied_kg"],
                    sums["total_location_kg"],
                ],
                "market_based_kg": [
                    sums["operational_market_kg"],
                    sums["embodied_kg"],
                    sums["total_market_kg"],
                ],
            },
            index=pd.Index(["operational", "embodied", "total"], name="kind"),
        )

    def totals(self) -> dict[str, float]:
        """Return the summed energy_kwh, device_hours and kg CO2e figures as plain floats."""
        sums = self._results[["energy_kwh", "device_hours", *_TOTALS]].sum()
        return {key: float(value) for key, value in sums.items()}

    def to_dict(self) -> dict[str, Any]:
        """Return totals, the per-phase breakdown and the per-kind split as JSON-ready data."""
        phases = self.by_phase()
        return {
            "totals": self.totals(),
            "by_phase": {
                phase: {key: float(value) for key, value in values.items()}
                for phase, values in phases.iterrows()
            },
            "by_kind": {
                kind: {key: float(value) for key, value in values.items()}
                for kind, values in self.by_kind().iterrows()
            },
        }

    def what_if(
        self,
        *,
        speedup: float | Mapping[str, float] | None = None,
        utilisation: float | None = None,
        cfe: float | None = None,
        lifetime_years: float | None = None,
        region: str | None = None,
        pue: float | None = None,
    ) -> WhatIfResult:
        """Recompute the table under changed assumptions and compare with the baseline.

        Args:
            speedup: Factor (> 0) that divides hours and energy, for every phase or per phase
                (``{"inference": 812}``); a faster system runs for less time at the same power.
            utilisation: Average device utilisation in (0, 1] for every row; higher
                utilisation spreads a device's embodied carbon over more work.
            cfe: Carbon-free energy share in [0, 1] contracted for every row. It lowers the
                market-based figure only; the location-based figure follows the grid.
            lifetime_years: Device service life in years (> 0) for every row.
            region: Grid region for every row (moving the work elsewhere).
            pue: Power usage effectiveness (>= 1) for every row.

        Returns:
            The baseline model, the scenario model and their comparison.
        """
        changes = {
            "speedup": speedup,
            "utilisation": utilisation,
            "cfe": cfe,
            "lifetime_years": lifetime_years,
            "region": region,
            "pue": pue,
        }
        changes = {key: value for key, value in changes.items() if value is not None}
        frame = self.table.copy()
        if speedup is not None:
            factors = _speedup_factors(speedup)
            per_row = frame["phase"].map(lambda phase: factors.get(str(phase).strip().lower(), 1.0))
            for column in USAGE_COLUMNS:
                if column in frame.columns:
                    frame[column] = frame[column] / per_row
        if utilisation is not None:
            frame["utilisation"] = require_utilisation("utilisation", utilisation)
        if cfe is not None:
            frame["renewable_fraction"] = require_fraction("cfe", cfe)
        if lifetime_years is not None:
            frame["lifetime_years"] = require_positive("lifetime_years", lifetime_years)
        if region is not None:
            frame["region"] = region
            if "g_co2e_per_kwh" in frame.columns:
                frame = frame.drop(columns="g_co2e_per_kwh")
            if "residual_g_co2e_per_kwh" in frame.columns:
                frame = frame.drop(columns="residual_g_co2e_per_kwh")
        if pue is not None:
            frame["pue"] = require_pue(pue)
        return WhatIfResult(baseline=self, scenario=LifecycleModel(frame), changes=changes)


def _with_file_name(cls: type[LifecycleModel], table: Any, source: Path) -> LifecycleModel:
    """Build a model, naming ``source`` in a LifecycleTableError."""
    try:
        return cls(table)
    except LifecycleTableError as err:
        text = str(err)
        prefix = "lifecycle table"
        if text.startswith(prefix):
            msg = f"{prefix} {source}{text[len(prefix) :]}"
        else:
            msg = f"{source}: {text}"
        raise LifecycleTableError(msg) from err


def _read_yaml_rows(source: Path) -> list[dict[str, Any]]:
    document = load_yaml(source.read_text(encoding="utf-8"), str(source))
    defaults: dict[str, Any] = {}
    if isinstance(document, dict):
        defaults = document.get("defaults") or {}
        document = document.get("rows")
    if not isinstance(document, list) or not all(isinstance(row, dict) for row in document):
        msg = f"{source}: expected a list of rows, or a mapping with 'rows' (a list of mappings)"
        raise DataFileError(msg)
    if not isinstance(defaults, dict):
        msg = f"{source}: 'defaults' must be a mapping of column to value"
        raise DataFileError(msg)
    return [{**defaults, **row} for row in document]


def _speedup_factors(speedup: float | Mapping[str, float]) -> dict[str, float]:
    if isinstance(speedup, Mapping):
        factors = {
            _phase(phase): require_positive("speedup", value) for phase, value in speedup.items()
        }
    else:
        factors = dict.fromkeys(PHASES, require_positive("speedup", speedup))
    return factors


@dataclass(frozen=True)
class WhatIfResult:
    """A baseline lifecycle model, a what-if scenario of it, and the changes applied.

    Attributes:
        baseline: The model as given.
        scenario: The model with the changes applied.
        changes: The keyword arguments of ``what_if`` that were set.
    """

    baseline: LifecycleModel
    scenario: LifecycleModel
    changes: dict[str, Any]

    def comparison(self) -> pd.DataFrame:
        """Compare totals: index is the figure, columns baseline, scenario and ratio.

        ``ratio`` is baseline / scenario, so 3.0 means the scenario emits a third of the
        baseline; it is NaN where the scenario figure is 0.
        """
        import pandas as pd

        before = self.baseline.totals()
        after = self.scenario.totals()
        rows = {
            key: {
                "baseline": before[key],
                "scenario": after[key],
                "ratio": before[key] / after[key] if after[key] else math.nan,
            }
            for key in before
        }
        return pd.DataFrame.from_dict(rows, orient="index")

    def to_dict(self) -> dict[str, Any]:
        """Return the changes, both models' summaries and the ratios as JSON-ready data."""
        ratios = self.comparison()["ratio"]
        return {
            "changes": dict(self.changes),
            "baseline": self.baseline.to_dict(),
            "scenario": self.scenario.to_dict(),
            "ratio_baseline_to_scenario": {
                key: (None if math.isnan(value) else float(value)) for key, value in ratios.items()
            },
        }
