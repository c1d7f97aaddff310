"""A local stand-in for TomTom's Search API (geocode) and Nominatim's /search, on 127.0.0.1.

It speaks the providers' real wire protocol as documented: TomTom
``GET /search/2/geocode/{query}.json?key=…&limit=1&countrySet=FR`` answering
``{"summary": {...}, "results": [{"type", "id", "score", "address": {...}, "position": {"lat",
"lon"}, "viewport": {...}}]}`` (403 with ``Developer Inactive`` for a bad key); Nominatim
``GET /search?q=…&format=jsonv2&addressdetails=1&limit=1`` answering a JSON list of places with
``lat``/``lon`` as strings, ``category``, ``type``, ``display_name``, ``address`` and
``boundingbox`` (403 without a User-Agent, as the public server's usage policy says).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

VALID_TOMTOM_KEY = "test-key"


@dataclass(frozen=True)
class KnownAddress:
    query: str  # as the client sends it (after URL decoding)
    latitude: float
    longitude: float
    street_number: str
    street: str
    postal_code: str
    city: str
    country_code: str = "FR"


@dataclass
class StandIn:
    base_url: str
    addresses: dict[str, KnownAddress]
    requests: list[dict] = field(default_factory=list)
    delay_s: float = 0.0

    def add(self, address: KnownAddress) -> None:
        self.addresses[address.query.lower()] = address


def _tomtom_body(query: str, found: KnownAddress | None) -> dict:
    results = []
    if found is not None:
        results.append({
            "type": "Point Address", "id": "FR/PAD/p0/1234567", "score": 12.21,
            "matchConfidence": {"score": 1.0},
            "address": {
                "streetNumber": found.street_number, "streetName": found.street,
                "municipality": found.city, "countrySubdivision": "Île-de-France",
                "postalCode": found.postal_code, "countryCode": found.country_code,
                "country": "France", "countryCodeISO3": "FRA",
                "freeformAddress": f"{found.street_number} {found.street}, {found.postal_code} "
                                   f"{found.city}",
                "localName": found.city,
            },
            "position": {"lat": found.latitude, "lon": found.longitude},
            "viewport": {
                "topLeftPoint": {"lat": found.latitude + 0.0009, "lon": found.longitude - 0.0013},
                "btmRightPoint": {"lat": found.latitude - 0.0009, "lon": found.longitude + 0.0013},
            },
            "entryPoints": [{"type": "main", "position": {"lat": found.latitude,
                                                          "lon": found.longitude}}],
        })
    return {"summary": {"query": query.lower(), "queryType": "NON_NEAR", "queryTime": 21,
                        "numResults": len(results), "offset": 0, "totalResults": len(results),
                        "fuzzyLevel": 1},
            "results": results}


def _nominatim_body(found: KnownAddress | None) -> list:
    if found is None:
        return []
    return [{
        "place_id": 88211042, "licence": "Data © OpenStreetMap contributors, ODbL 1.0. "
                                         "http://osm.org/copyright",
        "osm_type": "node", "osm_id": 2463829011, "lat": f"{found.latitude:.7f}",
        "lon": f"{found.longitude:.7f}", "category": "place", "type": "house", "place_rank": 30,
        "importance": 0.00001, "addresstype": "place", "name": "",
        "display_name": f"{found.street_number}, {found.street}, {found.city}, "
                        f"{found.postal_code}, France",
        "address": {"house_number": found.street_number, "road": found.street,
                    "city": found.city, "postcode": found.postal_code, "country": "France",
                    "country_code": found.country_code.lower()},
        "boundingbox": [f"{found.latitude - 0.00005:.7f}", f"{found.latitude + 0.00005:.7f}",
                        f"{found.longitude - 0.00005:.7f}", f"{found.longitude + 0.00005:.7f}"],
    }]


def _handler(stand_in: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # keep test output clean
            pass

        def _send(self, status: int, body: object) -> None:
            payload = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            parts = urlsplit(self.path)
            params = {k: v[0] for k, v in parse_qs(parts.query).items()}
            stand_in.requests.append({"path": parts.path, "params": params,
                                      "user_agent": self.headers.get("User-Agent")})
            if stand_in.delay_s:
                time.sleep(stand_in.delay_s)
            if parts.path.startswith("/search/2/geocode/") and parts.path.endswith(".json"):
                if params.get("key") != VALID_TOMTOM_KEY:
                    self._send(403, {"detailedError": {"code": "Forbidden",
                                                       "message": "Developer Inactive"}})
                    return
                query = unquote(parts.path[len("/search/2/geocode/"):-len(".json")])
                self._send(200, _tomtom_body(query, stand_in.addresses.get(query.lower())))
            elif parts.path == "/search":
                agent = self.headers.get("User-Agent") or ""
                if not agent or agent.startswith("python-requests"):
                    self._send(403, {"error": "Access blocked: usage policy"})
                    return
                self._send(200, _nominatim_body(stand_in.addresses.get(
                    params.get("q", "").lower())))
            else:
                self._send(404, {"error": "not found"})

    return Handler


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up on a slow answer closes the socket: expected here


@contextmanager
def geocoder_stand_in() -> Iterator[StandIn]:
    """Serve both providers' protocols on a free port of 127.0.0.1 for the block's duration."""
    stand_in = StandIn(base_url="", addresses={})
    server = _QuietServer(("127.0.0.1", 0), _handler(stand_in))
    server.daemon_threads = True
    stand_in.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stand_in
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
