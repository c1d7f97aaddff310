"""Cutting a numeric column into labelled bands (ages, distances)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def band_codes(values: pd.Series, bands: Sequence[tuple[float, str]]) -> pd.Series:
    """The label of the band each value falls in (lower bounds inclusive, in increasing order);
    <NA> for missing or negative values."""
    bounds = np.array([lower for lower, _ in bands], dtype=float)
    labels = np.array([label for _, label in bands], dtype=object)
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    known = ~np.isnan(numbers) & (numbers >= bounds[0])
    positions = np.searchsorted(bounds, numbers[known], side="right") - 1
    codes = np.full(len(numbers), None, dtype=object)
    codes[known] = labels[positions]
    return pd.Series(pd.array(codes, dtype="string"), index=values.index)
