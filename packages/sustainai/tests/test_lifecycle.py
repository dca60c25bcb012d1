import math

import pandas as pd
import pytest

from sustainai.errors import DataFileError, InvalidInputError, LifecycleTableError
from sustainai.lifecycle import LifecycleModel

# Hand-computed reference. A GPU server (2000 kg, 4 y, U 0.45 from the hardware table) trains
# for 1000 device-hours on 500 kWh at PUE 1.1 in a 400 g/kWh grid. Two CPU servers (1000 kg
# each) serve inference for 2000 device-hours on 800 kWh with 50 % contracted renewables.
ROWS = [
    {
        "phase": "training",
        "hardware": "gpu-server",
        "region": "USA",
        "hours": 1000,
        "energy_kwh": 500,
        "pue": 1.1,
        "g_co2e_per_kwh": 400,
    },
    {
        "phase": "inference",
        "hardware": "cpu-server",
        "region": "USA",
        "count": 2,
        "hours": 1000,
        "energy_kwh": 800,
        "pue": 1.1,
        "g_co2e_per_kwh": 400,
        "renewable_fraction": 0.5,
    },
]
# 500 x 1.1 x 0.4 = 220 kg; 800 x 1.1 x 0.4 = 352 kg (market: half of it, 176 kg)
TRAIN_OP = 220.0
INFER_OP = 352.0
# 2000 x 1000 / (4 x 8760 x 0.45) = 126.84 kg; 1000 x 2000 / (4 x 8760 x 0.45) = 126.84 kg
EMBODIED = 2000 * 1000 / (4 * 8760 * 0.45)


def test_row_results_hand_computed():
    results = LifecycleModel(ROWS).results().set_index("phase")
    assert results.loc["training", "operational_location_kg"] == pytest.approx(TRAIN_OP)
    assert results.loc["training", "embodied_kg"] == pytest.approx(EMBODIED)
    assert results.loc["inference", "operational_market_kg"] == pytest.approx(INFER_OP / 2)
    assert results.loc["inference", "device_hours"] == pytest.approx(2000)


def test_by_kind_side_by_side():
    kinds = LifecycleModel(ROWS).by_kind()
    location = kinds["location_based_kg"]
    market = kinds["market_based_kg"]
    assert location["operational"] == pytest.approx(TRAIN_OP + INFER_OP)
    assert market["operational"] == pytest.approx(TRAIN_OP + INFER_OP / 2)
    assert location["embodied"] == market["embodied"] == pytest.approx(2 * EMBODIED)
    assert location["total"] == pytest.approx(TRAIN_OP + INFER_OP + 2 * EMBODIED)


def test_by_phase_order_and_shares():
    phases = LifecycleModel(ROWS).by_phase()
    assert list(phases.index) == ["training", "inference"]
    assert phases["share_location"].sum() == pytest.approx(1.0)
    total = TRAIN_OP + INFER_OP + 2 * EMBODIED
    assert phases.loc["training", "share_location"] == pytest.approx((TRAIN_OP + EMBODIED) / total)


def test_accepts_dataframe_and_region_lookup():
    frame = pd.DataFrame(
        [{"phase": "data", "hardware": "cpu-server", "region": "FRA", "hours": 10}]
    )
    with pytest.raises(LifecycleTableError, match="row 1: energy_kwh is empty"):
        LifecycleModel(frame)
    frame["power_w"] = 500
    result = LifecycleModel(frame).results().iloc[0]
    assert result["region"] == "FRA"
    # 10 h x 500 W = 5 kWh
    assert result["energy_kwh"] == pytest.approx(5.0)


def test_energy_from_tdp_and_runs():
    rows = [
        {
            "phase": "training",
            "hardware": "nvidia-a100-40gb",
            "region": "SWE",
            "count": 8,
            "hours": 10,
            "runs": 3,
        }
    ]
    result = LifecycleModel(rows).results().iloc[0]
    # 8 GPUs x 10 h x 3 runs = 240 device-hours; x 400 W TDP = 96 kWh
    assert result["device_hours"] == pytest.approx(240)
    assert result["energy_kwh"] == pytest.approx(96.0)


def test_what_if_speedup_per_phase():
    outcome = LifecycleModel(ROWS).what_if(speedup={"inference": 2})
    ratio = outcome.comparison()["ratio"]
    # Only inference halves: operational (220 + 352) / (220 + 176)
    assert ratio["operational_location_kg"] == pytest.approx(
        (TRAIN_OP + INFER_OP) / (TRAIN_OP + INFER_OP / 2)
    )
    assert outcome.changes == {"speedup": {"inference": 2}}


def test_what_if_utilisation_scales_embodied():
    outcome = LifecycleModel(ROWS).what_if(utilisation=0.9)
    # Embodied is inversely proportional to utilisation: 0.9 / 0.45 = 2x less
    assert outcome.comparison().loc["embodied_kg", "ratio"] == pytest.approx(2.0)
    assert outcome.comparison().loc["operational_location_kg", "ratio"] == pytest.approx(1.0)


def test_what_if_cfe_changes_market_only():
    outcome = LifecycleModel(ROWS).what_if(cfe=1.0)
    table = outcome.comparison()
    assert table.loc["operational_market_kg", "scenario"] == 0.0
    assert math.isnan(table.loc["operational_market_kg", "ratio"])
    assert table.loc["operational_location_kg", "ratio"] == pytest.approx(1.0)


def test_what_if_lifetime():
    outcome = LifecycleModel(ROWS).what_if(lifetime_years=8)
    assert outcome.comparison().loc["embodied_kg", "ratio"] == pytest.approx(2.0)


def test_what_if_region_drops_override():
    outcome = LifecycleModel(ROWS).what_if(region="FRA")
    assert set(outcome.scenario.results()["region"]) == {"FRA"}
    assert outcome.to_dict()["changes"] == {"region": "FRA"}


def test_missing_and_misspelt_columns_named():
    rows = [{"phase": "training", "hardwre": "gpu-server", "hours": 1}]
    with pytest.raises(LifecycleTableError) as info:
        LifecycleModel(rows)
    message = str(info.value)
    assert "missing required column(s): hardware, region" in message
    assert "unknown column 'hardwre' (did you mean 'hardware'?)" in message


def test_usage_column_required():
    with pytest.raises(LifecycleTableError, match="hours or energy_kwh"):
        LifecycleModel([{"phase": "data", "hardware": "gpu-server", "region": "FRA"}])


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("hours", -5, "hours must be >= 0"),
        ("utilisation", 1.5, r"utilisation must be in \(0, 1\]"),
        ("pue", 0.8, "pue must be >= 1"),
        ("renewable_fraction", 2, r"renewable_fraction must be a fraction in \[0, 1\]"),
        ("phase", "trainig", "did you mean 'training'"),
        ("region", "Frnace", "did you mean 'France'"),
    ],
)
def test_bad_row_values_named(column, value, expected):
    row = {**ROWS[0], column: value}
    if column == "region":
        del row["g_co2e_per_kwh"]
    with pytest.raises(LifecycleTableError, match="row 1: .*" + expected):
        LifecycleModel([row])


def test_empty_table_rejected():
    with pytest.raises(LifecycleTableError, match="no rows"):
        LifecycleModel(pd.DataFrame(columns=["phase", "hardware", "region", "hours"]))


def test_from_yaml_with_defaults(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(
        "defaults: {region: USA, g_co2e_per_kwh: 400, pue: 1.1}\n"
        "rows:\n"
        "  - {phase: training, hardware: gpu-server, hours: 1000, energy_kwh: 500}\n"
    )
    totals = LifecycleModel.from_file(path).totals()
    assert totals["operational_location_kg"] == pytest.approx(TRAIN_OP)


def test_from_csv(tmp_path):
    path = tmp_path / "plan.csv"
    pd.DataFrame(ROWS).to_csv(path, index=False)
    assert LifecycleModel.from_file(path).totals()["energy_kwh"] == pytest.approx(1300)


def test_from_file_bad_yaml_and_suffix(tmp_path):
    bad = tmp_path / "plan.yaml"
    bad.write_text("rows: [unclosed\n")
    with pytest.raises(DataFileError, match="invalid YAML"):
        LifecycleModel.from_file(bad)
    wrong = tmp_path / "plan.json"
    wrong.write_text("{}")
    with pytest.raises(DataFileError, match="expected a .csv, .yaml or .yml"):
        LifecycleModel.from_file(wrong)


def test_breakdown_by_hardware():
    table = LifecycleModel(ROWS).breakdown("hardware")
    assert sorted(table.index) == ["cpu-server", "gpu-server"]
    assert table.loc["gpu-server", "operational_location_kg"] == pytest.approx(TRAIN_OP)
    assert table["share_market"].sum() == pytest.approx(1.0)


def test_breakdown_two_keys_and_bad_key():
    model = LifecycleModel(ROWS)
    assert len(model.breakdown(["phase", "region"])) == 2
    with pytest.raises(InvalidInputError, match="cannot group by"):
        model.breakdown("colour")


def test_what_if_rejects_bad_values():
    model = LifecycleModel(ROWS)
    with pytest.raises(InvalidInputError, match=r"utilisation must be in \(0, 1\].*got 1.2"):
        model.what_if(utilisation=1.2)
    with pytest.raises(InvalidInputError, match="pue must be >= 1"):
        model.what_if(pue=0.5)
    with pytest.raises(InvalidInputError, match="speedup must be > 0"):
        model.what_if(speedup=0)
    with pytest.raises(InvalidInputError, match="cfe must be a fraction"):
        model.what_if(cfe=1.5)
