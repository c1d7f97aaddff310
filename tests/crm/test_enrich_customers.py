"""Enriching a table of customers in one call."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from arena.crm.enrichment.customers import ENRICHMENT_COLUMNS, enrich_customers

STADE_DE_FRANCE = (48.9245, 2.3602)


def customers() -> pd.DataFrame:
    return pd.DataFrame({
        "first_name": ["Camille", "ANAIS", "Dominique", None],
        "gender": [None, "M", "X", "F"],
        "birth_date": [date(1935, 3, 1), None, "1955-05-05", "2031-01-01"],
        "postal_code": ["75008", "1000", "99999", None],
        "city": ["Paris", "Bruxelles", None, None],
        "country": ["FR", "BE", None, None],
    }, index=[101, 102, 103, 104])


def test_customers_get_gender_age_and_distance_and_the_file_gender_wins() -> None:
    enriched = enrich_customers(customers(), reference_date=date(2025, 9, 1),
                                venue_latitude=STADE_DE_FRANCE[0],
                                venue_longitude=STADE_DE_FRANCE[1])
    assert list(enriched.columns) == ENRICHMENT_COLUMNS
    assert enriched.index.tolist() == [101, 102, 103, 104]
    assert enriched["gender"].tolist()[:2] == ["M", "M"]  # Camille born 1935; the file says M
    assert enriched["gender_source"].tolist()[:2] == ["first_name", "file"]
    assert pd.isna(enriched["gender"].iloc[2])  # "X" is no gender and Dominique is unsure
    assert enriched["gender"].iloc[3] == "F"
    assert enriched["age"].tolist()[:1] == [90] and enriched["age"].isna().tolist()[1:] == [
        True, False, True]
    assert enriched["distance_band"].tolist()[:2] == ["under_10", "200_plus"]
    assert enriched["distance_missing_reason"].tolist()[2:] == ["unknown_postal_code",
                                                                 "no_postal_code"]


def test_enriching_twice_gives_the_same_result() -> None:
    first = enrich_customers(customers(), reference_date=date(2025, 9, 1),
                             venue_latitude=STADE_DE_FRANCE[0], venue_longitude=STADE_DE_FRANCE[1])
    second = enrich_customers(customers(), reference_date=date(2025, 9, 1),
                              venue_latitude=STADE_DE_FRANCE[0],
                              venue_longitude=STADE_DE_FRANCE[1])
    pd.testing.assert_frame_equal(first, second)


def test_a_table_without_the_needed_columns_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="postal_code, city, country"):
        enrich_customers(customers()[["first_name", "birth_date"]], reference_date=date.today(),
                         venue_latitude=None, venue_longitude=None)
