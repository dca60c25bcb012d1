import math

import pytest

from sustainai.errors import DataFileError, InvalidInputError
from sustainai.paper import FIGURES, KINDS, load_paper_params, paper_figure, paper_figures


@pytest.fixture(scope="module")
def figures():
    return paper_figures()


def test_every_parameter_cited():
    params = load_paper_params()
    for key, entry in params.items():
        assert entry["section"], key
        assert entry["kind"] in KINDS, key
        assert entry.get("unit"), key


def test_lm_waterfall_product(figures):
    # 6.7 x 10.1 x 12 = 812.04
    headline = figures["lm_waterfall"].headline
    assert headline["total_speedup"] == pytest.approx(812.04)
    assert headline["algorithmic_speedup_from_parts"] == pytest.approx(12.0)  # 2.4 x 5
    assert abs(headline["total_speedup"] - headline["stated_total_speedup"]) < 5
    steps = figures["lm_waterfall"].table["cumulative_speedup"].tolist()
    assert steps == pytest.approx([1.0, 6.7, 67.67, 812.04])


def test_capacity_and_rm1_splits(figures):
    table = figures["lifecycle_splits"].table
    capacity = table[table.split == "AI infrastructure power capacity"]
    assert capacity["percent"].tolist() == [10.0, 20.0, 70.0]
    rm1 = table[table.split == "RM1 operational energy"]
    assert rm1["percent"].tolist() == [31.0, 29.0, 40.0]
    for _, group in table.groupby("split"):
        assert group["share"].sum() == pytest.approx(1.0)


def test_fleet_efficiency_numbers(figures):
    headline = figures["fleet_efficiency"].headline
    # 0.8 ** 4 = 0.4096 of the power with efficiency gains alone
    assert headline["efficiency_only_power_factor"] == pytest.approx(0.4096)
    assert headline["observed_reduction_fraction"] == pytest.approx(0.285)
    # demand growth that leaves a net 28.5 % cut: 0.715 / 0.4096 = 1.7456
    assert headline["implied_demand_growth_factor"] == pytest.approx(1.74561, abs=1e-5)
    last = figures["fleet_efficiency"].table.iloc[-1]
    assert last["months"] == 24
    assert last["power_observed"] == pytest.approx(0.715)


def test_embodied_vs_operational_calibration(figures):
    figure = figures["embodied_vs_operational"]
    table = figure.table
    baseline = table[(table.utilisation == 0.45) & (table.cfe_share == 0.0)].iloc[0]
    # 2000 kg / (4 x 8760 h x 0.45) = 0.12684 kg per busy hour, 30 % of the total
    assert baseline["embodied_kg"] == pytest.approx(0.126839, abs=1e-6)
    assert baseline["embodied_share_market"] == pytest.approx(0.30)
    full_cfe = table[table.cfe_share == 1.0]
    assert (full_cfe["embodied_share_market"] == 1.0).all()
    # Utilisation 0.8: embodied falls to 0.45 / 0.8 of baseline; total = 0.7 + 0.3 x 0.5625
    expected = 1.0 / (0.7 + 0.3 * 0.45 / 0.8)
    assert figure.headline["reduction_at_utilisation_80"] == pytest.approx(expected)


def test_growth_annualised(figures):
    table = figures["growth"].table.set_index("quantity")
    # 20x over 2 years is sqrt(20) = 4.472 per year
    assert table.loc["recommendation model size", "annual_factor"] == pytest.approx(4.47214, 1e-5)
    # 2.9x over 1.5 years is 2.9 ** (2 / 3) = 2.0336 per year
    assert table.loc["AI training capacity", "annual_factor"] == pytest.approx(2.03360, 1e-5)
    assert math.isnan(table.loc["GPT-3 model size for BLEU 5 to 40", "annual_factor"])


def test_ml_task_footprint(figures):
    headline = figures["ml_task_footprint"].headline
    # 1.8 x 96.4 t = 173.52 t; 0.3 x 552.1 t = 165.63 t
    assert headline["task_t_from_meena"] == pytest.approx(173.52)
    assert headline["task_t_from_gpt3"] == pytest.approx(165.63)
    # 96,400 kg / 242,231 miles = 0.398 kg per mile
    assert headline["kg_per_car_mile"] == pytest.approx(0.398, abs=1e-3)


def test_figure_to_dict_json_ready(figures):
    import json

    for figure in figures.values():
        text = json.dumps(figure.to_dict(), allow_nan=False)
        assert figure.title in text


def test_unknown_figure_suggests():
    with pytest.raises(InvalidInputError, match="did you mean lm_waterfall"):
        paper_figure("lm_waterfal")


def test_params_file_checked(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("values:\n  x: {value: 1, section: 'Sec. I', kind: guess}\n")
    with pytest.raises(DataFileError, match="kind 'guess'"):
        load_paper_params(path)
    path.write_text("values:\n  x: {value: 1}\n")
    with pytest.raises(DataFileError, match="needs 'value' and 'section'"):
        load_paper_params(path)


def test_custom_params_change_figure(tmp_path):
    params = load_paper_params()
    params["lm_caching_speedup"] = {**params["lm_caching_speedup"], "value": 1.0}
    # Without caching: 10.1 x 12 = 121.2
    assert paper_figure("lm_waterfall", params).headline["total_speedup"] == pytest.approx(121.2)


def test_plots_written(tmp_path):
    from sustainai.paper_plots import save_figure_png

    for name in FIGURES:
        path = save_figure_png(paper_figure(name), tmp_path / f"{name}.png")
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}.png" for n in FIGURES)
