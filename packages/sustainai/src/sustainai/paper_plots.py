"""PNG plots of the regenerated paper figures (matplotlib, Agg backend, imported lazily)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sustainai.atomic import write_atomic

if TYPE_CHECKING:
    from sustainai.paper import PaperFigure

__all__ = ["plot_figure", "save_figure_png"]


def _lifecycle_splits(ax: Any, figure: PaperFigure) -> None:
    table = figure.table
    labels = list(dict.fromkeys(table["split"]))
    for row_index, label in enumerate(labels):
        left = 0.0
        for _, part in table[table["split"] == label].iterrows():
            ax.barh(row_index, part["percent"], left=left, edgecolor="white")
            ax.text(
                left + part["percent"] / 2,
                row_index,
                f"{part['phase']}\n{part['percent']:.0f}%",
                ha="center",
                va="center",
                fontsize=7,
            )
            left += part["percent"]
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("share of the total (%)")
    ax.set_xlim(0, 100)


def _lm_waterfall(ax: Any, figure: PaperFigure) -> None:
    table = figure.table
    ax.bar(table["step"], table["relative_energy"], color="tab:green")
    ax.set_yscale("log")
    ax.set_ylabel("energy relative to the CPU baseline (log scale)")
    for index, (_, row) in enumerate(table.iterrows()):
        ax.text(
            index,
            row["relative_energy"],
            f"{row['cumulative_speedup']:.2f}x",
            ha="center",
            va="bottom",
            fontsize=8,
        )
    ax.tick_params(axis="x", labelrotation=15, labelsize=8)


def _fleet_efficiency(ax: Any, figure: PaperFigure) -> None:
    table = figure.table
    ax.plot(
        table["months"],
        table["power_efficiency_only"],
        marker="o",
        label="efficiency gains alone (20 % per 6 months)",
    )
    ax.plot(
        table["months"],
        table["power_observed"],
        marker="s",
        label="observed, net of growth (interpolated)",
    )
    ax.plot(
        table["months"],
        table["implied_demand_growth"],
        linestyle="--",
        label="implied demand growth",
    )
    ax.set_xlabel("months")
    ax.set_ylabel("operational power relative to month 0")
    ax.legend(fontsize=8)


def _embodied_vs_operational(ax: Any, figure: PaperFigure) -> None:
    table = figure.table
    for cfe, group in table.groupby("cfe_share"):
        ax.plot(
            group["utilisation"] * 100,
            group["total_market_kg"],
            marker="o",
            label=f"total, {cfe:.0%} carbon-free energy",
        )
    embodied = table[table["cfe_share"] == 0.0]
    ax.plot(
        embodied["utilisation"] * 100,
        embodied["embodied_kg"],
        linestyle="--",
        color="black",
        label="embodied carbon alone",
    )
    ax.set_xlabel("average device utilisation (%)")
    ax.set_ylabel("kg CO2e per GPU-server busy hour")
    ax.legend(fontsize=8)


def _growth(ax: Any, figure: PaperFigure) -> None:
    table = figure.table.dropna(subset=["annual_factor"])
    ax.barh(table["quantity"], table["annual_factor"], color="tab:orange")
    ax.set_xlabel("growth factor per year")
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.tick_params(axis="y", labelsize=8)


def _ml_task_footprint(ax: Any, figure: PaperFigure) -> None:
    table = figure.table
    ax.bar(table["basis"] + " (reference)", table["reference_t"], color="tab:gray")
    ax.bar("Meta task via " + table["basis"], table["task_t"], color="tab:blue")
    ax.set_ylabel("training footprint (t CO2e)")
    ax.tick_params(axis="x", labelsize=8)


_PLOTTERS = {
    "lifecycle_splits": _lifecycle_splits,
    "lm_waterfall": _lm_waterfall,
    "fleet_efficiency": _fleet_efficiency,
    "embodied_vs_operational": _embodied_vs_operational,
    "growth": _growth,
    "ml_task_footprint": _ml_task_footprint,
}


def plot_figure(figure: PaperFigure) -> Any:
    """Draw a regenerated figure and return the matplotlib Figure (caller closes it)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    _PLOTTERS[figure.name](ax, figure)
    ax.set_title(figure.title, fontsize=10)
    fig.tight_layout()
    return fig


def save_figure_png(figure: PaperFigure, path: str | Path) -> Path:
    """Write the figure as a PNG, atomically (temporary file in the same folder, then rename)."""
    import matplotlib.pyplot as plt

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fig = plot_figure(figure)
    try:
        write_atomic(target, lambda stream: fig.savefig(stream, format="png", dpi=120))
    finally:
        plt.close(fig)
    return target
