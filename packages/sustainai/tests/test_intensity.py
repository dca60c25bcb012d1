import csv
import io
from importlib import resources

import pytest

from sustainai.errors import UnknownRegionError
from sustainai.intensity import GridIntensity, list_regions, lookup_intensity

# The 40 largest electricity consumers (by generation in the Our World in Data energy set).
LARGEST_CONSUMERS = (
    "CHN USA IND RUS JPN BRA CAN KOR FRA DEU SAU IRN MEX IDN TUR GBR TWN AUS ESP VNM "
    "ITA ZAF EGY THA MYS POL SWE PAK ARE NOR ARG NLD PHL IRQ KAZ UKR BGD KWT DZA COL"
).split()


def _raw_rows():
    text = resources.files("sustainai").joinpath("data", "grid_intensity.csv").read_text()
    return list(csv.DictReader(io.StringIO(text)))


def test_country_code_lookup():
    row = lookup_intensity("FRA")
    assert isinstance(row, GridIntensity)
    assert row.name == "France"
    assert row.kind == "country"
    assert 0 < row.g_co2e_per_kwh < 200  # nuclear- and hydro-heavy grid
    assert row.year >= 2021
    assert "Our World in Data" in row.source


def test_lookup_ignores_case_and_accepts_names():
    assert lookup_intensity("fra") == lookup_intensity("France") == lookup_intensity(" FRA ")


def test_cloud_region_with_and_without_provider():
    assert lookup_intensity("us-east-1") == lookup_intensity("aws:us-east-1")
    assert lookup_intensity("europe-west1").provider == "gcp"
    assert lookup_intensity("westeurope").country_iso3 == "NLD"


def test_egrid_conversion_for_virginia():
    # eGRID2023 Virginia 539.599 lb/MWh x 0.45359237 = 244.76 g/kWh
    assert lookup_intensity("aws:us-east-1").g_co2e_per_kwh == pytest.approx(244.8, abs=0.05)


def test_largest_consumers_present():
    known = {row.region for row in list_regions(kind="country")}
    missing = [code for code in LARGEST_CONSUMERS if code not in known]
    assert missing == []


def test_main_cloud_providers_present():
    providers = {row.provider for row in list_regions(kind="cloud")}
    assert providers == {"aws", "gcp", "azure"}


def test_every_row_has_year_and_source():
    for row in _raw_rows():
        assert row["source"].strip(), row
        assert 1990 <= int(row["year"]) <= 2030, row
        assert float(row["g_co2e_per_kwh"]) >= 0, row


def test_region_keys_unique():
    keys = [row["region"].lower() for row in _raw_rows()]
    assert len(keys) == len(set(keys))


def test_unknown_region_lists_close_matches():
    with pytest.raises(UnknownRegionError) as info:
        lookup_intensity("Germny")
    assert info.value.suggestions[0] == "Germany"
    assert "did you mean 'Germany'" in str(info.value)


def test_unknown_cloud_region_suggests_keys():
    with pytest.raises(UnknownRegionError) as info:
        lookup_intensity("europe-west99")
    assert any(s.startswith("gcp:europe-west") for s in info.value.suggestions)


def test_unknown_region_without_match():
    with pytest.raises(UnknownRegionError, match="no close match"):
        lookup_intensity("qqqqqqqqqqqq")


def test_unknown_region_is_value_error():
    with pytest.raises(ValueError):
        lookup_intensity("XXX")


def test_list_regions_search():
    rows = list_regions(search="frankfurt")
    assert {row.region for row in rows} >= {"aws:eu-central-1", "azure:germanywestcentral"}


def test_world_row_is_generation_weighted_mean():
    world = lookup_intensity("WORLD")
    assert world.kind == "world"
    assert lookup_intensity("world") == world
    # The generation weights are not in the table, so check the bounds and the stated method.
    countries = [row.g_co2e_per_kwh for row in list_regions(kind="country")]
    assert min(countries) < world.g_co2e_per_kwh < max(countries)
    assert "generation-weighted" in world.source
