"""Distance from home to venue, offline, with the reason whenever it is missing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from arena.crm.enrichment.geo import (
    AMBIGUOUS_POSTAL_CODE,
    CITY_NOT_MATCHED,
    COUNTRY_NOT_COVERED,
    NO_POSTAL_CODE,
    UNKNOWN_POSTAL_CODE,
    VENUE_WITHOUT_COORDINATES,
    distance_band,
    distance_to_venue,
    haversine_km,
    load_postal_places,
    locate_homes,
)

PARIS = (48.8566, 2.3522)
LONDON = (51.5074, -0.1278)
NEW_YORK = (40.7128, -74.0060)
SYDNEY = (-33.8688, 151.2093)
# The Stade de France, Saint-Denis.
VENUE = (48.9245, 2.3602)


@pytest.mark.parametrize(("a", "b", "expected_km"), [
    (PARIS, LONDON, 343.6), (PARIS, NEW_YORK, 5837.0), (LONDON, SYDNEY, 16_994.0),
])
def test_haversine_gives_the_known_great_circle_distances(a, b, expected_km) -> None:
    assert haversine_km(*a, *b) == pytest.approx(expected_km, rel=0.003)


latitudes = st.floats(-90, 90)
longitudes = st.floats(-180, 180)


@given(latitudes, longitudes, latitudes, longitudes, latitudes, longitudes)
def test_haversine_is_a_distance(la1, lo1, la2, lo2, la3, lo3) -> None:
    ab, ba = haversine_km(la1, lo1, la2, lo2), haversine_km(la2, lo2, la1, lo1)
    assert ab == pytest.approx(ba, abs=1e-6)
    assert 0 <= ab <= np.pi * 6371.0088 + 1e-6
    assert haversine_km(la1, lo1, la1, lo1) == pytest.approx(0, abs=1e-6)
    assert ab <= haversine_km(la1, lo1, la3, lo3) + haversine_km(la3, lo3, la2, lo2) + 1e-6


def locate(rows: list[tuple[str | None, str | None, str | None]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["postal_code", "city", "country"])
    return locate_homes(frame["postal_code"], frame["city"], frame["country"])


def test_a_paris_postal_code_lands_in_paris() -> None:
    home = locate([("75008", "PARIS", "FR")]).iloc[0]
    assert haversine_km(home["home_latitude"], home["home_longitude"], *PARIS) < 5


def test_the_city_picks_the_commune_of_a_postal_code_shared_by_several() -> None:
    # 01000 is Bourg-en-Bresse and Saint-Denis-lès-Bourg, 3 km apart.
    homes = locate([("01000", "ST DENIS LES BOURG", "FR"), ("01000", "Bourg en Bresse", "FR"),
                    ("01000", None, "FR")])
    assert homes["location_basis"].tolist() == ["city", "city", "postal_code"]
    assert homes["uncertainty_km"].tolist()[:2] == [0.0, 0.0]
    assert homes["home_longitude"].iloc[0] != homes["home_longitude"].iloc[1]


def test_a_slightly_misspelt_city_still_matches_its_commune() -> None:
    homes = locate([("01000", "Saint Denis les Bour", "FR")])
    assert homes["location_basis"].tolist() == ["city"]


def test_a_spreadsheet_that_ate_the_leading_zero_is_forgiven() -> None:
    homes = locate([("1000", None, "FR"), ("01000", None, "FR")])
    assert homes["home_latitude"].iloc[0] == homes["home_latitude"].iloc[1]


@pytest.mark.parametrize(("code", "city", "country", "near"), [
    ("1000", "Bruxelles", "BE", (50.85, 4.35)), ("1201", "Genève", "CH", (46.20, 6.14)),
    ("L-1111", None, "LU", (49.61, 6.13)), ("1111", None, "LU", (49.61, 6.13)),
    ("10115", None, "DE", (52.53, 13.38)), ("08001", "Barcelona", "ES", (41.38, 2.17)),
    ("00184", "Roma", "IT", (41.89, 12.49)), ("1011 AC", None, "NL", (52.37, 4.90)),
    ("SW1A 1AA", None, "GB", (51.50, -0.14)), ("sw1a1aa", None, "gb", (51.50, -0.14)),
    ("98000", None, "MC", (43.73, 7.42)), ("97110", None, "GP", (16.24, -61.53)),
])
def test_neighbouring_countries_and_british_outward_codes_are_located(code, city, country,
                                                                      near) -> None:
    home = locate([(code, city, country)]).iloc[0]
    assert pd.isna(home["missing_reason"])
    assert haversine_km(home["home_latitude"], home["home_longitude"], *near) < 15


def test_every_missing_distance_says_why() -> None:
    homes = locate([(None, "Lyon", "FR"), ("  ", None, None), ("99999", None, "FR"),
                    ("10001", "New York", "US"), ("75008", None, None)])
    distances = distance_to_venue(homes, *VENUE)
    assert distances["distance_missing_reason"].tolist()[:4] == [
        NO_POSTAL_CODE, NO_POSTAL_CODE, UNKNOWN_POSTAL_CODE, COUNTRY_NOT_COVERED]
    assert pd.isna(distances["distance_missing_reason"].iloc[4])
    assert distances["distance_km"].iloc[4] == pytest.approx(8, abs=3)


def wide_codes(country: str) -> pd.DataFrame:
    codes = load_postal_places().codes.loc[country]
    return codes[(codes["places"] > 1) & (codes["radius_km"] > 30)]


def test_a_wide_postal_code_without_city_is_ambiguous_near_the_venue_but_fine_far_away() -> None:
    code, row = next(iter(wide_codes("FR").iterrows()))
    homes = locate([(code, None, "FR"), (code, "Nowhere At All", "FR")])
    near = distance_to_venue(homes, row["latitude"], row["longitude"] + 0.1)
    assert near["distance_missing_reason"].tolist() == [AMBIGUOUS_POSTAL_CODE, CITY_NOT_MATCHED]
    # From the other end of the world the code's width is below a tenth of the distance.
    far = distance_to_venue(homes, -row["latitude"], row["longitude"] + 180)
    assert far["distance_missing_reason"].isna().all()
    assert (far["distance_band"] == "200_plus").all()


def test_a_venue_without_coordinates_is_the_reason_given_first() -> None:
    homes = locate([("75008", None, "FR"), ("99999", None, "FR")])
    distances = distance_to_venue(homes, None, None)
    assert distances["distance_missing_reason"].tolist() == [VENUE_WITHOUT_COORDINATES] * 2


def test_each_customer_can_have_their_own_venue() -> None:
    homes = locate([("75008", None, "FR"), ("13001", None, "FR")])
    venues = pd.DataFrame({"lat": [43.2697, np.nan], "lon": [5.3958, np.nan]})  # Vélodrome
    distances = distance_to_venue(homes, venues["lat"], venues["lon"])
    assert distances["distance_km"].iloc[0] == pytest.approx(660, rel=0.05)
    assert distances["distance_missing_reason"].tolist()[1] == VENUE_WITHOUT_COORDINATES


def test_distance_bands_have_no_gap_and_no_overlap() -> None:
    bands = distance_band(pd.Series([0, 9.99, 10, 24.9, 25, 50, 99, 100, 199.9, 200, 5000, None]))
    assert bands.tolist()[:-1] == ["under_10", "under_10", "10_25", "10_25", "25_50", "50_100",
                                   "50_100", "100_200", "100_200", "200_plus", "200_plus"]
    assert pd.isna(bands.iloc[-1])


def test_answers_keep_the_customers_index() -> None:
    codes = pd.Series(["75008", "75008", "99999"], index=[9, 9, 4])
    homes = locate_homes(codes)
    assert homes.index.tolist() == [9, 9, 4]
    assert distance_to_venue(homes, *VENUE).index.tolist() == [9, 9, 4]
