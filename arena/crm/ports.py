"""What the CRM needs from the outside world, as small protocols the adapters implement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class GeocodedAddress:
    """Where an online geocoder put a street address."""

    latitude: float
    longitude: float
    provider: str  # "tomtom", "osm"
    quality: str | None = None  # the provider's match type ("Point Address", "house", …)


@dataclass(frozen=True)
class CachedGeocode:
    """A remembered answer: the place, or None when the provider found nothing."""

    address: GeocodedAddress | None


class GeocodeCache(Protocol):
    """Remembered geocoder answers, so an address is sent to a paying provider once.

    Keys are built by the caller (provider + normalized address). Only real answers are stored
    (found or not found), never a failure: a timeout today must not hide the address tomorrow.
    """

    def get(self, key: str) -> CachedGeocode | None:
        """The remembered answer, or None when this address was never answered."""
        ...

    def put(self, key: str, answer: CachedGeocode) -> None:
        ...
