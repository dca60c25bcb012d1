"""The quantitative figures of Wu et al. (2022), "Sustainable AI", regenerated from parameters.

Every number comes from ``data/paper_params.yaml``, where each value names the section of the
paper that states it and whether it is quoted (``text``), computed from quoted values
(``derived``) or chosen here where the paper gives a range (``assumption``). Each figure
function returns a :class:`PaperFigure` with a table, a few headline numbers and notes;
:mod:`sustainai.paper_plots` draws them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sustainai.errors import DataFileError, InvalidInputError
from sustainai.yamlfile import load_yaml

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd

__all__ = [
    "FIGURES",
    "KINDS",
    "PaperFigure",
    "load_paper_params",
    "paper_figure",
    "paper_figures",
]

KINDS = ("text", "derived", "assumption")
_PARAMS_FILE = "paper_params.yaml"


@dataclass(frozen=True)
class PaperFigure:
    """One regenerated figure of the paper.

    Attributes:
        name: Key of the figure, for example ``lm_waterfall``.
        title: One-line description.
        table: The figure's data, one row per bar, point or step.
        headline: The few numbers a reader checks first, keyed with units in the names.
        notes: Caveats, and which values are derived or assumed.
    """

    name: str
    title: str
    table: pd.DataFrame
    headline: dict[str, float]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the figure as JSON-ready data (NaN becomes None)."""
        records = self.table.astype(object).where(self.table.notna(), None).to_dict("records")
        return {
            "title": self.title,
            "headline": dict(self.headline),
            "table": records,
            "notes": list(self.notes),
        }


def load_paper_params(path: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """Load and check the parameter file.

    Args:
        path: A YAML file with the layout of the shipped ``paper_params.yaml``; ``None``
            reads the shipped file.

    Returns:
        The ``values`` mapping: key -> {value, unit, section, kind, note}.

    Raises:
        DataFileError: The file is not valid YAML, or an entry lacks ``value``, ``section``
            or a ``kind`` among text, derived and assumption.
    """
    if path is None:
        from importlib import resources

        text = resources.files("sustainai").joinpath("data", _PARAMS_FILE).read_text("utf-8")
        origin = _PARAMS_FILE
    else:
        text = Path(path).read_text(encoding="utf-8")
        origin = str(path)
    document = load_yaml(text, origin)
    values = document.get("values") if isinstance(document, dict) else None
    if not isinstance(values, dict):
        msg = f"{origin}: expected a top-level 'values' mapping"
        raise DataFileError(msg)
    for key, entry in values.items():
        if not isinstance(entry, dict) or "value" not in entry or not entry.get("section"):
            msg = f"{origin}: entry {key!r} needs 'value' and 'section'"
            raise DataFileError(msg)
        if entry.get("kind") not in KINDS:
            msg = f"{origin}: entry {key!r} has kind {entry.get('kind')!r}, expected one of {KINDS}"
            raise DataFileError(msg)
    return values


def _value(params: dict[str, dict[str, Any]], key: str) -> Any:
    try:
        return params[key]["value"]
    except KeyError as err:
        msg = f"paper parameters lack the entry {key!r}"
        raise DataFileError(msg) from err


def lifecycle_splits(params: dict[str, dict[str, Any]]) -> PaperFigure:
    """Build the lifecycle-phase splits: 10:20:70 capacity, 31:29:40 RM1 energy and more."""
    import pandas as pd

    splits = {
        "capacity_split": "AI infrastructure power capacity",
        "rm1_energy_split": "RM1 operational energy",
        "lm_train_infer_split": "LM operational carbon",
        "rm_train_infer_split": "RM1-RM5 operational carbon",
    }
    rows = []
    for key, label in splits.items():
        parts = _value(params, key)
        total = sum(parts.values())
        for part, percent in parts.items():
            rows.append(
                {
                    "split": label,
                    "phase": part,
                    "percent": float(percent),
                    "share": percent / total,
                    "section": params[key]["section"],
                }
            )
    table = pd.DataFrame(rows)
    capacity = _value(params, "capacity_split")
    rm1 = _value(params, "rm1_energy_split")
    return PaperFigure(
        name="lifecycle_splits",
        title="Where AI energy goes across the ML lifecycle (Fig. 3, Fig. 4)",
        table=table,
        headline={
            "capacity_experimentation_percent": float(capacity["experimentation"]),
            "capacity_training_percent": float(capacity["training"]),
            "capacity_inference_percent": float(capacity["inference"]),
            "rm1_data_percent": float(rm1["data"]),
            "rm1_experimentation_training_percent": float(rm1["experimentation+training"]),
            "rm1_inference_percent": float(rm1["inference"]),
        },
        notes=["Shares are as stated in the text; every split sums to 100 %."],
    )


def lm_waterfall(params: dict[str, dict[str, Any]]) -> PaperFigure:
    """Build the LM inference optimisation waterfall: 6.7 x 10.1 x 12 = 812.04."""
    import pandas as pd

    steps = [
        ("CPU baseline", 1.0),
        ("platform caching", float(_value(params, "lm_caching_speedup"))),
        ("GPU acceleration", float(_value(params, "lm_gpu_speedup"))),
        ("algorithmic (fp16 x fused kernels)", float(_value(params, "lm_algorithmic_speedup"))),
    ]
    rows = []
    cumulative = 1.0
    for step, factor in steps:
        cumulative *= factor
        rows.append(
            {
                "step": step,
                "factor": factor,
                "cumulative_speedup": cumulative,
                "relative_energy": 1.0 / cumulative,
            }
        )
    fp16 = float(_value(params, "lm_fp16_speedup"))
    kernels = float(_value(params, "lm_kernel_speedup"))
    stated = float(_value(params, "lm_total_speedup_stated"))
    return PaperFigure(
        name="lm_waterfall",
        title="LM inference energy optimisation, cumulative (Fig. 7)",
        table=pd.DataFrame(rows),
        headline={
            "total_speedup": cumulative,
            "stated_total_speedup": stated,
            "algorithmic_speedup_from_parts": fp16 * kernels,
            "energy_saved_fraction": 1.0 - 1.0 / cumulative,
        },
        notes=[
            f"Product of the stated factors: {cumulative:.2f}x; the paper rounds it to "
            f"about {stated:.0f}x.",
            f"The algorithmic step is fp16 ({fp16:g}x) times fused kernels ({kernels:g}x).",
        ],
    )


def fleet_efficiency(params: dict[str, dict[str, Any]]) -> PaperFigure:
    """Build fleet efficiency versus growth: 20 % saved every 6 months, 28.5 % net in 2 years."""
    import pandas as pd

    saving = float(_value(params, "fleet_reduction_per_half_year"))
    periods = int(_value(params, "fleet_half_years"))
    net = float(_value(params, "fleet_net_reduction_two_years"))
    net_takeaways = float(_value(params, "fleet_net_reduction_takeaways"))
    rows = []
    for period in range(periods + 1):
        efficiency_only = (1.0 - saving) ** period
        # NOTE: the paper gives only the two-year end point; the steps in between assume
        # a constant rate (geometric interpolation).
        observed = (1.0 - net) ** (period / periods)
        rows.append(
            {
                "months": 6 * period,
                "power_efficiency_only": efficiency_only,
                "power_observed": observed,
                "implied_demand_growth": observed / efficiency_only,
            }
        )
    efficiency_end = (1.0 - saving) ** periods
    demand = (1.0 - net) / efficiency_end
    years = periods / 2
    return PaperFigure(
        name="fleet_efficiency",
        title="Fleet operational power: efficiency gains versus demand growth (Fig. 6, Fig. 8)",
        table=pd.DataFrame(rows),
        headline={
            "efficiency_only_power_factor": efficiency_end,
            "efficiency_only_reduction_fraction": 1.0 - efficiency_end,
            "observed_reduction_fraction": net,
            "implied_demand_growth_factor": demand,
            "implied_demand_growth_per_year": demand ** (1.0 / years) - 1.0,
            "implied_demand_growth_factor_takeaways": (1.0 - net_takeaways) / efficiency_end,
        },
        notes=[
            f"{saving:.0%} saved every 6 months compounds to {efficiency_end:.4f} of the power "
            f"after {periods} periods; the fleet instead used {1 - net:.3f} of it, so demand "
            f"grew {demand:.2f}x (derived).",
            f"The paper's Key Takeaways give {net_takeaways:.1%} instead of {net:.1%}.",
        ],
    )


def embodied_vs_operational(params: dict[str, dict[str, Any]]) -> PaperFigure:
    """Sweep utilisation and carbon-free energy share for one GPU-server busy hour.

    The operational carbon per busy hour is calibrated so that embodied carbon is the paper's
    30 % of the location-based total at the baseline utilisation. The sweep then changes only
    the amortisation and the carbon-free share.
    """
    import pandas as pd

    embodied_kg = float(_value(params, "gpu_server_embodied_kg"))
    lifetime = float(_value(params, "baseline_lifetime_years"))
    baseline_utilisation = float(_value(params, "baseline_utilisation"))
    share = float(_value(params, "embodied_share_location"))
    hours = lifetime * 8760.0
    embodied_baseline = embodied_kg / (hours * baseline_utilisation)
    operational = embodied_baseline * (1.0 - share) / share
    baseline_total = operational + embodied_baseline

    rows = []
    for utilisation in (0.30, baseline_utilisation, 0.60, 0.80, 1.00):
        for cfe in (0.0, 0.5, 1.0):
            embodied = embodied_kg / (hours * utilisation)
            market = operational * (1.0 - cfe)
            rows.append(
                {
                    "utilisation": utilisation,
                    "cfe_share": cfe,
                    "operational_location_kg": operational,
                    "operational_market_kg": market,
                    "embodied_kg": embodied,
                    "total_market_kg": market + embodied,
                    "embodied_share_market": embodied / (market + embodied),
                    "reduction_vs_baseline": baseline_total / (market + embodied),
                }
            )
    table = pd.DataFrame(rows)
    at_80 = table[(table.utilisation == 0.80) & (table.cfe_share == 0.0)].iloc[0]
    at_80_cfe = table[(table.utilisation == 0.80) & (table.cfe_share == 1.0)].iloc[0]
    return PaperFigure(
        name="embodied_vs_operational",
        title="Embodied versus operational carbon per GPU-server busy hour (Fig. 5, Fig. 9)",
        table=table,
        headline={
            "baseline_embodied_kg_per_hour": embodied_baseline,
            "baseline_operational_kg_per_hour": operational,
            "reduction_at_utilisation_80": float(at_80.reduction_vs_baseline),
            "reduction_at_utilisation_80_and_full_cfe": float(at_80_cfe.reduction_vs_baseline),
            "paper_reduction_at_utilisation_80": float(_value(params, "utilisation_80_reduction")),
            "paper_further_reduction_with_renewables": float(
                _value(params, "renewables_further_reduction")
            ),
        },
        notes=[
            f"{embodied_kg:g} kg over {lifetime:g} years at {baseline_utilisation:.0%} "
            f"utilisation is {embodied_baseline:.4f} kg per busy hour; operational carbon is "
            f"set so that this is {share:.0%} of the total (derived).",
            "Carbon-free energy lowers the market-based figure only; the location-based "
            "operational figure stays as it is.",
            "The paper's 3x at 80% utilisation also counts lower idle power per unit of work, "
            "which amortisation alone does not model, so this sweep shows a smaller gain.",
        ],
    )


def growth(params: dict[str, dict[str, Any]]) -> PaperFigure:
    """Tabulate the growth figures and annualise them where the paper gives a time span."""
    import pandas as pd

    data = _value(params, "recommendation_data_growth")
    entries = [
        ("training data, use case 1", data["use_case_1"], 2.0, "recommendation_data_growth"),
        ("training data, use case 2", data["use_case_2"], 2.0, "recommendation_data_growth"),
        ("data ingestion bandwidth", None, 2.0, "data_ingestion_bandwidth_growth"),
        ("recommendation model size", None, 2.0, "recommendation_model_size_growth"),
        ("GPU memory (upper bound)", None, 2.0, "gpu_memory_growth"),
        ("AI training capacity", None, 1.5, "training_capacity_growth"),
        ("AI inference capacity", None, 1.5, "inference_capacity_growth"),
        ("AI market (projected)", None, 5.0, "ai_market_growth"),
        ("GPT-3 model size for BLEU 5 to 40", None, math.nan, "gpt3_model_size_for_bleu"),
    ]
    rows = []
    for label, factor, years, key in entries:
        value = float(_value(params, key) if factor is None else factor)
        rows.append(
            {
                "quantity": label,
                "factor": value,
                "years": years,
                "annual_factor": math.nan if math.isnan(years) else value ** (1.0 / years),
                "section": params[key]["section"],
            }
        )
    table = pd.DataFrame(rows).set_index("quantity", drop=False)
    model = table.loc["recommendation model size", "annual_factor"]
    memory = table.loc["GPU memory (upper bound)", "annual_factor"]
    return PaperFigure(
        name="growth",
        title="Growth of AI data, models and infrastructure (Fig. 2)",
        table=table.reset_index(drop=True),
        headline={
            "model_size_annual_factor": float(model),
            "gpu_memory_annual_factor": float(memory),
            "model_to_memory_growth_ratio_per_year": float(model / memory),
            "training_capacity_annual_factor": float(
                table.loc["AI training capacity", "annual_factor"]
            ),
        },
        notes=[
            "Annual factors are factor ** (1 / years) (derived); the paper states the "
            "factors over the spans shown."
        ],
    )


def ml_task_footprint(params: dict[str, dict[str, Any]]) -> PaperFigure:
    """Derive the average Meta ML task footprint from its ratios to Meena and GPT-3."""
    import pandas as pd

    meena = float(_value(params, "meena_training_t"))
    gpt3 = float(_value(params, "gpt3_training_t"))
    vs_meena = float(_value(params, "meta_task_vs_meena"))
    vs_gpt3 = float(_value(params, "meta_task_vs_gpt3"))
    miles = float(_value(params, "meena_car_miles"))
    table = pd.DataFrame(
        [
            {"basis": "Meena", "ratio": vs_meena, "reference_t": meena, "task_t": vs_meena * meena},
            {"basis": "GPT-3", "ratio": vs_gpt3, "reference_t": gpt3, "task_t": vs_gpt3 * gpt3},
        ]
    )
    return PaperFigure(
        name="ml_task_footprint",
        title="Average Meta ML task footprint from its stated ratios (Fig. 4)",
        table=table,
        headline={
            "task_t_from_meena": vs_meena * meena,
            "task_t_from_gpt3": vs_gpt3 * gpt3,
            "kg_per_car_mile": meena * 1000.0 / miles,
        },
        notes=[
            "Meena and GPT-3 footprints are from Patterson et al. (2021), not the paper's text.",
            f"Meena's {meena:g} t equals {miles:,.0f} car miles in the paper, "
            f"{meena * 1000.0 / miles:.3f} kg per mile (derived).",
        ],
    )


_BUILDERS: dict[str, Callable[[dict[str, dict[str, Any]]], PaperFigure]] = {
    "lifecycle_splits": lifecycle_splits,
    "lm_waterfall": lm_waterfall,
    "fleet_efficiency": fleet_efficiency,
    "embodied_vs_operational": embodied_vs_operational,
    "growth": growth,
    "ml_task_footprint": ml_task_footprint,
}
FIGURES = tuple(_BUILDERS)


def paper_figure(name: str, params: dict[str, dict[str, Any]] | None = None) -> PaperFigure:
    """Regenerate one figure by name (see ``FIGURES``).

    Raises:
        InvalidInputError: ``name`` is not a known figure; the message lists close names.
    """
    if name not in _BUILDERS:
        import difflib

        close = difflib.get_close_matches(name, FIGURES, n=2)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        msg = f"unknown figure {name!r}: {hint}known figures: {', '.join(FIGURES)}"
        raise InvalidInputError(msg)
    return _BUILDERS[name](load_paper_params() if params is None else params)


def paper_figures(
    names: list[str] | None = None, params: dict[str, dict[str, Any]] | None = None
) -> dict[str, PaperFigure]:
    """Regenerate several figures (all when ``names`` is None), keyed by name."""
    loaded = load_paper_params() if params is None else params
    return {name: paper_figure(name, loaded) for name in (names or FIGURES)}
