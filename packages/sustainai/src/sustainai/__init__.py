"""Operational and embodied carbon of ML work across its lifecycle, with a tracker.

A re-implementation of Sustainable AI: Environmental Implications, Challenges and Opportunities
(Wu et al., MLSys 2022).
"""

from __future__ import annotations

import importlib
from typing import Any

from sustainai.carbon import (
    OperationalEmissions,
    estimate_operational,
    market_based_emissions_kg,
    operational_emissions_kg,
)
from sustainai.embodied import (
    HardwareProfile,
    amortised_embodied_kg,
    hardware_profile,
    list_hardware,
)
from sustainai.errors import (
    DataFileError,
    InvalidInputError,
    LifecycleTableError,
    SustainAIError,
    UnknownHardwareError,
    UnknownRegionError,
)
from sustainai.intensity import GridIntensity, list_regions, lookup_intensity
from sustainai.tracker import Tracker, TrackingResult, track

__version__ = "0.1.0"

__all__ = [
    "DataFileError",
    "GridIntensity",
    "HardwareProfile",
    "InvalidInputError",
    "LifecycleModel",
    "LifecycleTableError",
    "OperationalEmissions",
    "SustainAIError",
    "Tracker",
    "TrackingResult",
    "UnknownHardwareError",
    "UnknownRegionError",
    "__version__",
    "amortised_embodied_kg",
    "estimate_operational",
    "hardware_profile",
    "list_hardware",
    "list_regions",
    "lookup_intensity",
    "market_based_emissions_kg",
    "operational_emissions_kg",
    "paper_figures",
    "track",
]

# Names whose modules import pandas or matplotlib load on first access (PEP 562), so that
# `import sustainai` stays light for the tracker.
_LAZY_ATTRIBUTES = {
    "LifecycleModel": "sustainai.lifecycle",
    "paper_figures": "sustainai.paper",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY_ATTRIBUTES.get(name)
    if module_name is None:
        msg = f"module 'sustainai' has no attribute {name!r}"
        raise AttributeError(msg)
    return getattr(importlib.import_module(module_name), name)
