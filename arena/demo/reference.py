"""Bundled offline reference data: French gazetteer, first-name and last-name frequency tables."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from arena.package_data import reference_dir

REFERENCE_DIR = reference_dir()  # shipped inside the package (arena/data/reference)
GAZETTEER_PATH = REFERENCE_DIR / "fr_postal_codes.csv.gz"
FIRST_NAMES_PATH = REFERENCE_DIR / "first_names.csv"
LAST_NAMES_PATH = REFERENCE_DIR / "last_names.csv"

# Surname frequencies follow a Zipf law over the bundled rank order: the real distribution of
# French surnames is close to it and only the relative weights matter to the demo.
SURNAME_ZIPF_EXPONENT = 0.8


@lru_cache(maxsize=1)
def load_gazetteer() -> pd.DataFrame:
    """Every French postal code / commune pair with department, region and coordinates."""
    return pd.read_csv(
        GAZETTEER_PATH,
        dtype={"postal_code": str, "insee": str, "department_code": str},
        keep_default_na=False,
        na_values={"latitude": ["nan", ""], "longitude": ["nan", ""]},
    )


@lru_cache(maxsize=1)
def load_first_names() -> pd.DataFrame:
    """Hand-curated first names: sex, birth-year peak and spread, relative weight at the peak."""
    return pd.read_csv(FIRST_NAMES_PATH)


@lru_cache(maxsize=1)
def load_last_names() -> pd.DataFrame:
    """Common French surnames in frequency rank order, with a Zipf weight."""
    names = pd.read_csv(LAST_NAMES_PATH)
    ranks = np.arange(1, len(names) + 1, dtype=float)
    names["weight"] = ranks**-SURNAME_ZIPF_EXPONENT
    return names


def first_name_probabilities(sex: str, birth_year: int) -> tuple[np.ndarray, np.ndarray]:
    """Names and probabilities for one sex and birth year: weight times a Gaussian fashion curve.

    A name's popularity rises and falls around its peak year; this is what makes a Camille born
    in 1950 a man and one born in 2000 a woman.
    """
    table = load_first_names()
    rows = table[table["sex"] == sex]
    z = (birth_year - rows["peak_year"].to_numpy()) / rows["spread_years"].to_numpy()
    density = rows["weight"].to_numpy() * np.exp(-0.5 * z**2) / rows["spread_years"].to_numpy()
    density = density + 1e-12
    return rows["first_name"].to_numpy(), density / density.sum()
