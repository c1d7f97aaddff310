"""Share of the demo's customers that get a distance to their venue, and why the others do not.

    .venv/bin/python bench/crm/measure_distance_coverage.py [--scale 1.0] [--seed 42]

Generates the demo's exports (no database), reads the customer columns of every export as the
import would store them (country through the import's country parser, blank = France; postal
code through its postal-code parser), keeps one row per customer (email, else name + birth date
+ postal code), and enriches them against their organization's venue.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from arena.crm.enrichment.customers import enrich_customers  # noqa: E402
from arena.demo.generator import generate_demo  # noqa: E402
from arena.ingest.parsers import ValueParseError, parse_country, parse_postal_code  # noqa: E402

FIELDS = ["customer_gender", "customer_email", "customer_first_name", "customer_last_name", "customer_birth_date",
          "customer_postal_code", "customer_city", "customer_country"]


def _country(raw: object) -> str:
    try:
        return parse_country(str(raw)) if str(raw).strip() else "FR"
    except ValueParseError:
        return "??"


def _postal_code(raw: object, country: str) -> str | None:
    try:
        return parse_postal_code(str(raw), country).code if str(raw).strip() else None
    except ValueParseError:
        return str(raw)


def demo_customers(out_dir: Path, *, seed: int, scale: float, as_of: date) -> pd.DataFrame:
    manifest = generate_demo(out_dir, seed=seed, scale=scale, as_of=as_of)
    venues = manifest.venues.set_index("organization_slug")
    frames = []
    for export in manifest.exports:
        headers = {h: f for h, f in export.mapping["columns"].items() if f in FIELDS}
        rows = pd.read_csv(export.path, sep=export.delimiter, encoding=export.encoding,
                           dtype=str, keep_default_na=False, usecols=list(headers))
        rows = rows.rename(columns=headers)
        rows["organization_slug"] = export.organization_slug
        frames.append(rows)
    rows = pd.concat(frames, ignore_index=True)
    email = rows["customer_email"].str.strip().str.lower()
    natural = (rows["customer_last_name"].str.upper() + "|" + rows["customer_first_name"].str.upper()
               + "|" + rows["customer_birth_date"] + "|" + rows["customer_postal_code"])
    rows["key"] = email.where(email != "", natural)
    customers = rows.drop_duplicates(["organization_slug", "key"]).reset_index(drop=True)
    country = customers["customer_country"].map(_country)
    return pd.DataFrame({
        "organization_slug": customers["organization_slug"],
        "civility": customers["customer_gender"],
        "first_name": customers["customer_first_name"],
        "birth_date": pd.to_datetime(customers["customer_birth_date"], dayfirst=True,
                                     errors="coerce"),
        "postal_code": [_postal_code(c, k) for c, k in zip(customers["customer_postal_code"],
                                                           country, strict=True)],
        "city": customers["customer_city"], "country": country,
        "venue_latitude": customers["organization_slug"].map(venues["latitude"]),
        "venue_longitude": customers["organization_slug"].map(venues["longitude"]),
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2025, 11, 15))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        customers = demo_customers(Path(tmp), seed=args.seed, scale=args.scale, as_of=args.as_of)
    enriched = enrich_customers(customers, reference_date=args.as_of,
                                venue_latitude=customers["venue_latitude"],
                                venue_longitude=customers["venue_longitude"])
    result = customers.join(enriched)
    print(f"{len(result):,} customers (demo seed {args.seed}, scale {args.scale})")
    print("| organization | customers | with a distance | missing: reason (count) |")
    print("|---|---|---|---|")
    for slug, group in result.groupby("organization_slug"):
        reasons = group["distance_missing_reason"].value_counts()
        print(f"| {slug} | {len(group):,} | {group['distance_km'].notna().mean():.2%} | "
              + ", ".join(f"{r} ({n:,})" for r, n in reasons.items()) + " |")
    print(f"| all | {len(result):,} | {result['distance_km'].notna().mean():.2%} | |")
    missing = result[result["distance_km"].isna()]
    print("\nmissing, by country and reason:")
    print(missing.groupby(["country", "distance_missing_reason"]).size().to_string())
    print("\nexamples:")
    print(missing[["postal_code", "city", "country", "distance_missing_reason"]]
          .drop_duplicates().head(15).to_string())
    print("\ndistance bands:", result["distance_band"].value_counts(normalize=True).round(4)
          .to_dict())
    # The demo's exports carry a civility; the guess is made without it, then compared.
    guessed = enrich_customers(customers.drop(columns=["civility"]), reference_date=args.as_of,
                               venue_latitude=None, venue_longitude=None)["gender"]
    civility = customers["civility"].str.strip().str.upper().map(
        {"M.": "M", "M": "M", "MME": "F", "F": "F", "H": "M", "HOMME": "M", "FEMME": "F"})
    both = guessed.notna() & civility.notna()
    print(f"gender guessed from the first name: {guessed.notna().mean():.2%} of customers; "
          f"agrees with the civility for {(guessed[both] == civility[both]).mean():.2%} of those "
          f"with both ({int(both.sum()):,})")
    print("age known:", f"{result['age'].notna().mean():.2%}")


if __name__ == "__main__":
    main()
