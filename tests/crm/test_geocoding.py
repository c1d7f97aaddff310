"""Optional online geocoding: TomTom and Nominatim through a local stand-in, cached, never required."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest

from arena.config import load_settings
from arena.crm.enrichment.geocoding import (
    MAX_CONSECUTIVE_FAILURES,
    USER_AGENT,
    AddressGeocoder,
    GeocoderConfig,
    InMemoryGeocodeCache,
    JsonLinesGeocodeCache,
    build_geocoder,
    geocode_addresses,
)
from tests.support.geocoder_standin import VALID_TOMTOM_KEY, KnownAddress, geocoder_stand_in

STADE = KnownAddress(query="1 Rue du Stade, 93200 Saint-Denis", latitude=48.92452,
                     longitude=2.36015, street_number="1", street="Rue du Stade",
                     postal_code="93200", city="Saint-Denis")


def tomtom(base_url: str, key: str = VALID_TOMTOM_KEY, timeout_s: float = 3.0,
           cache: InMemoryGeocodeCache | None = None) -> AddressGeocoder:
    return AddressGeocoder(GeocoderConfig("tomtom", key, base_url, timeout_s),
                           cache or InMemoryGeocodeCache())


def osm(base_url: str, timeout_s: float = 3.0) -> AddressGeocoder:
    return AddressGeocoder(GeocoderConfig("osm", None, base_url, timeout_s),
                           InMemoryGeocodeCache(), min_interval_s=0.0)


def test_tomtom_geocodes_a_street_address_and_asks_only_once() -> None:
    with geocoder_stand_in() as stand_in:
        stand_in.add(STADE)
        geocoder = tomtom(stand_in.base_url)
        first = geocoder.geocode(STADE.query, "FR")
        second = geocoder.geocode("1 RUE DU STADE, 93200 SAINT-DENIS", "fr")
    assert first is not None and (first.latitude, first.longitude) == (48.92452, 2.36015)
    assert first.quality == "Point Address" and first.provider == "tomtom"
    assert second == first
    assert len(stand_in.requests) == 1
    request = stand_in.requests[0]
    # TomTom wants the query URL-encoded in the path.
    assert request["path"] == "/search/2/geocode/1%20Rue%20du%20Stade%2C%2093200%20Saint-Denis.json"
    assert request["params"]["key"] == VALID_TOMTOM_KEY
    assert request["params"]["countrySet"] == "FR"


def test_nominatim_geocodes_with_an_identifying_user_agent_and_the_country() -> None:
    with geocoder_stand_in() as stand_in:
        stand_in.add(STADE)
        found = osm(stand_in.base_url).geocode(STADE.query, "FR")
    assert found is not None and found.latitude == pytest.approx(48.92452)
    assert found.provider == "osm"
    request = stand_in.requests[0]
    assert request["path"] == "/search"
    assert request["user_agent"] == USER_AGENT
    assert request["params"]["q"] == STADE.query
    assert request["params"]["format"] == "jsonv2"
    assert request["params"]["countrycodes"] == "fr"


def test_an_address_the_provider_does_not_know_is_remembered_as_not_found() -> None:
    with geocoder_stand_in() as stand_in:
        geocoder = tomtom(stand_in.base_url)
        assert geocoder.geocode("12 Rue Imaginaire, 75000 Nulle Part") is None
        assert geocoder.geocode("12 rue imaginaire, 75000 nulle part") is None
    assert len(stand_in.requests) == 1
    assert geocoder.consecutive_failures == 0


def test_a_bad_key_is_a_failure_that_is_not_remembered() -> None:
    with geocoder_stand_in() as stand_in:
        stand_in.add(STADE)
        cache = InMemoryGeocodeCache()
        assert tomtom(stand_in.base_url, key="wrong", cache=cache).geocode(STADE.query) is None
        assert tomtom(stand_in.base_url, cache=cache).geocode(STADE.query) is not None
    assert len(stand_in.requests) == 2


def test_a_slow_provider_costs_a_few_timeouts_then_is_left_alone() -> None:
    with geocoder_stand_in() as stand_in:
        stand_in.add(STADE)
        stand_in.delay_s = 1.0
        geocoder = tomtom(stand_in.base_url, timeout_s=0.2)
        addresses = pd.Series([f"{n} Rue du Stade, 93200 Saint-Denis" for n in range(40)])
        started = time.monotonic()
        located = geocode_addresses(addresses, pd.Series(["93200"] * 40),
                                    pd.Series(["Saint-Denis"] * 40), pd.Series(["FR"] * 40),
                                    geocoder)
        elapsed = time.monotonic() - started
    assert located["street_latitude"].isna().all()
    assert len(stand_in.requests) == MAX_CONSECUTIVE_FAILURES
    assert geocoder.gave_up
    assert elapsed < MAX_CONSECUTIVE_FAILURES * 0.2 + 2.0


def test_an_unreachable_provider_breaks_nothing() -> None:
    geocoder = tomtom("http://127.0.0.1:9", timeout_s=0.5)  # discard port: nothing listens
    assert geocoder.geocode(STADE.query) is None
    assert geocoder.consecutive_failures == 1


def test_without_a_provider_setting_no_geocoder_is_built_and_nothing_is_asked() -> None:
    assert build_geocoder(GeocoderConfig(provider=None), InMemoryGeocodeCache()) is None
    located = geocode_addresses(pd.Series(["1 Rue du Stade"]), pd.Series(["93200"]),
                                pd.Series(["Saint-Denis"]), pd.Series(["FR"]), None)
    assert located["street_latitude"].isna().all()


def test_the_geocoder_settings_come_from_the_environment() -> None:
    settings = load_settings({"ARENA_GEOCODER": " TomTom ", "ARENA_GEOCODER_KEY": "k",
                              "ARENA_GEOCODER_URL": "http://127.0.0.1:1",
                              "ARENA_GEOCODER_TIMEOUT": "0.5"})
    assert GeocoderConfig.from_settings(settings) == GeocoderConfig("tomtom", "k",
                                                                    "http://127.0.0.1:1", 0.5)
    assert GeocoderConfig.from_settings(load_settings({})).provider is None


def test_a_misconfigured_provider_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="ARENA_GEOCODER must be one of"):
        build_geocoder(GeocoderConfig(provider="google"), InMemoryGeocodeCache())
    with pytest.raises(ValueError, match="ARENA_GEOCODER_KEY"):
        build_geocoder(GeocoderConfig(provider="tomtom"), InMemoryGeocodeCache())


def test_each_distinct_address_of_a_customer_table_is_asked_once(tmp_path: Path) -> None:
    with geocoder_stand_in() as stand_in:
        stand_in.add(STADE)
        cache = JsonLinesGeocodeCache(tmp_path / "geocodes.jsonl")
        geocoder = tomtom(stand_in.base_url, cache=cache)
        customers = pd.DataFrame({
            "address": ["1 Rue du Stade", "1 rue du stade", "", None],
            "postal_code": ["93200", "93200", "93200", "93200"],
            "city": ["Saint-Denis"] * 4, "country": ["FR"] * 4}, index=[10, 11, 12, 13])
        located = geocode_addresses(customers["address"], customers["postal_code"],
                                    customers["city"], customers["country"], geocoder)
        assert len(stand_in.requests) == 1
        assert located.index.tolist() == [10, 11, 12, 13]
        assert located["street_latitude"].notna().tolist() == [True, True, False, False]
        # A new process reads the answers back from the file and asks nothing.
        again = tomtom(stand_in.base_url, cache=JsonLinesGeocodeCache(tmp_path / "geocodes.jsonl"))
        assert again.geocode("1 Rue du Stade, 93200 Saint-Denis", "FR") is not None
        assert len(stand_in.requests) == 1
