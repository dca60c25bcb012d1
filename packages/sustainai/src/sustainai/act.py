"""Bottom-up embodied carbon of chips and storage in the style of the ACT model.

ACT (Gupta et al., "ACT: designing sustainable computer systems with an architectural carbon
modeling tool", ISCA 2022) estimates the manufacturing footprint of a logic die from its area
and process node::

    carbon per area (g/cm2) = (fab grid g/kWh x EPA + GPA + MPA) / yield
    die carbon (g) = carbon per area x area + packages x 150 g

EPA is the fab energy per area, GPA the greenhouse gases emitted per area (after 95 % or 99 %
abatement; ACT's default, 97 %, is the mean of the two), MPA the raw materials per area.
Memory and storage are charged per GB. The parameter values below are those of ACT's
reference implementation (github.com/facebookresearch/ACT, MIT licence, files
``act/models/logic/{epa,gpa_95,gpa_99,materials}.yaml``, ``act/models/dram/dram_hynix.yaml``,
``act/models/ssd/ssd_hynix.yaml``, ``act/models/hdd/hdd_enterprise.yaml``,
``act/models/carbon_intensity/location_2022.yaml`` and ``act/core/common.py``).

With those defaults (GPA 97, Taiwan fab grid 583 g/kWh, yield 0.875) a 7 nm, 8.26 cm2 die in
one package gives (583 x 2.15 + 275 + 500) / 0.875 = 2318.2 g/cm2, so 19.149 kg of silicon
plus 0.150 kg of packaging = 19.30 kg.
"""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass

from sustainai.errors import InvalidInputError
from sustainai.validation import require_non_negative, require_utilisation

__all__ = [
    "DEFAULT_ABATEMENT",
    "DEFAULT_FAB_LOCATION",
    "DEFAULT_FAB_YIELD",
    "DRAM_G_PER_GB",
    "FAB_ENERGY_KWH_PER_CM2",
    "FAB_GRID_G_PER_KWH",
    "GAS_G_PER_CM2",
    "HDD_G_PER_GB",
    "MATERIALS_G_PER_CM2",
    "PACKAGING_G_PER_IC",
    "SSD_G_PER_GB",
    "DeviceCarbon",
    "DieCarbon",
    "carbon_per_area_g_per_cm2",
    "device_embodied",
    "dram_kg",
    "hdd_kg",
    "logic_die",
    "ssd_kg",
]

# Fab energy per area, kWh/cm2 (ACT Table 1, epa.yaml).
FAB_ENERGY_KWH_PER_CM2: dict[str, float] = {
    "28nm": 0.90,
    "20nm": 1.20,
    "14nm": 1.20,
    "10nm": 1.475,
    "8nm": 1.52,
    "7nm": 2.15,
    "5nm": 2.75,
    "3nm": 3.25,
}
# Process gases per area, g CO2e/cm2, by abatement level in percent (gpa_95.yaml, gpa_99.yaml).
GAS_G_PER_CM2: dict[int, dict[str, float]] = {
    95: {
        "28nm": 175,
        "20nm": 190,
        "14nm": 200,
        "10nm": 240,
        "8nm": 240,
        "7nm": 350,
        "5nm": 430,
        "3nm": 470,
    },
    99: {
        "28nm": 100,
        "20nm": 110,
        "14nm": 125,
        "10nm": 150,
        "8nm": 150,
        "7nm": 200,
        "5nm": 225,
        "3nm": 275,
    },
}
# ACT's default abatement level, 97 %, is the mean of the 95 % and 99 % tables.
GAS_G_PER_CM2[97] = {
    node: (GAS_G_PER_CM2[95][node] + GAS_G_PER_CM2[99][node]) / 2 for node in GAS_G_PER_CM2[95]
}
# Raw materials per area, g CO2e/cm2, the same for every node (materials.yaml).
MATERIALS_G_PER_CM2 = 500.0
PACKAGING_G_PER_IC = 150.0
DEFAULT_FAB_YIELD = 0.875
DEFAULT_ABATEMENT = 97
DEFAULT_FAB_LOCATION = "taiwan"
# Grid intensity of the fab, g CO2e/kWh (location_2022.yaml).
FAB_GRID_G_PER_KWH: dict[str, float] = {
    "world": 301,
    "india": 725,
    "australia": 597,
    "taiwan": 583,
    "singapore": 495,
    "usa": 380,
    "europe": 295,
    "brazil": 82,
    "iceland": 28,
    "japan": 485,
    "korea": 430,
}
# Memory and storage, g CO2e per GB of capacity (dram_hynix.yaml, ssd_hynix.yaml,
# hdd_enterprise.yaml).
DRAM_G_PER_GB: dict[str, float] = {
    "ddr3_50nm": 600,
    "ddr3_40nm": 315,
    "ddr3_30nm": 230,
    "lpddr3_30nm": 201,
    "lpddr3_20nm": 184,
    "lpddr2_20nm": 159,
    "lpddr4": 48,
    "ddr4_10nm": 65,
}
SSD_G_PER_GB: dict[str, float] = {
    "nand_30nm": 31,
    "nand_20nm": 15,
    "nand_10nm": 10,
    "nand_tlc_1z": 5.6,
    "nand_tlc_v3": 6.3,
}
HDD_G_PER_GB: dict[str, float] = {
    "exos2x14": 1.653,
    "exosx12": 1.14,
    "exosx16": 1.334,
    "exos15e900": 20.46,
    "exos10e2400": 10.323,
    "exos5e8": 3.8556,
    "exos7e8": 4.747,
}


def _choose(kind: str, key: object, table: dict[str, float]) -> float:
    text = str(key).strip().lower()
    if kind == "process node" and text and text[-1].isdigit():
        text += "nm"  # accept 7 or "7" for "7nm"
    if text in table:
        return table[text]
    close = difflib.get_close_matches(text, list(table), n=3)
    hint = f"did you mean {', '.join(close)}?" if close else f"known: {', '.join(table)}"
    msg = f"unknown {kind} {key!r}: {hint}"
    raise InvalidInputError(msg)


def _fab_intensity(fab_location: str | None, fab_g_co2e_per_kwh: float | None) -> float:
    if fab_g_co2e_per_kwh is not None:
        return require_non_negative("fab_g_co2e_per_kwh", fab_g_co2e_per_kwh)
    return _choose("fab location", fab_location or DEFAULT_FAB_LOCATION, FAB_GRID_G_PER_KWH)


def _abatement_table(abatement: int) -> dict[str, float]:
    if abatement not in GAS_G_PER_CM2:
        msg = f"abatement must be one of 95, 97, 99 (percent), got {abatement!r}"
        raise InvalidInputError(msg)
    return GAS_G_PER_CM2[abatement]


@dataclass(frozen=True)
class DieCarbon:
    """Manufacturing footprint of one logic die and its packages, split by source, in kg CO2e.

    Attributes:
        node: Process node, for example ``7nm``.
        area_cm2: Die area in cm2.
        packages: Number of IC packages charged.
        energy_kg: Fab electricity, divided by yield.
        gas_kg: Fab process gases, divided by yield.
        materials_kg: Raw materials, divided by yield.
        packaging_kg: Packaging, 150 g per IC.
        carbon_per_area_g_per_cm2: The combined per-area factor (energy + gas + materials) / yield.
    """

    node: str
    area_cm2: float
    packages: int
    energy_kg: float
    gas_kg: float
    materials_kg: float
    packaging_kg: float
    carbon_per_area_g_per_cm2: float

    @property
    def total_kg(self) -> float:
        """Total footprint of the die and its packages in kg CO2e."""
        return self.energy_kg + self.gas_kg + self.materials_kg + self.packaging_kg

    def to_dict(self) -> dict[str, object]:
        """Return the breakdown and total as a JSON-ready dictionary."""
        return {**asdict(self), "total_kg": self.total_kg}


def carbon_per_area_g_per_cm2(
    node: str | int,
    *,
    fab_location: str | None = None,
    fab_g_co2e_per_kwh: float | None = None,
    abatement: int = DEFAULT_ABATEMENT,
    fab_yield: float = DEFAULT_FAB_YIELD,
) -> float:
    """Compute ACT's carbon per area (CPA) of a logic process in g CO2e/cm2.

    Args:
        node: Process node, ``"7nm"`` or ``7``; ACT covers 28 nm down to 3 nm.
        fab_location: Fab grid from ``FAB_GRID_G_PER_KWH`` (default ``taiwan``).
        fab_g_co2e_per_kwh: Explicit fab grid intensity; overrides ``fab_location``.
        abatement: Process-gas abatement in percent: 95, 97 (mean of 95 and 99) or 99.
        fab_yield: Fraction of good dies, in (0, 1].

    Returns:
        ``(fab grid x EPA + GPA + MPA) / yield``.
    """
    die = logic_die(
        node,
        1.0,
        packages=0,
        fab_location=fab_location,
        fab_g_co2e_per_kwh=fab_g_co2e_per_kwh,
        abatement=abatement,
        fab_yield=fab_yield,
    )
    return die.carbon_per_area_g_per_cm2


def logic_die(
    node: str | int,
    area_cm2: float,
    packages: int = 1,
    *,
    fab_location: str | None = None,
    fab_g_co2e_per_kwh: float | None = None,
    abatement: int = DEFAULT_ABATEMENT,
    fab_yield: float = DEFAULT_FAB_YIELD,
) -> DieCarbon:
    """Estimate the manufacturing footprint of a logic die.

    Args:
        node: Process node, ``"7nm"`` or ``7``.
        area_cm2: Die area in cm2 (826 mm2 is 8.26 cm2).
        packages: IC packages to charge at 150 g each.
        fab_location: Fab grid from ``FAB_GRID_G_PER_KWH`` (default ``taiwan``).
        fab_g_co2e_per_kwh: Explicit fab grid intensity; overrides ``fab_location``.
        abatement: Process-gas abatement in percent: 95, 97 or 99.
        fab_yield: Fraction of good dies, in (0, 1].

    Returns:
        The footprint split into energy, gas, materials and packaging.

    Raises:
        InvalidInputError: Unknown node, fab location or abatement level, negative area or
            package count, or a yield outside (0, 1].
    """
    epa = _choose("process node", node, FAB_ENERGY_KWH_PER_CM2)
    node_key = _node_key(node)
    area = require_non_negative("area_cm2", area_cm2)
    count = require_non_negative("packages", packages)
    if count != int(count):
        msg = f"packages must be a whole number, got {packages!r}"
        raise InvalidInputError(msg)
    good = require_utilisation("fab_yield", fab_yield)
    grid = _fab_intensity(fab_location, fab_g_co2e_per_kwh)
    gas = _abatement_table(abatement)[node_key]
    per_area = {
        "energy": grid * epa / good,
        "gas": gas / good,
        "materials": MATERIALS_G_PER_CM2 / good,
    }
    return DieCarbon(
        node=node_key,
        area_cm2=area,
        packages=int(count),
        energy_kg=per_area["energy"] * area / 1000.0,
        gas_kg=per_area["gas"] * area / 1000.0,
        materials_kg=per_area["materials"] * area / 1000.0,
        packaging_kg=int(count) * PACKAGING_G_PER_IC / 1000.0,
        carbon_per_area_g_per_cm2=sum(per_area.values()),
    )


def _node_key(node: str | int) -> str:
    text = str(node).strip().lower()
    return text + "nm" if text and text[-1].isdigit() else text


def dram_kg(capacity_gb: float, technology: str = "ddr4_10nm") -> float:
    """Estimate the embodied kg CO2e of DRAM from its capacity in GB (ACT's per-GB factors)."""
    return (
        require_non_negative("capacity_gb", capacity_gb)
        * _choose("DRAM technology", technology, DRAM_G_PER_GB)
        / 1000.0
    )


def ssd_kg(capacity_gb: float, technology: str = "nand_10nm") -> float:
    """Estimate the embodied kg CO2e of an SSD from its capacity in GB (ACT's per-GB factors)."""
    return (
        require_non_negative("capacity_gb", capacity_gb)
        * _choose("SSD technology", technology, SSD_G_PER_GB)
        / 1000.0
    )


def hdd_kg(capacity_gb: float, model: str = "exosx12") -> float:
    """Estimate the embodied kg CO2e of a hard disk from its capacity in GB (ACT's factors)."""
    return (
        require_non_negative("capacity_gb", capacity_gb)
        * _choose("HDD model", model, HDD_G_PER_GB)
        / 1000.0
    )


@dataclass(frozen=True)
class DeviceCarbon:
    """Embodied footprint of a device built from dies, memory and storage, in kg CO2e.

    Attributes:
        dies: One breakdown per logic die.
        dram_kg: DRAM (also used for HBM and GDDR, for which ACT has no factor).
        ssd_kg: Solid-state storage.
        hdd_kg: Hard-disk storage.
    """

    dies: tuple[DieCarbon, ...]
    dram_kg: float
    ssd_kg: float
    hdd_kg: float

    @property
    def total_kg(self) -> float:
        """Total embodied footprint in kg CO2e."""
        return sum(die.total_kg for die in self.dies) + self.dram_kg + self.ssd_kg + self.hdd_kg

    def to_dict(self) -> dict[str, object]:
        """Return the breakdown and total as a JSON-ready dictionary."""
        return {
            "dies": [die.to_dict() for die in self.dies],
            "dram_kg": self.dram_kg,
            "ssd_kg": self.ssd_kg,
            "hdd_kg": self.hdd_kg,
            "total_kg": self.total_kg,
        }


def device_embodied(
    dies: list[tuple[str | int, float, int]],
    *,
    dram_gb: float = 0.0,
    dram_technology: str = "ddr4_10nm",
    ssd_gb: float = 0.0,
    ssd_technology: str = "nand_10nm",
    hdd_gb: float = 0.0,
    hdd_model: str = "exosx12",
    **die_options: object,
) -> DeviceCarbon:
    """Estimate the embodied footprint of a device from its bill of materials.

    Args:
        dies: ``(node, area_cm2, packages)`` per logic die.
        dram_gb: DRAM capacity in GB.
        dram_technology: Key of ``DRAM_G_PER_GB``.
        ssd_gb: SSD capacity in GB.
        ssd_technology: Key of ``SSD_G_PER_GB``.
        hdd_gb: Hard-disk capacity in GB.
        hdd_model: Key of ``HDD_G_PER_GB``.
        **die_options: Passed to :func:`logic_die` (``fab_location``, ``abatement``...).

    Returns:
        The footprint per die plus memory and storage.
    """
    return DeviceCarbon(
        dies=tuple(
            logic_die(node, area, packages, **die_options)  # type: ignore[arg-type]
            for node, area, packages in dies
        ),
        dram_kg=dram_kg(dram_gb, dram_technology),
        ssd_kg=ssd_kg(ssd_gb, ssd_technology),
        hdd_kg=hdd_kg(hdd_gb, hdd_model),
    )
