"""Gender from the first name, from INSEE's births by sex, first name and decade of birth.

The table (``arena/crm/data/first_names_gender.csv.gz``, built by
``arena/data/reference/build_first_names_gender.py``) counts births by sex per folded first name; for the
names given to both sexes it also counts them per decade, because "Camille" born in 1930 is a boy
three times in four and born in 1995 a girl nine times in ten. Source: Insee, Fichier des prénoms
(edition 2019), Licence Ouverte / Open Licence.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from arena.crm.folding import fold_series
from arena.crm.reference_data import open_reference

GENDER_TABLE = "first_names_gender.csv.gz"
# The sex that wins must have at least this probability; below it the answer is "unknown".
# Chosen on INSEE's held-out years (docs/crm.md, "Enrichment"): 99.2 % of named births covered
# with 0.36 % wrong; 0.8 would cover only 98.9 %.
DEFAULT_MIN_CONFIDENCE = 0.7
# Weight, in births, of the overall share when a decade has few births of that name: a decade
# with 3 births must not override 100,000 others.
DECADE_PRIOR_BIRTHS = 5.0
FIRST_DECADE, LAST_DECADE = 1900, 2010

GENDER_COLUMNS = ["gender", "female_probability", "gender_basis", "matched_first_name"]


@lru_cache(maxsize=1)
def _load_table() -> tuple[pd.DataFrame, pd.Series]:
    """Overall births by sex per name, and the female share per (name, decade) where it varies."""
    with open_reference(GENDER_TABLE) as handle:
        table = pd.read_csv(handle, compression="gzip", dtype={"first_name": str},
                            keep_default_na=False, na_values={"decade": [""]})
    overall_rows = table["decade"].isna()
    overall = table[overall_rows].set_index("first_name")[["female", "male"]].astype(float)
    share = overall["female"] / (overall["female"] + overall["male"])
    by_decade = table[~overall_rows].astype({"decade": int})
    prior = share.reindex(by_decade["first_name"]).to_numpy()
    decade_share = ((by_decade["female"].to_numpy() + DECADE_PRIOR_BIRTHS * prior)
                    / (by_decade["female"].to_numpy() + by_decade["male"].to_numpy()
                       + DECADE_PRIOR_BIRTHS))
    decade_index = pd.MultiIndex.from_arrays([by_decade["first_name"], by_decade["decade"]])
    overall = overall.assign(share=share)
    return overall, pd.Series(decade_share, index=decade_index)


def known_first_names() -> pd.Index:
    """The folded first names the table knows (for tests and docs)."""
    return _load_table()[0].index


def guess_gender(first_names: pd.Series, birth_years: pd.Series | None = None, *,
                 min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> pd.DataFrame:
    """Guess "F" or "M" for each first name, or leave it unknown (<NA>) when unsure.

    Returns, index-aligned with ``first_names``: ``gender`` ("F", "M" or <NA>),
    ``female_probability`` (NaN when the name is unknown), ``gender_basis`` ("decade" when the
    birth year sharpened the estimate, "overall", "unknown_name" or "no_first_name") and
    ``matched_first_name`` (the folded name looked up, e.g. "JEAN" for "Jean P.").

    Case and accents do not matter ("ANAIS" is "Anaïs"); a compound name the table does not know
    falls back on its first part ("Anne-Gaëlle-Marie" → "ANNE").
    """
    if not 0.5 < min_confidence <= 1.0:
        raise ValueError("min_confidence must be in (0.5, 1]")
    overall, decade_share = _load_table()
    folded = fold_series(first_names.reset_index(drop=True))
    first_part = folded.str.split("-", n=1).str[0]
    matched = folded.where(folded.isin(overall.index),
                           first_part.where(first_part.isin(overall.index)))
    lookup = matched.astype(object).where(matched.notna(), "")

    probability = overall["share"].reindex(lookup).to_numpy(dtype=float, copy=True)
    basis = np.where(~np.isnan(probability), "overall",
                     np.where(folded.isna().to_numpy(), "no_first_name", "unknown_name"))
    basis = basis.astype(object)
    if birth_years is not None:
        years = pd.to_numeric(pd.Series(np.asarray(birth_years, dtype=object)), errors="coerce")
        decades = (years // 10 * 10).clip(FIRST_DECADE, LAST_DECADE)
        usable = (matched.notna() & decades.notna()).to_numpy()
        if usable.any():
            keys = pd.MultiIndex.from_arrays([lookup[usable], decades[usable].astype(int)])
            refined = decade_share.reindex(keys).to_numpy(dtype=float)
            positions = np.flatnonzero(usable)[~np.isnan(refined)]
            probability[positions] = refined[~np.isnan(refined)]
            basis[positions] = "decade"

    gender = np.full(len(probability), None, dtype=object)
    gender[probability >= min_confidence] = "F"
    gender[probability <= 1 - min_confidence] = "M"
    index = first_names.index
    return pd.DataFrame({
        "gender": pd.array(gender, dtype="string"),
        "female_probability": probability,
        "gender_basis": pd.array(basis, dtype="string"),
        "matched_first_name": pd.array(matched, dtype="string"),
    }, index=index)
