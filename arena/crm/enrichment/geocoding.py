"""Optional online geocoding of full street addresses (TomTom or Nominatim), cached.

Offline distance (postal code → commune, ``geo.py``) is always available; a geocoder only
sharpens it to the street when ``ARENA_GEOCODER`` names a provider. It must never slow down or
break an offline run: nothing is called when it is unset, every request has a timeout, and after
a few consecutive failures the geocoder stops asking for the rest of the run. Requests go
through the ``geocoder`` package (the seed's choice) with the provider's base URL overridable,
for a self-hosted Nominatim or the tests' local stand-in.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import quote

import geocoder
import numpy as np
import pandas as pd

from arena.config import Settings
from arena.crm.folding import fold_text
from arena.crm.ports import CachedGeocode, GeocodeCache, GeocodedAddress

PROVIDERS = ("tomtom", "osm")
DEFAULT_BASE_URLS = {"tomtom": "https://api.tomtom.com",
                     "osm": "https://nominatim.openstreetmap.org"}
# Nominatim's usage policy: an identifying User-Agent and at most one request per second.
USER_AGENT = "Arena/0.1 (open-source ticketing intelligence)"
OSM_MIN_INTERVAL_S = 1.0
# Consecutive failures (timeouts, refused connections, 4xx/5xx) after which the run stops asking.
MAX_CONSECUTIVE_FAILURES = 3

GEOCODE_COLUMNS = ["street_latitude", "street_longitude", "geocode_quality"]


@dataclass(frozen=True)
class GeocoderConfig:
    """The settings of one online geocoder (``ARENA_GEOCODER*``)."""

    provider: str | None
    key: str | None = None
    base_url: str | None = None
    timeout_s: float = 3.0

    @classmethod
    def from_settings(cls, settings: Settings) -> GeocoderConfig:
        return cls(provider=settings.geocoder, key=settings.geocoder_key,
                   base_url=settings.geocoder_url, timeout_s=settings.geocoder_timeout)


class InMemoryGeocodeCache:
    """A `GeocodeCache` for one process."""

    def __init__(self) -> None:
        self._answers: dict[str, CachedGeocode] = {}

    def get(self, key: str) -> CachedGeocode | None:
        return self._answers.get(key)

    def put(self, key: str, answer: CachedGeocode) -> None:
        self._answers[key] = answer


class JsonLinesGeocodeCache(InMemoryGeocodeCache):
    """A `GeocodeCache` kept in a JSON-lines file (one answer per line, appended), so answers
    survive restarts until the SQL cache exists."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = Path(path)
        self._lock = threading.Lock()
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                record = json.loads(line)
                found = record["address"]
                super().put(record["key"], CachedGeocode(
                    GeocodedAddress(**found) if found is not None else None))

    def put(self, key: str, answer: CachedGeocode) -> None:
        super().put(key, answer)
        found = asdict(answer.address) if answer.address is not None else None
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps({"key": key, "address": found}, ensure_ascii=False) + "\n")


class AddressGeocoder:
    """One provider behind a cache, a timeout and a failure breaker."""

    def __init__(self, config: GeocoderConfig, cache: GeocodeCache, *,
                 min_interval_s: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if config.provider not in PROVIDERS:
            raise ValueError(f"ARENA_GEOCODER must be one of {', '.join(PROVIDERS)}")
        if config.provider == "tomtom" and not config.key:
            raise ValueError("TomTom needs an API key (ARENA_GEOCODER_KEY)")
        self.config = config
        self.provider: str = config.provider
        self.cache = cache
        self.base_url = (config.base_url or DEFAULT_BASE_URLS[self.provider]).rstrip("/")
        self.min_interval_s = (min_interval_s if min_interval_s is not None
                               else OSM_MIN_INTERVAL_S if self.provider == "osm" else 0.0)
        self._clock = clock
        self._last_request = -np.inf
        self.requests = 0
        self.consecutive_failures = 0

    @property
    def gave_up(self) -> bool:
        """True once the provider failed too often in a row: no more requests this run."""
        return self.consecutive_failures >= MAX_CONSECUTIVE_FAILURES

    def cache_key(self, address: str, country: str | None) -> str:
        return f"{self.provider}|{(country or '').upper()}|{fold_text(address)}"

    def geocode(self, address: str, country: str | None = None) -> GeocodedAddress | None:
        """The address's coordinates, from the cache or the provider; None when not found, the
        address is blank, or the provider failed (failures are not remembered)."""
        if not address or not address.strip():
            return None
        key = self.cache_key(address, country)
        cached = self.cache.get(key)
        if cached is not None:
            return cached.address
        if self.gave_up:
            return None
        answer = self._ask(address.strip(), country)
        if answer is None:
            self.consecutive_failures += 1
            return None
        self.consecutive_failures = 0
        self.cache.put(key, answer)
        return answer.address

    def _ask(self, address: str, country: str | None) -> CachedGeocode | None:
        wait = self._last_request + self.min_interval_s - self._clock()
        if wait > 0:
            time.sleep(wait)
        self._last_request = self._clock()
        self.requests += 1
        if self.provider == "tomtom":
            # geocoder formats the query into the path; we quote it so "/" or "#" stay text.
            url = f"{self.base_url}/search/2/geocode/{quote(address, safe='')}.json"
            result = geocoder.tomtom(address, key=self.config.key, url=url,
                                     timeout=self.config.timeout_s, countrySet=country)
        else:
            params = {"countrycodes": country.lower()} if country else {}
            result = geocoder.osm(address, url=f"{self.base_url}/search",
                                  timeout=self.config.timeout_s, params=params,
                                  headers={"User-Agent": USER_AGENT})
        if result.error:
            return None
        if not result.ok:
            return CachedGeocode(None)
        return CachedGeocode(GeocodedAddress(latitude=float(result.lat),
                                             longitude=float(result.lng),
                                             provider=self.provider, quality=result.quality))


def build_geocoder(config: GeocoderConfig, cache: GeocodeCache) -> AddressGeocoder | None:
    """The configured geocoder, or None when ``ARENA_GEOCODER`` is unset (offline: no call)."""
    if not config.provider:
        return None
    return AddressGeocoder(config, cache)


def geocode_addresses(addresses: pd.Series, postal_codes: pd.Series, cities: pd.Series,
                      countries: pd.Series, geocoder_: AddressGeocoder | None) -> pd.DataFrame:
    """Street-level coordinates for customers with a street address, when a geocoder is set.

    Returns ``street_latitude``, ``street_longitude`` and ``geocode_quality``, index-aligned;
    all missing when ``geocoder_`` is None. Each distinct address is asked once.
    """
    index = addresses.index
    result = pd.DataFrame({"street_latitude": np.nan, "street_longitude": np.nan,
                           "geocode_quality": pd.array([None] * len(index), dtype="string")},
                          index=index)
    if geocoder_ is None:
        return result
    parts = pd.DataFrame({"address": addresses.to_numpy(), "postal_code": postal_codes.to_numpy(),
                          "city": cities.to_numpy(), "country": countries.to_numpy()},
                         index=index).astype("string").fillna("")
    has_street = (parts["address"].str.strip() != "").to_numpy()
    text = (parts["address"].str.strip() + ", " + parts["postal_code"].str.strip() + " "
            + parts["city"].str.strip()).str.strip(" ,")
    answers: dict[tuple[str, str], GeocodedAddress | None] = {}
    positions = np.flatnonzero(has_street)
    for position in positions:
        key = (text.iat[position], parts["country"].iat[position])
        if key not in answers:
            answers[key] = geocoder_.geocode(key[0], key[1] or None)
        found = answers[key]
        if found is not None:
            result.iat[position, 0] = found.latitude
            result.iat[position, 1] = found.longitude
            result.iat[position, 2] = found.quality
    return result
