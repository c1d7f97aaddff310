"""Measures chardet, charset-normalizer and Arena's rule on French ticketing-like files.

Run `.venv/bin/python tests/ingest/corpus/compare_encoding_detectors.py`. A detection counts as
right when decoding with it gives exactly the text that was written (so cp1252 for a latin-1
file without 0x80-0x9F bytes is right: the text is the same).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import chardet
import charset_normalizer

from arena.ingest.sniff import detect_encoding

WORDS = ["Hélène", "Lefèvre", "à", "l’Opéra", "cœur", "12,00 €", "Noël", "Zoé", "Rivière",
         "Théâtre", "Châtelet", "garçon", "Brûlé", "Saint-Étienne", "Plein tarif", "Réduit",
         "Dupont", "Martin", "Paris", "Lyon", "48,00", "14/03/2015 20:30", "Catégorie 1"]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"]


def make_text(rng: random.Random, rows: int) -> str:
    lines = ["Nom;Prénom;Spectacle;Prix;Ville"]
    for _ in range(rows):
        lines.append(";".join(rng.choice(WORDS) for _ in range(5)))
    return "\n".join(lines) + "\n"


def cases() -> list[tuple[str, bytes, str]]:
    rng = random.Random(1)
    built = []
    for rows in (2, 5, 20, 200):
        for encoding in ENCODINGS:
            for _ in range(10):
                text = make_text(rng, rows)
                if encoding == "latin-1":
                    text = text.replace("’", "'").replace("€", "EUR").replace("œ", "oe")
                built.append((encoding, text.encode(encoding), text))
    return built


def chardet_guess(data: bytes) -> str | None:
    return chardet.detect(data)["encoding"]


def normalizer_guess(data: bytes) -> str | None:
    best = charset_normalizer.from_bytes(data).best()
    return best.encoding if best else None


def right(data: bytes, guess: str | None, text: str) -> bool:
    if not guess:
        return False
    try:
        return data.decode(guess).lstrip("\ufeff") == text
    except (UnicodeDecodeError, LookupError):
        return False


def main() -> None:
    detectors: dict[str, Callable[[bytes], str | None]] = {
        "chardet " + chardet.__version__: chardet_guess,
        "charset-normalizer " + charset_normalizer.__version__: normalizer_guess,
        "arena rule (sniff.detect_encoding)": detect_encoding,
    }
    all_cases = cases()
    print(f"| detector | {' | '.join(ENCODINGS)} | all | ms/file |")
    print("|---|" + "---|" * (len(ENCODINGS) + 2))
    for name, guess in detectors.items():
        scores, started = [], time.perf_counter()
        for encoding in ENCODINGS:
            subset = [case for case in all_cases if case[0] == encoding]
            scores.append(sum(right(data, guess(data), text) for _, data, text in subset)
                          / len(subset))
        elapsed = (time.perf_counter() - started) * 1000 / len(all_cases)
        total = sum(right(data, guess(data), text) for _, data, text in all_cases) / len(all_cases)
        print(f"| {name} | " + " | ".join(f"{score:.0%}" for score in scores)
              + f" | {total:.0%} | {elapsed:.1f} |")


if __name__ == "__main__":
    main()
