"""Age and age band from the birth date, as of a reference date."""

from __future__ import annotations

from datetime import date

import pandas as pd

from arena.crm.enrichment.bands import band_codes

# Nobody alive is older; an older "age" is a typo (1889 for 1989) or a placeholder (1900-01-01).
MAX_PLAUSIBLE_AGE = 110
# Placeholders that ticketing tools write when the birth date is unknown.
PLACEHOLDER_BIRTH_DATES = frozenset({date(1900, 1, 1), date(1901, 1, 1), date(1970, 1, 1)})
# Marketing bands (lower bound inclusive); the labels are codes, the UI words them.
AGE_BANDS: tuple[tuple[int, str], ...] = (
    (0, "under_18"), (18, "18_24"), (25, "25_34"), (35, "35_44"), (45, "45_54"), (55, "55_64"),
    (65, "65_74"), (75, "75_plus"),
)


def age_on(birth_dates: pd.Series, reference_date: date) -> pd.Series:
    """Completed years of age on ``reference_date``; <NA> when the birth date is impossible.

    Impossible: missing, unreadable, after the reference date, a known placeholder, or an age
    above ``MAX_PLAUSIBLE_AGE``. Someone born on 29 February turns a year older on 1 March in
    common years, as French civil law counts it.
    """
    # Storage hands over dates; files hand over ISO text. Anything else is no date.
    born = pd.to_datetime(pd.Series(birth_dates, index=birth_dates.index), errors="coerce",
                          format="ISO8601")
    year, month, day = born.dt.year, born.dt.month, born.dt.day
    not_yet = (month > reference_date.month) | (
        (month == reference_date.month) & (day > reference_date.day))
    age = (reference_date.year - year - not_yet.astype(int)).astype("Int64")
    placeholder = born.dt.date.isin(PLACEHOLDER_BIRTH_DATES)
    impossible = born.isna() | (age < 0) | (age > MAX_PLAUSIBLE_AGE) | placeholder
    return age.mask(impossible.fillna(True))


def age_band(ages: pd.Series) -> pd.Series:
    """The band code of each age ("25_34" …), <NA> when the age is unknown."""
    return band_codes(ages, AGE_BANDS)
