"""Realistic synthetic ticketing exports at any size, for import tests and benchmarks.

`;`-separated, French headers, French number and date formats, ~200k distinct customers,
~300 events over 8 venues, 5 seat categories; one cp1252 and one UTF-8 copy. Vectorized so a
million rows take seconds. Synthetic: no real person's data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

FIRST_NAMES = ["Camille", "Léa", "Chloé", "Manon", "Inès", "Hugo", "Lucas", "Théo", "Noé",
               "Anaïs", "Jérôme", "Hélène", "François", "Cédric", "Zoé", "Maël", "Loïc", "Agnès"]
LAST_NAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
              "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "Bœuf"]
CITIES = [("44000", "Nantes"), ("69001", "Lyon"), ("75011", "Paris"), ("13001", "Marseille"),
          ("42000", "Saint-Étienne"), ("33000", "Bordeaux"), ("59000", "Lille"),
          ("31000", "Toulouse"), ("67000", "Strasbourg"), ("06000", "Nice")]
VENUES = ["Stade de la Beaujoire", "Zénith Nantes", "Théâtre Graslin", "Arena Loire",
          "Salle Paul-Fort", "Cité des Congrès", "Le Lieu Unique", "Stereolux"]
CATEGORIES = ["Catégorie 1", "Catégorie 2", "Catégorie 3", "Loge", "Tribune Sud"]
TARIFFS = ["Plein tarif", "Tarif réduit", "Abonné", "Groupe", "Invitation"]
CHANNELS = ["Internet", "Guichet", "Téléphone", "Partenaire FNAC"]
HEADER = ["Manifestation", "Date séance", "Lieu", "N° billet", "N° commande", "Prix",
          "Catégorie", "Tarif", "Canal", "Date achat", "Place", "Email", "Nom", "Prénom",
          "Date de naissance", "Téléphone", "Adresse", "Code postal", "Ville", "Pays"]


def build_frame(rows: int, seed: int, start: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed + start)
    n_customers, n_events = 200_000, 300
    event = rng.integers(0, n_events, rows)
    event_start = pd.Timestamp("2022-07-01 20:00") + pd.to_timedelta(
        (np.arange(n_events) * 3.6).astype(int), unit="D"
    )
    # Most buyers come once or twice, a few loyal ones very often: ~200k distinct per million.
    loyal = rng.zipf(1.3, rows) % n_customers
    customer = np.where(rng.random(rows) < 0.7, rng.integers(0, n_customers, rows), loyal)
    price = rng.choice([1500, 2000, 2500, 3500, 4800, 7500, 12050], rows)
    days_before = rng.integers(0, 90, rows)
    purchase = event_start[event] - pd.to_timedelta(days_before, unit="D") - pd.to_timedelta(
        rng.integers(0, 86400, rows), unit="s"
    )
    first = np.array(FIRST_NAMES)[customer % len(FIRST_NAMES)]
    last = np.array(LAST_NAMES)[(customer // 7) % len(LAST_NAMES)]
    city = customer % len(CITIES)
    return pd.DataFrame(
        {
            "Manifestation": [f"Spectacle n°{e} — Saison" for e in event],
            "Date séance": event_start[event].strftime("%d/%m/%Y %H:%M"),
            "Lieu": np.array(VENUES)[event % len(VENUES)],
            "N° billet": [f"T{start + i:09d}" for i in range(rows)],
            "N° commande": [f"C{(start + i) // 3:08d}" for i in range(rows)],
            "Prix": [f"{p // 100},{p % 100:02d} €" for p in price],
            "Catégorie": np.array(CATEGORIES)[rng.integers(0, 5, rows)],
            "Tarif": np.array(TARIFFS)[rng.integers(0, 5, rows)],
            "Canal": np.array(CHANNELS)[rng.integers(0, 4, rows)],
            "Date achat": purchase.strftime("%d/%m/%Y %H:%M"),
            "Place": [f"Rang {r} Place {s}" for r, s in zip(rng.integers(1, 40, rows),
                                                            rng.integers(1, 60, rows), strict=True)],
            "Email": [f"client{c}@example.org" for c in customer],
            "Nom": last,
            "Prénom": first,
            "Date de naissance": (pd.Timestamp("1950-01-01") + pd.to_timedelta(
                customer % 20000, unit="D")).strftime("%d/%m/%Y"),
            "Téléphone": [f"06{c:08d}" for c in customer],
            "Adresse": [f"{c % 150 + 1} rue de l’Église" for c in customer],
            "Code postal": np.array([c for c, _ in CITIES])[city],
            "Ville": np.array([n for _, n in CITIES])[city],
            "Pays": "France",
        },
        columns=HEADER,
    )


def write_synthetic_export(
    path: Path, rows: int, encoding: str = "utf-8", seed: int = 7, chunk: int = 200_000
) -> None:
    """Write `rows` ticket rows in chunks, so memory stays flat whatever the size."""
    with path.open("w", encoding=encoding, newline="") as handle:
        for start in range(0, rows, chunk):
            frame = build_frame(min(chunk, rows - start), seed, start)
            frame.to_csv(handle, sep=";", index=False, header=start == 0, lineterminator="\r\n")
