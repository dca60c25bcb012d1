"""Rebuild ``src/sustainai/data/grid_intensity.csv`` from published data sets.

Inputs (none is downloaded; pass the paths of local copies):

* Our World in Data "energy" data set (Ember and Energy Institute), CC BY 4.0: a JSON object
  keyed by ISO 3166 alpha-3 code with ``country_name``, ``carbon_intensity`` (g CO2e/kWh of
  generation) and ``year``. codecarbon 3.3.2 ships such a file as
  ``codecarbon/data/private_infra/global_energy_mix.json``.
* Google Cloud's published region carbon data (``gcp`` rows of codecarbon's
  ``codecarbon/data/cloud/impact.csv``, source https://cloud.google.com/sustainability/region-carbon).
* US EPA eGRID2023 state CO2e output emission rates in lb/MWh (public domain), as in
  codecarbon's ``codecarbon/data/private_infra/2023/usa_emissions.json``.

AWS and Azure publish no per-region grid intensity, so their regions take the eGRID value of
the US state or the Our World in Data value of the country that hosts them. The ``source``
column of each row names the data set used.

Usage::

    python scripts/build_grid_intensity.py CODECARBON_DATA_DIR OUT_CSV
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

LB_PER_MWH_TO_G_PER_KWH = 453.59237 / 1000.0
OWID_SOURCE = (
    "Our World in Data energy data set (Ember; Energy Institute), carbon_intensity_elec, CC BY 4.0"
)
EGRID_SOURCE = "US EPA eGRID2023 state CO2e total output emission rate (STC2ERTA)"
GCP_SOURCE = "Google Cloud region carbon data, grid gCO2eq/kWh"

# (provider, region, display name, ISO3 country, US state or None)
CLOUD_REGIONS = [
    ("aws", "us-east-1", "AWS US East (N. Virginia)", "USA", "virginia"),
    ("aws", "us-east-2", "AWS US East (Ohio)", "USA", "ohio"),
    ("aws", "us-west-1", "AWS US West (N. California)", "USA", "california"),
    ("aws", "us-west-2", "AWS US West (Oregon)", "USA", "oregon"),
    ("aws", "ca-central-1", "AWS Canada (Central)", "CAN", None),
    ("aws", "ca-west-1", "AWS Canada West (Calgary)", "CAN", None),
    ("aws", "sa-east-1", "AWS South America (Sao Paulo)", "BRA", None),
    ("aws", "eu-west-1", "AWS Europe (Ireland)", "IRL", None),
    ("aws", "eu-west-2", "AWS Europe (London)", "GBR", None),
    ("aws", "eu-west-3", "AWS Europe (Paris)", "FRA", None),
    ("aws", "eu-central-1", "AWS Europe (Frankfurt)", "DEU", None),
    ("aws", "eu-central-2", "AWS Europe (Zurich)", "CHE", None),
    ("aws", "eu-north-1", "AWS Europe (Stockholm)", "SWE", None),
    ("aws", "eu-south-1", "AWS Europe (Milan)", "ITA", None),
    ("aws", "eu-south-2", "AWS Europe (Spain)", "ESP", None),
    ("aws", "ap-northeast-1", "AWS Asia Pacific (Tokyo)", "JPN", None),
    ("aws", "ap-northeast-2", "AWS Asia Pacific (Seoul)", "KOR", None),
    ("aws", "ap-northeast-3", "AWS Asia Pacific (Osaka)", "JPN", None),
    ("aws", "ap-southeast-1", "AWS Asia Pacific (Singapore)", "SGP", None),
    ("aws", "ap-southeast-2", "AWS Asia Pacific (Sydney)", "AUS", None),
    ("aws", "ap-southeast-3", "AWS Asia Pacific (Jakarta)", "IDN", None),
    ("aws", "ap-southeast-4", "AWS Asia Pacific (Melbourne)", "AUS", None),
    ("aws", "ap-south-1", "AWS Asia Pacific (Mumbai)", "IND", None),
    ("aws", "ap-south-2", "AWS Asia Pacific (Hyderabad)", "IND", None),
    ("aws", "ap-east-1", "AWS Asia Pacific (Hong Kong)", "HKG", None),
    ("aws", "me-south-1", "AWS Middle East (Bahrain)", "BHR", None),
    ("aws", "me-central-1", "AWS Middle East (UAE)", "ARE", None),
    ("aws", "il-central-1", "AWS Israel (Tel Aviv)", "ISR", None),
    ("aws", "af-south-1", "AWS Africa (Cape Town)", "ZAF", None),
    ("azure", "eastus", "Azure East US (Virginia)", "USA", "virginia"),
    ("azure", "eastus2", "Azure East US 2 (Virginia)", "USA", "virginia"),
    ("azure", "centralus", "Azure Central US (Iowa)", "USA", "iowa"),
    ("azure", "northcentralus", "Azure North Central US (Illinois)", "USA", "illinois"),
    ("azure", "southcentralus", "Azure South Central US (Texas)", "USA", "texas"),
    ("azure", "westus", "Azure West US (California)", "USA", "california"),
    ("azure", "westus2", "Azure West US 2 (Washington)", "USA", "washington"),
    ("azure", "westus3", "Azure West US 3 (Arizona)", "USA", "arizona"),
    ("azure", "westcentralus", "Azure West Central US (Wyoming)", "USA", "wyoming"),
    ("azure", "canadacentral", "Azure Canada Central (Toronto)", "CAN", None),
    ("azure", "canadaeast", "Azure Canada East (Quebec City)", "CAN", None),
    ("azure", "brazilsouth", "Azure Brazil South (Sao Paulo)", "BRA", None),
    ("azure", "northeurope", "Azure North Europe (Ireland)", "IRL", None),
    ("azure", "westeurope", "Azure West Europe (Netherlands)", "NLD", None),
    ("azure", "uksouth", "Azure UK South (London)", "GBR", None),
    ("azure", "ukwest", "Azure UK West (Cardiff)", "GBR", None),
    ("azure", "francecentral", "Azure France Central (Paris)", "FRA", None),
    ("azure", "germanywestcentral", "Azure Germany West Central (Frankfurt)", "DEU", None),
    ("azure", "swedencentral", "Azure Sweden Central (Gavle)", "SWE", None),
    ("azure", "norwayeast", "Azure Norway East (Oslo)", "NOR", None),
    ("azure", "switzerlandnorth", "Azure Switzerland North (Zurich)", "CHE", None),
    ("azure", "italynorth", "Azure Italy North (Milan)", "ITA", None),
    ("azure", "polandcentral", "Azure Poland Central (Warsaw)", "POL", None),
    ("azure", "japaneast", "Azure Japan East (Tokyo)", "JPN", None),
    ("azure", "japanwest", "Azure Japan West (Osaka)", "JPN", None),
    ("azure", "koreacentral", "Azure Korea Central (Seoul)", "KOR", None),
    ("azure", "southeastasia", "Azure Southeast Asia (Singapore)", "SGP", None),
    ("azure", "eastasia", "Azure East Asia (Hong Kong)", "HKG", None),
    ("azure", "australiaeast", "Azure Australia East (New South Wales)", "AUS", None),
    ("azure", "centralindia", "Azure Central India (Pune)", "IND", None),
    ("azure", "southindia", "Azure South India (Chennai)", "IND", None),
    ("azure", "southafricanorth", "Azure South Africa North (Johannesburg)", "ZAF", None),
    ("azure", "uaenorth", "Azure UAE North (Dubai)", "ARE", None),
    ("azure", "qatarcentral", "Azure Qatar Central (Doha)", "QAT", None),
]
GCP_REGION_FIXES = {"me-cenrtal1": "me-central1"}  # a typo in the input file


def _world_row(owid: dict[str, dict[str, object]]) -> dict[str, object]:
    """Weight each country's intensity by its generation (``total_TWh``) into a world mean."""
    generation = sum(float(entry["total_TWh"]) for entry in owid.values())
    weighted = sum(
        float(entry["carbon_intensity"]) * float(entry["total_TWh"]) for entry in owid.values()
    )
    years = sorted({int(entry["year"]) for entry in owid.values()})
    return {
        "region": "WORLD",
        "name": "World",
        "kind": "world",
        "provider": "",
        "country_iso3": "",
        "g_co2e_per_kwh": round(weighted / generation, 1),
        "year": max(years),
        "source": (
            f"derived: generation-weighted mean of the {len(owid)} country rows "
            f"({generation:,.0f} TWh; data years {years[0]}-{years[-1]}, mostly {max(years)}), "
            + OWID_SOURCE
        ),
    }


def build(data_dir: Path) -> list[dict[str, object]]:
    """Assemble the table rows from the data files under codecarbon's ``data`` folder."""
    owid = json.loads((data_dir / "private_infra" / "global_energy_mix.json").read_text())
    egrid = json.loads((data_dir / "private_infra" / "2023" / "usa_emissions.json").read_text())
    rows: list[dict[str, object]] = []
    for iso3, entry in sorted(owid.items()):
        rows.append(
            {
                "region": iso3,
                "name": entry["country_name"],
                "kind": "country",
                "provider": "",
                "country_iso3": iso3,
                "g_co2e_per_kwh": round(float(entry["carbon_intensity"]), 1),
                "year": int(entry["year"]),
                "source": OWID_SOURCE,
            }
        )
    rows.append(_world_row(owid))
    with (data_dir / "cloud" / "impact.csv").open(encoding="utf-8-sig", newline="") as f:
        for record in csv.DictReader(f):
            if record["provider"] != "gcp":
                continue
            region = GCP_REGION_FIXES.get(record["region"], record["region"])
            place = record["city"] or record["country_name"]
            rows.append(
                {
                    "region": f"gcp:{region}",
                    "name": f"GCP {region} ({place})",
                    "kind": "cloud",
                    "provider": "gcp",
                    "country_iso3": record["countryIsoCode"],
                    "g_co2e_per_kwh": float(record["impact"]),
                    # NOTE: the input file carries no year; Google's page listed these
                    # figures for 2022 when codecarbon 3.3.2 was released.
                    "year": 2022,
                    "source": f"{GCP_SOURCE} (year not stated in the copy used; 2022 assumed)",
                }
            )
    for provider, region, name, iso3, state in CLOUD_REGIONS:
        if state is not None:
            value = round(float(egrid[state]["emissions"]) * LB_PER_MWH_TO_G_PER_KWH, 1)
            year = int(egrid["_source"]["year"])
            source = f"{EGRID_SOURCE}, state {state}; {provider} publishes no region figure"
        else:
            value = round(float(owid[iso3]["carbon_intensity"]), 1)
            year = int(owid[iso3]["year"])
            source = (
                f"country average of {iso3}, {OWID_SOURCE}; {provider} publishes no region "
                "figure, so the local grid may differ"
            )
        rows.append(
            {
                "region": f"{provider}:{region}",
                "name": name,
                "kind": "cloud",
                "provider": provider,
                "country_iso3": iso3,
                "g_co2e_per_kwh": value,
                "year": year,
                "source": source,
            }
        )
    return rows


def main(argv: list[str]) -> int:
    """Write the table to the path in ``argv[1]``; return the exit code."""
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    rows = build(Path(argv[0]))
    out = Path(argv[1])
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
