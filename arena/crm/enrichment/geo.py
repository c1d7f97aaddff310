"""Distance from home to venue, offline: postal code (+ city) → place coordinates → haversine.

Coordinates come from ``arena/crm/data/postal_places.csv.gz`` (built by
``arena/data/reference/build_postal_places.py``): every French postal code × commune, and GeoNames
postal codes for Monaco, Belgium, Switzerland, Luxembourg, Germany, Spain, Italy, the Netherlands
and Great Britain (outward codes). GeoNames data: CC BY 4.0, "GeoNames, geonames.org".

A postal code that covers several places is located at the place whose name matches the city;
without a match, at the population-weighted centre of its places, as long as they are close
enough for the distance to mean something (see ``distance_to_venue``). Every missing distance
says why, so a marketer knows which column of the file to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from arena.crm.enrichment.bands import band_codes
from arena.crm.folding import place_key
from arena.crm.reference_data import open_reference

POSTAL_PLACES = "postal_places.csv.gz"
EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)
COVERED_COUNTRIES = frozenset({"FR", "MC", "BE", "CH", "LU", "DE", "ES", "IT", "NL", "GB"})
# ISO codes of French overseas departments and collectivities whose codes are in France's table.
FRENCH_OVERSEAS = frozenset({"GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF"})
# A place name at least this similar (0-100, RapidFuzz ratio) to the city written by the customer
# is taken as that city: "ST GERMAIN LAYE" finds "SAINT-GERMAIN-EN-LAYE".
CITY_MATCH_MIN_SCORE = 85.0
# Without a matching city, the centre of a postal code's places stands for the home when every
# place lies within this radius of it, or within this share of the distance to the venue (a
# Highland outward code 30 km wide is still "over 200 km" from a French venue).
AMBIGUITY_RADIUS_KM = 10.0
AMBIGUITY_SHARE_OF_DISTANCE = 0.10
DISTANCE_BANDS: tuple[tuple[float, str], ...] = (
    (0, "under_10"), (10, "10_25"), (25, "25_50"), (50, "50_100"),
    (100, "100_200"), (200, "200_plus"),
)

# Why a distance is missing (codes; the UI words them).
NO_POSTAL_CODE = "no_postal_code"
UNKNOWN_POSTAL_CODE = "unknown_postal_code"
AMBIGUOUS_POSTAL_CODE = "ambiguous_postal_code"  # several far-apart places, no city given
CITY_NOT_MATCHED = "city_not_matched"  # several far-apart places, the city is none of them
COUNTRY_NOT_COVERED = "country_not_covered"
VENUE_WITHOUT_COORDINATES = "venue_without_coordinates"

# How a home was located.
BASIS_CITY = "city"  # the city matched one of the postal code's places
BASIS_POSTAL_CODE = "postal_code"  # the centre of the code's places (uncertainty_km: how wide)
BASIS_CITY_NOT_MATCHED = "postal_code_city_not_matched"  # the centre; the city named none of them

HOME_COLUMNS = ["home_latitude", "home_longitude", "uncertainty_km", "location_basis",
                "missing_reason"]


@dataclass(frozen=True)
class PostalPlaces:
    """The shipped table, ready for look-ups."""

    places: pd.DataFrame  # index (country, postal_code, place): latitude, longitude
    codes: pd.DataFrame  # index (country, postal_code): latitude, longitude, radius_km, places


def haversine_km(lat1: np.ndarray | float, lon1: np.ndarray | float,
                 lat2: np.ndarray | float, lon2: np.ndarray | float) -> np.ndarray:
    """Great-circle distance in km (NaN in, NaN out)."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = np.radians(np.asarray(lon2) - np.asarray(lon1)) / 2
    a = np.sin(half_dphi) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(half_dlambda) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


@lru_cache(maxsize=1)
def load_postal_places() -> PostalPlaces:
    with open_reference(POSTAL_PLACES) as handle:
        raw = pd.read_csv(handle, compression="gzip", keep_default_na=False,
                          dtype={"country": str, "postal_code": str, "place": str})
    weight = raw["weight"].astype(float)
    raw = raw.assign(wlat=raw["latitude"] * weight, wlon=raw["longitude"] * weight, w=weight)
    places = raw.groupby(["country", "postal_code", "place"])[["wlat", "wlon", "w"]].sum()
    places = pd.DataFrame({"latitude": places["wlat"] / places["w"],
                           "longitude": places["wlon"] / places["w"]})
    codes = raw.groupby(["country", "postal_code"])[["wlat", "wlon", "w"]].sum()
    codes = pd.DataFrame({"latitude": codes["wlat"] / codes["w"],
                          "longitude": codes["wlon"] / codes["w"]})
    centre = codes.reindex(pd.MultiIndex.from_frame(raw[["country", "postal_code"]]))
    spread = haversine_km(raw["latitude"].to_numpy(), raw["longitude"].to_numpy(),
                          centre["latitude"].to_numpy(), centre["longitude"].to_numpy())
    codes["radius_km"] = pd.Series(spread, index=centre.index).groupby(level=[0, 1]).max()
    codes["places"] = places.groupby(level=[0, 1]).size()
    return PostalPlaces(places=places, codes=codes)


def normalize_country(countries: pd.Series, default_country: str = "FR") -> pd.Series:
    """ISO alpha-2 in upper case; blank → ``default_country``; French overseas → "FR"."""
    iso = countries.astype("string").str.strip().str.upper().fillna("")
    iso = iso.mask(iso == "", default_country.upper())
    return iso.mask(iso.isin(FRENCH_OVERSEAS), "FR")


def _normalize_code(code: str, country: str) -> str:
    text = re.sub(r"\s+", "", code.upper())
    if country == "GB":
        text = re.sub(r"[^A-Z0-9]", "", text)
        return text[:-3] if len(text) >= 5 else text  # "SW1A1AA" → outward code "SW1A"
    digits = re.sub(r"\D", "", text)
    if country == "LU":
        return f"L-{digits}" if len(digits) == 4 else digits
    if country == "NL":
        return digits[:4]
    if country in ("BE", "CH"):
        return digits
    # FR, MC, DE, ES, IT: five digits; a spreadsheet ate the leading zero of "01000".
    return digits.zfill(5) if len(digits) == 4 else digits


def normalize_postal_codes(postal_codes: pd.Series, countries: pd.Series) -> pd.Series:
    """Postal codes as the table writes them ("01000", "L-1111", "SW1A"); blank → <NA>."""
    frame = pd.DataFrame({"code": postal_codes.astype("string").str.strip(),
                          "country": countries.astype("string")})
    unique = frame.dropna().drop_duplicates()
    unique = unique[unique["code"] != ""]
    normalized = {(c, k): _normalize_code(c, k) or None
                  for c, k in zip(unique["code"], unique["country"], strict=True)}
    values = [normalized.get((c, k)) if isinstance(c, str) else None
              for c, k in zip(frame["code"], frame["country"], strict=True)]
    return pd.Series(pd.array(values, dtype="string"), index=postal_codes.index)


def locate_homes(postal_codes: pd.Series, cities: pd.Series | None = None,
                 countries: pd.Series | None = None, *, default_country: str = "FR") -> pd.DataFrame:
    """Coordinates of each customer's home from postal code, city and country (ISO alpha-2).

    Returns, index-aligned: ``home_latitude``, ``home_longitude``, ``uncertainty_km`` (0 when the
    city matched, else the radius of the postal code's places), ``location_basis`` ("city",
    "postal_code") and ``missing_reason`` (``no_postal_code``, ``unknown_postal_code``,
    ``country_not_covered``, or <NA> when located). Whether a wide postal code is precise enough
    depends on the distance: ``distance_to_venue`` decides.
    """
    index = postal_codes.index
    count = len(postal_codes)
    countries = pd.Series([None] * count, index=index) if countries is None else countries
    cities = pd.Series([None] * count, index=index) if cities is None else cities
    country = normalize_country(pd.Series(countries.to_numpy(), index=index), default_country)
    code = normalize_postal_codes(pd.Series(postal_codes.to_numpy(), index=index), country)
    city = pd.Series(cities.to_numpy(), index=index).astype("string").fillna("")
    keys = pd.DataFrame({"country": country.to_numpy(), "code": code.fillna("").to_numpy(),
                         "city": city.to_numpy()})
    # Customers share few distinct (country, code, city): locate each once.
    triple_ids = keys.groupby(["country", "code", "city"], sort=False).ngroup().to_numpy()
    located = _locate_unique(keys.drop_duplicates().reset_index(drop=True))
    result = located.iloc[triple_ids].set_axis(index)
    return result[HOME_COLUMNS]


def _locate_unique(triples: pd.DataFrame) -> pd.DataFrame:
    """`locate_homes` for distinct (country, code, city) triples."""
    table = load_postal_places()
    n = len(triples)
    latitude = np.full(n, np.nan)
    longitude = np.full(n, np.nan)
    uncertainty = np.full(n, np.nan)
    basis = np.full(n, None, dtype=object)
    reason = np.full(n, None, dtype=object)

    covered = triples["country"].isin(COVERED_COUNTRIES).to_numpy()
    has_code = (triples["code"] != "").to_numpy()
    reason[~covered] = COUNTRY_NOT_COVERED
    reason[covered & ~has_code] = NO_POSTAL_CODE
    code_index = pd.MultiIndex.from_frame(triples[["country", "code"]])
    codes = table.codes.reindex(code_index)
    known = codes["latitude"].notna().to_numpy() & covered & has_code
    reason[covered & has_code & ~known] = UNKNOWN_POSTAL_CODE

    latitude[known] = codes["latitude"].to_numpy()[known]
    longitude[known] = codes["longitude"].to_numpy()[known]
    uncertainty[known] = codes["radius_km"].to_numpy()[known]
    basis[known] = BASIS_POSTAL_CODE

    several = known & (codes["places"].to_numpy() > 1)
    city_keys = pd.Series("", index=triples.index, dtype=object)
    with_city = several & (triples["city"] != "").to_numpy()
    city_keys[with_city] = triples.loc[with_city, "city"].map(place_key)
    exact = table.places.reindex(pd.MultiIndex.from_arrays(
        [triples["country"], triples["code"], city_keys]))
    exact_hit = with_city & exact["latitude"].notna().to_numpy()
    latitude[exact_hit] = exact["latitude"].to_numpy()[exact_hit]
    longitude[exact_hit] = exact["longitude"].to_numpy()[exact_hit]
    for i in np.flatnonzero(with_city & ~exact_hit & (city_keys != "").to_numpy()):
        candidates = table.places.loc[(triples.at[i, "country"], triples.at[i, "code"])]
        match = process.extractOne(city_keys[i], candidates.index.tolist(), scorer=fuzz.ratio,
                                   score_cutoff=CITY_MATCH_MIN_SCORE)
        if match is None:
            basis[i] = BASIS_CITY_NOT_MATCHED
            continue
        latitude[i] = candidates.at[match[0], "latitude"]
        longitude[i] = candidates.at[match[0], "longitude"]
        exact_hit[i] = True
    uncertainty[exact_hit] = 0.0
    basis[exact_hit] = BASIS_CITY
    return pd.DataFrame({
        "home_latitude": latitude, "home_longitude": longitude, "uncertainty_km": uncertainty,
        "location_basis": pd.array(basis, dtype="string"),
        "missing_reason": pd.array(reason, dtype="string"),
    })


def distance_to_venue(homes: pd.DataFrame, venue_latitude: float | pd.Series | None,
                      venue_longitude: float | pd.Series | None) -> pd.DataFrame:
    """Distance in km from each located home (``locate_homes``) to its venue, with the reason
    when it is missing.

    The venue is one point or one per customer (a Series aligned with ``homes``). Returns
    ``distance_km``, ``distance_band`` and ``distance_missing_reason``; a venue without
    coordinates comes first among the reasons (one fix gives every customer a distance).
    """
    index = homes.index
    venue_lat = _as_array(venue_latitude, index)
    venue_lon = _as_array(venue_longitude, index)
    distance = haversine_km(homes["home_latitude"].to_numpy(dtype=float),
                            homes["home_longitude"].to_numpy(dtype=float), venue_lat, venue_lon)
    reason = homes["missing_reason"].to_numpy(dtype=object, na_value=None).copy()
    uncertainty = homes["uncertainty_km"].to_numpy(dtype=float)
    too_wide = (uncertainty > np.maximum(AMBIGUITY_RADIUS_KM,
                                         AMBIGUITY_SHARE_OF_DISTANCE * distance))
    basis = homes["location_basis"].to_numpy(dtype=object, na_value=None)
    reason[too_wide & (basis == BASIS_CITY_NOT_MATCHED)] = CITY_NOT_MATCHED
    reason[too_wide & (basis == BASIS_POSTAL_CODE)] = AMBIGUOUS_POSTAL_CODE
    reason[np.isnan(venue_lat) | np.isnan(venue_lon)] = VENUE_WITHOUT_COORDINATES
    distance = np.where(pd.isna(reason), distance, np.nan)
    return pd.DataFrame({
        "distance_km": distance,
        "distance_band": distance_band(pd.Series(distance, index=index)),
        "distance_missing_reason": pd.array(reason, dtype="string"),
    }, index=index)


def distance_band(distances_km: pd.Series) -> pd.Series:
    """The band code of each distance ("under_10", "10_25" … "200_plus"), <NA> when unknown."""
    return band_codes(distances_km, DISTANCE_BANDS)


def _as_array(value: float | pd.Series | None, index: pd.Index) -> np.ndarray:
    if value is None:
        return np.full(len(index), np.nan)
    if isinstance(value, pd.Series):
        return pd.to_numeric(value, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.full(len(index), float(value))
