"""Synthetic mapped frames in the shape validate_chunk receives, for tests and the speed check."""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

FIRST_NAMES = np.array(["Camille", "Dominique", "Jean-Pierre", "Anaïs", "Lucas", "Chloé", "Hugo",
                        "Léa", "Nathan", "Manon", "Louis", "Inès", "Gabriel", "Jade"])
LAST_NAMES = np.array(["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit",
                       "Durand", "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel"])
CITIES = np.array([("75011", "Paris"), ("69003", "Lyon"), ("13001", "Marseille"),
                   ("3000", "Moulins"), ("1000", "Bourg-en-Bresse"), ("77181", "Courtry"),
                   ("92200", "Neuilly-sur-Seine"), ("42000", "Saint-Étienne")])
CATEGORIES = np.array(["Cat. 1", "Cat. 2", "Cat. 3", "Loge", "Tribune Nord"])
PRICES = np.array(["50.00", "48,00 €", "35", "12,50", "1 250,00 €", "22.5"])
CIVILITIES = np.array(["M.", "Mme", "Monsieur", "Madame", "Mlle", "M. et Mme", ""])


def realistic_frame(rows: int, *, customers: int | None = None, seed: int = 7,
                    first_line: int = 2) -> pd.DataFrame:
    """A frame with all 22 canonical fields mapped, repeating customers as real exports do."""
    rng = np.random.default_rng(seed)
    customers = customers or max(rows // 3, 1)
    customer = rng.integers(0, customers, rows)
    first = FIRST_NAMES[customer % len(FIRST_NAMES)]
    last = LAST_NAMES[(customer // len(FIRST_NAMES)) % len(LAST_NAMES)]
    place = CITIES[customer % len(CITIES)]
    phone_digits = 600000000 + customer
    phones = np.where(customer % 10 == 0, np.char.add("", phone_digits.astype(str)),
                      np.char.add("0", phone_digits.astype(str)))
    phones = np.where(customer % 17 == 0, "3,367E+10", phones)
    minutes = rng.integers(0, 60 * 24 * 120, rows)
    purchased = pd.Timestamp("2023-04-01") + pd.to_timedelta(minutes, unit="min")
    event_day = rng.integers(0, 20, rows)
    events = pd.Timestamp("2023-08-05 20:30") + pd.to_timedelta(event_day * 7, unit="D")
    birth = pd.Timestamp("1950-01-01") + pd.to_timedelta(customer % 20000, unit="D")
    ticket = np.arange(rows) + 10_000_000 + seed * 1_000_000
    return pd.DataFrame({
        "line": np.arange(first_line, first_line + rows, dtype="int64"),
        "event_name": np.char.add("Match J", (event_day + 1).astype(str)),
        "event_date": events.strftime("%d/%m/%Y %H:%M"),
        "venue": "Stade Geoffroy-Guichard",
        "ticket_id": ticket.astype(str),
        "order_id": (ticket // 3).astype(str),
        "price": PRICES[rng.integers(0, len(PRICES), rows)],
        "currency": "EUR",
        "category": CATEGORIES[rng.integers(0, len(CATEGORIES), rows)],
        "tariff": np.where(rng.random(rows) < 0.8, "Plein tarif", "Tarif réduit"),
        "channel": np.where(rng.random(rows) < 0.6, "Internet", "Guichet"),
        "purchase_date": purchased.strftime("%d/%m/%Y %H:%M"),
        "seat": np.char.add("Rang ", (ticket % 30).astype(str)),
        "customer_email": np.char.add(np.char.add(np.char.lower(first.astype(str)), "."),
                                      np.char.add(customer.astype(str), "@example.org")),
        "customer_last_name": np.char.upper(last.astype(str)),
        "customer_first_name": first,
        "customer_birth_date": birth.strftime("%d/%m/%Y"),
        "customer_phone": phones,
        "customer_address": np.char.add((customer % 150 + 1).astype(str), " rue de la Paix"),
        "customer_postal_code": place[:, 0],
        "customer_city": place[:, 1],
        "customer_country": np.where(customer % 50 == 0, "Belgique", "France"),
        "customer_gender": CIVILITIES[customer % len(CIVILITIES)],
    }).astype({"line": "int64"}).pipe(lambda frame: frame.astype(
        {name: "str" for name in frame.columns if name != "line"}))


# Headers of the synthetic vendor export (tests.support.synthetic_export) -> canonical fields.
EXPORT_HEADER_FIELDS: dict[str, str] = {
    "Manifestation": "event_name", "Date séance": "event_date", "Lieu": "venue",
    "N° billet": "ticket_id", "N° commande": "order_id", "Prix": "price", "Catégorie": "category",
    "Tarif": "tariff", "Canal": "channel", "Date achat": "purchase_date", "Place": "seat",
    "Email": "customer_email", "Nom": "customer_last_name", "Prénom": "customer_first_name",
    "Date de naissance": "customer_birth_date", "Téléphone": "customer_phone",
    "Adresse": "customer_address", "Code postal": "customer_postal_code",
    "Ville": "customer_city", "Pays": "customer_country",
}


def export_frame(rows: int, *, seed: int = 7, start: int = 0) -> pd.DataFrame:
    """A mapped chunk as the fast reader hands it over: a vendor export's 20 columns as Arrow text.

    Unlike `realistic_frame`, the values follow a real export's distribution (zipf customers,
    ~300 events, `48,00 €` prices) and arrive as `StringDtype("pyarrow")`.
    """
    from tests.support.synthetic_export import build_frame

    export = build_frame(rows, seed, start).rename(columns=EXPORT_HEADER_FIELDS)
    mapped = export.astype(pd.StringDtype("pyarrow"))
    mapped.insert(0, "line", np.arange(start + 2, start + 2 + rows, dtype="int64"))
    return mapped


def measure(rows: int = 100_000, chunks: int = 1, kind: str = "stress") -> None:
    """Print validation throughput: `python -m tests.ingest.validation_frames 100000 10 [export]`.

    `stress` (the default) validates `realistic_frame` chunks full of repairs and warnings;
    `export` validates `export_frame` chunks shaped like a real vendor export read by the fast
    reader. Frames are built before the clock starts; CPU time is the figure to compare on a
    shared machine.
    """
    from arena.ingest.validation import ParseOptions, ValidationState, validate_chunk

    if kind == "export":
        frames = [export_frame(rows, start=index * rows) for index in range(chunks)]
    else:
        frames = [realistic_frame(rows, seed=index, first_line=2 + index * rows)
                  for index in range(chunks)]
    state, options = ValidationState(), ParseOptions()
    started, cpu_started = time.perf_counter(), time.process_time()
    kept = rejected = warned = 0
    for frame in frames:
        result = validate_chunk(frame, state, options)
        kept, rejected = kept + len(result.valid), rejected + len(result.rejected)
        warned += len(result.warnings)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    total = rows * chunks
    print(f"{kind}: {total} rows in {chunks} chunk(s): {elapsed:.2f} s wall ({cpu:.2f} s CPU, "
          f"{cpu * 1_000_000 / total:.2f} s CPU per 1M rows), "
          f"{total / elapsed:,.0f} rows/s; "
          f"kept {kept}, rejected {rejected}, warnings {warned}, "
          f"duplicate-state {state.memory_bytes / 1e6:.1f} MB")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    measure(*(int(argument) for argument in arguments[:2]), *arguments[2:3])
