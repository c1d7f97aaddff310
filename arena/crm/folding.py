"""Folding of names for matching: one spelling for "Anaïs", "ANAIS" and "anais"."""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

# Letters that Unicode does not decompose into a base letter plus an accent.
_LIGATURES = str.maketrans({"Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "ß": "ss", "Ø": "O",
                            "ø": "o", "Ð": "D", "ð": "d", "Þ": "TH", "þ": "th", "Ł": "L",
                            "ł": "l"})
_APOSTROPHES = re.compile(r"['’‘`´]")
_SEPARATORS = re.compile(r"[^A-Z0-9]+")


def fold_text(text: str) -> str:
    """Upper-case ASCII letters and digits, runs of anything else folded to one hyphen.

    Exports write the same name "Jean-Pierre", "JEAN PIERRE" or "jean-pierre"; apostrophes
    vanish ("N'Golo" and "NGolo" are typed for the same person).
    """
    plain = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    plain = _APOSTROPHES.sub("", plain).upper()
    return _SEPARATORS.sub("-", plain).strip("-")


def fold_series(values: pd.Series) -> pd.Series:
    """`fold_text` over a Series, computed once per distinct value (names repeat a lot).

    Missing values stay missing; text that folds to nothing becomes missing too.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    folded = [fold_text(str(value)) or None for value in uniques]
    lookup = pd.array(folded + [None], dtype="string")
    return pd.Series(lookup[codes], index=values.index, dtype="string")


# Abbreviations of place names as La Poste and vendors write them ("ST GERMAIN EN LAYE").
_PLACE_WORDS = {"ST": "SAINT", "STE": "SAINTE", "STS": "SAINTS", "MT": "MONT", "N-D": "NOTRE-DAME"}
# Words that say how mail is sorted, not where people live ("PARIS CEDEX 08").
_PLACE_NOISE = {"CEDEX", "CEDEX-", "BP", "CS", "TSA"}


def place_key(text: str) -> str:
    """`fold_text` for a city name, with the usual abbreviations expanded and CEDEX dropped."""
    words = fold_text(text).split("-")
    kept = [_PLACE_WORDS.get(word, word) for word in words
            if word and word not in _PLACE_NOISE and not word.isdigit()]
    return "-".join(kept)
