"""Age and age band from the birth date."""

from __future__ import annotations

from datetime import date

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from arena.crm.enrichment.age import (
    AGE_BANDS,
    MAX_PLAUSIBLE_AGE,
    PLACEHOLDER_BIRTH_DATES,
    age_band,
    age_on,
)

SEASON_START = date(2025, 9, 1)


def test_age_counts_completed_years_on_the_reference_date() -> None:
    born = pd.Series([date(1990, 9, 1), date(1990, 9, 2), date(2007, 8, 31)])
    assert age_on(born, SEASON_START).tolist() == [35, 34, 18]


def test_someone_born_on_29_february_ages_on_1_march_in_common_years() -> None:
    born = pd.Series([date(2000, 2, 29)])
    assert age_on(born, date(2025, 2, 28)).tolist() == [24]
    assert age_on(born, date(2025, 3, 1)).tolist() == [25]


def test_impossible_birth_dates_give_no_age() -> None:
    born = pd.Series([None, "not a date", date(2026, 1, 1), date(1900, 1, 1), date(1901, 1, 1),
                      date(1850, 6, 1), date(1970, 1, 1)], dtype=object)
    assert age_on(born, SEASON_START).isna().all()


def test_birth_dates_may_come_as_text_or_timestamps() -> None:
    born = pd.Series(["1985-04-12", pd.Timestamp("1985-04-12")], dtype=object)
    assert age_on(born, SEASON_START).tolist() == [40, 40]


def test_age_bands_cover_every_age_once_and_keep_unknown_unknown() -> None:
    ages = pd.Series([0, 17, 18, 24, 25, 34, 64, 65, 74, 75, 109, None], dtype="Int64")
    assert age_band(ages).tolist()[:-1] == [
        "under_18", "under_18", "18_24", "18_24", "25_34", "25_34", "55_64", "65_74", "65_74",
        "75_plus", "75_plus"]
    assert pd.isna(age_band(ages).iloc[-1])


@given(st.dates(min_value=date(1880, 1, 1), max_value=date(2030, 12, 31)),
       st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)))
def test_an_age_is_never_negative_nor_implausible(born: date, on: date) -> None:
    age = age_on(pd.Series([born]), on).iloc[0]
    completed = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    if born > on or completed > MAX_PLAUSIBLE_AGE or born in PLACEHOLDER_BIRTH_DATES:
        assert pd.isna(age)
    else:
        assert age == completed
        assert age_band(pd.Series([age])).iloc[0] in {label for _, label in AGE_BANDS}
