"""A messy export as venues send them: Windows-1252, `;`, a title block, a header Arena cannot
guess (`Réf.` holds the ticket number) and a total line."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

HEADER = "Réf.;Spectacle;Date représentation;Catégorie;Tarif;Prix;Canal;Date achat;Nom;Prénom;Courriel"
SHOWS = [("Les Misérables", datetime(2015, 3, 14, 20, 30)), ("Carmen", datetime(2015, 4, 2, 20, 0))]


def write_messy_export(path: Path, tickets: int = 60, seed: int = 3) -> int:
    """Write the file and return how many ticket rows it holds."""
    rng = random.Random(seed)
    lines = ["Rapport des ventes – Théâtre du Châtelet", "Édité le 27/05/2015 à 10:00", "", HEADER]
    for number in range(tickets):
        show, starts_at = rng.choice(SHOWS)
        bought = starts_at - timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 12))
        price = rng.choice(["12,00 €", "48,50 €", "1 250,00 €"])
        lines.append(
            f"TK{100000 + number};{show};{starts_at:%d/%m/%Y %H:%M};Catégorie {rng.randint(1, 3)};"
            f"{rng.choice(['Plein tarif', 'Étudiant', 'Abonné'])};{price};"
            f"{rng.choice(['Internet', 'Guichet'])};{bought:%d/%m/%Y %H:%M};Lefèvre;Anaïs;"
            f"anais.{number}@example.org"
        )
    lines += ["", f"Total;;;;;{tickets} billets;;;;;"]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return tickets
