"""A local stand-in for one Riak KV node's HTTP API, so the Riak adapter is tested without Riak.

It speaks the parts of the protocol Arena uses, the way a bucket with ``allow_mult=true`` does:
``/types/<t>/buckets/<b>/keys/<k>`` GET/PUT/POST/DELETE, ``/buckets/<b>/...`` (type ``default``),
vector clocks as opaque base64 tokens encoding a version vector with dotted versions (a PUT
without vclock or with a stale one adds a sibling, a PUT with the current vclock replaces them),
``300 Multiple Choices`` as ``multipart/mixed`` or a text list of vtags, ``?vtag=``, ``returnbody``,
``If-None-Match: *`` (412), ``If-Match`` (412), ``X-Riak-If-Not-Modified`` (409, as Riak KV
>= 3.0.13), secondary indexes per sibling (``*_bin``, ``*_int``, ``$bucket``, ``$key``, exact and
range, ``max_results`` + ``continuation``), ``/ping``, and a full key listing (``?keys=true``).

Fault injection: ``fail_next(n)`` answers the next n requests with 503; ``stop()`` closes the port
so clients see connection refused. Differences from a real node are listed in
``docs/profile-store.md``.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

ACTOR = "standin-vnode-1"
INDEX_HEADER_PREFIX = "x-riak-index-"


@dataclass
class Sibling:
    """One concurrent value of an object, tagged with the dot (actor, counter) that wrote it."""

    dot: tuple[str, int]
    value: bytes
    content_type: str
    indexes: dict[str, list[str | int]]
    vtag: str
    last_modified: float


@dataclass
class StoredObject:
    clock: dict[str, int] = field(default_factory=dict)
    siblings: list[Sibling] = field(default_factory=list)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]


class BadRequest(Exception):
    """Answered as 400, like Riak does for malformed vclocks or index headers."""


def encode_vclock(clock: dict[str, int]) -> str:
    payload = json.dumps(dict(sorted(clock.items())), separators=(",", ":")).encode()
    return base64.b64encode(payload).decode("ascii")


def decode_vclock(token: str) -> dict[str, int]:
    try:
        clock = json.loads(base64.b64decode(token.encode("ascii"), validate=True))
    except (binascii.Error, ValueError, UnicodeEncodeError) as error:
        raise BadRequest(f"Error decoding vector clock: {error}") from error
    if not isinstance(clock, dict) or not all(isinstance(v, int) for v in clock.values()):
        raise BadRequest("Error decoding vector clock")
    return clock


class RiakStandIn:
    """A Riak KV HTTP node in a thread on 127.0.0.1 (port 0 picks a free port)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, allow_mult: bool = True) -> None:
        self.host = host
        self.port = port
        self.allow_mult = allow_mult
        self.objects: dict[tuple[str, str, str], StoredObject] = {}
        self.requests: list[RecordedRequest] = []
        self._failures_left = 0
        self._failure_status = 503
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle and test controls ----------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> RiakStandIn:
        standin = self

        class Handler(RiakRequestHandler):
            node = standin

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        server = self._server
        # A short poll interval keeps stop() fast (shutdown waits for the next poll).
        self._thread = threading.Thread(
            target=lambda: server.serve_forever(poll_interval=0.05), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> RiakStandIn:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        with self._lock:
            self.objects.clear()
            self.requests.clear()
            self._failures_left = 0

    def fail_next(self, count: int, status: int = 503) -> None:
        """Answer the next ``count`` requests with ``status`` (an overloaded node says 503)."""
        with self._lock:
            self._failures_left = count
            self._failure_status = status

    def sibling_count(self, bucket_type: str, bucket: str, key: str) -> int:
        with self._lock:
            stored = self.objects.get((bucket_type, bucket, key))
            return len(stored.siblings) if stored else 0

    # --- request handling (called from server threads) ----------------------------------

    def take_injected_failure(self) -> int | None:
        with self._lock:
            if self._failures_left > 0:
                self._failures_left -= 1
                return self._failure_status
            return None

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def fetch(
        self, location: tuple[str, str, str], accept: str, vtag: str | None
    ) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            stored = self.objects.get(location)
            if stored is None or not stored.siblings:
                return 404, {"Content-Type": "text/plain"}, b"not found\n"
            return self._object_response(location, stored, accept, vtag)

    def store(
        self, location: tuple[str, str, str], headers: dict[str, str], body: bytes, query: dict
    ) -> tuple[int, dict[str, str], bytes]:
        indexes = _parse_index_headers(headers)
        context = decode_vclock(headers["x-riak-vclock"]) if "x-riak-vclock" in headers else {}
        with self._lock:
            stored = self.objects.get(location)
            exists = stored is not None and bool(stored.siblings)
            if headers.get("if-none-match", "").strip() == "*" and exists:
                return 412, {"Content-Type": "text/plain"}, b"Precondition Failed\n"
            if "if-match" in headers:
                etag = headers["if-match"].strip().strip('"')
                if not exists or [s.vtag for s in stored.siblings] != [etag]:  # type: ignore[union-attr]
                    return 412, {"Content-Type": "text/plain"}, b"Precondition Failed\n"
            if "x-riak-if-not-modified" in headers:
                expected = decode_vclock(headers["x-riak-if-not-modified"])
                if not exists or stored.clock != expected:  # type: ignore[union-attr]
                    return 409, {"Content-Type": "text/plain"}, b"conflict\n"
            stored = stored or StoredObject()
            counter = max(stored.clock.get(ACTOR, 0), context.get(ACTOR, 0)) + 1
            survivors = (
                [s for s in stored.siblings if context.get(s.dot[0], 0) < s.dot[1]]
                if self.allow_mult
                else []
            )
            clock = dict(stored.clock)
            for actor, count in context.items():
                clock[actor] = max(clock.get(actor, 0), count)
            clock[ACTOR] = counter
            new = Sibling(
                dot=(ACTOR, counter),
                value=body,
                content_type=headers.get("content-type", "application/octet-stream"),
                indexes=indexes,
                vtag=secrets.token_urlsafe(16),
                last_modified=time.time(),
            )
            stored.clock, stored.siblings = clock, [*survivors, new]
            self.objects[location] = stored
            if query.get("returnbody", [""])[0] == "true":
                return self._object_response(location, stored, headers.get("accept", ""), None)
            return 204, {}, b""

    def remove(self, location: tuple[str, str, str]) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            if self.objects.pop(location, None) is None:
                return 404, {"Content-Type": "text/plain"}, b"not found\n"
            return 204, {}, b""

    def index_query(
        self, bucket_type: str, bucket: str, index: str, terms: list[str], query: dict
    ) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            matches = sorted(self._index_matches(bucket_type, bucket, index, terms))
        if len(terms) == 1 and index not in ("$bucket",):
            matches.sort(key=lambda match: match[1])  # exact match: ordered by key
        if "continuation" in query:
            after = json.loads(base64.b64decode(query["continuation"][0]))
            matches = [m for m in matches if [m[0], m[1]] > after]
        limit = int(query["max_results"][0]) if "max_results" in query else None
        page = matches[:limit] if limit else matches
        result: dict[str, Any] = {"keys": list(dict.fromkeys(key for _, key in page))}
        if limit and len(matches) > limit:
            last = page[-1]
            marker = json.dumps([last[0], last[1]]).encode()
            result["continuation"] = base64.b64encode(marker).decode("ascii")
        return 200, {"Content-Type": "application/json"}, json.dumps(result).encode()

    def list_keys(self, bucket_type: str, bucket: str) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            keys = [k for (t, b, k), o in self.objects.items() if (t, b) == (bucket_type, bucket)]
        return 200, {"Content-Type": "application/json"}, json.dumps({"keys": keys}).encode()

    # --- internals ----------------------------------------------------------------------

    def _index_matches(
        self, bucket_type: str, bucket: str, index: str, terms: list[str]
    ) -> Iterator[tuple[str | int, str]]:
        if index.endswith("_int") and index not in ("$bucket", "$key"):
            try:
                bounds: list[str | int] = [int(term) for term in terms]
            except ValueError as error:
                raise BadRequest(f"Could not parse index value: {error}") from error
        else:
            bounds = list(terms)
        low, high = bounds[0], bounds[-1]
        for (t, b, key), stored in self.objects.items():
            if (t, b) != (bucket_type, bucket) or not stored.siblings:
                continue
            if index == "$bucket":
                yield key, key
                continue
            if index == "$key":
                if low <= key <= high:  # type: ignore[operator]
                    yield key, key
                continue
            found = {v for s in stored.siblings for v in s.indexes.get(index, [])}
            for value in found:
                if low <= value <= high:  # type: ignore[operator]
                    yield value, key

    def _object_response(
        self,
        location: tuple[str, str, str],
        stored: StoredObject,
        accept: str,
        vtag: str | None,
    ) -> tuple[int, dict[str, str], bytes]:
        vclock = encode_vclock(stored.clock)
        if vtag is not None:
            chosen = [s for s in stored.siblings if s.vtag == vtag]
            if not chosen:
                return 404, {"Content-Type": "text/plain"}, b"not found\n"
            return (
                200,
                {"X-Riak-Vclock": vclock, **_sibling_headers(location, chosen[0])},
                chosen[0].value,
            )
        if len(stored.siblings) == 1:
            sibling = stored.siblings[0]
            return (
                200,
                {"X-Riak-Vclock": vclock, **_sibling_headers(location, sibling)},
                sibling.value,
            )
        if "multipart/mixed" in accept:
            boundary = secrets.token_hex(12)
            chunks = [b"\r\n"]
            for sibling in stored.siblings:
                chunks.append(f"--{boundary}\r\n".encode())
                for name, value in _sibling_headers(location, sibling).items():
                    chunks.append(f"{name}: {value}\r\n".encode("latin-1"))
                chunks.append(b"\r\n" + sibling.value + b"\r\n")
            chunks.append(f"--{boundary}--\r\n".encode())
            headers = {
                "X-Riak-Vclock": vclock,
                "Content-Type": f"multipart/mixed; boundary={boundary}",
            }
            return 300, headers, b"".join(chunks)
        listing = "Siblings:\n" + "".join(f"{s.vtag}\n" for s in stored.siblings)
        return 300, {"X-Riak-Vclock": vclock, "Content-Type": "text/plain"}, listing.encode()


def _sibling_headers(location: tuple[str, str, str], sibling: Sibling) -> dict[str, str]:
    bucket_type, bucket, _key = location
    headers = {
        "Content-Type": sibling.content_type,
        "Link": f'</types/{bucket_type}/buckets/{bucket}>; rel="up"',
        "Etag": sibling.vtag,
        "Last-Modified": formatdate(sibling.last_modified, usegmt=True),
    }
    for name, values in sorted(sibling.indexes.items()):
        headers[f"X-Riak-Index-{name}"] = ", ".join(str(v) for v in values)
    return headers


def _parse_index_headers(headers: dict[str, str]) -> dict[str, list[str | int]]:
    indexes: dict[str, list[str | int]] = {}
    for name, raw in headers.items():
        if not name.startswith(INDEX_HEADER_PREFIX):
            continue
        index = name[len(INDEX_HEADER_PREFIX) :]
        terms = [term.strip() for term in raw.split(",") if term.strip()]
        if index.endswith("_int"):
            try:
                indexes[index] = sorted({int(term) for term in terms})
            except ValueError as error:
                raise BadRequest(f"Could not parse index value: {error}") from error
        elif index.endswith("_bin"):
            indexes[index] = sorted(set(terms))
        else:
            raise BadRequest(f"Unknown field type for field: '{index}'")
    return indexes


class RiakRequestHandler(BaseHTTPRequestHandler):
    """Routes Riak's HTTP paths to the node's state."""

    node: RiakStandIn
    server_version = "MochiWeb/1.1 WebMachine/1.10.9 (standin)"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Silence per-request logging: tests would drown in it."""

    def do_GET(self) -> None:
        self._handle("GET")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_POST(self) -> None:
        self._handle("PUT")  # POST with a key in the path behaves as PUT

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.node.record(RecordedRequest(method, self.path, headers))
        injected = self.node.take_injected_failure()
        if injected is not None:
            self._send(injected, {"Content-Type": "text/plain"}, b"Service Unavailable\n")
            return
        try:
            status, response_headers, payload = self._route(method, headers, body)
        except BadRequest as error:
            status, response_headers, payload = (
                400,
                {"Content-Type": "text/plain"},
                str(error).encode(),
            )
        self._send(status, response_headers, payload)

    def _route(
        self, method: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        split = urlsplit(self.path)
        query = parse_qs(split.query)
        segments = [unquote(part) for part in split.path.strip("/").split("/")]
        if segments == ["ping"]:
            return 200, {"Content-Type": "text/plain"}, b"OK"
        if segments[:1] == ["buckets"]:
            segments = ["types", "default", *segments]
        if len(segments) < 5 or segments[0] != "types" or segments[2] != "buckets":
            return 404, {"Content-Type": "text/plain"}, b"not found\n"
        bucket_type, bucket, kind, rest = segments[1], segments[3], segments[4], segments[5:]
        if kind == "keys" and not rest and method == "GET" and query.get("keys"):
            return self.node.list_keys(bucket_type, bucket)
        if kind == "keys" and len(rest) == 1:
            location = (bucket_type, bucket, rest[0])
            if method == "GET":
                vtag = query.get("vtag", [None])[0]
                return self.node.fetch(location, headers.get("accept", ""), vtag)
            if method == "PUT":
                return self.node.store(location, headers, body, query)
            if method == "DELETE":
                return self.node.remove(location)
        if kind == "index" and method == "GET" and len(rest) in (2, 3):
            return self.node.index_query(bucket_type, bucket, rest[0], rest[1:], query)
        return 404, {"Content-Type": "text/plain"}, b"not found\n"

    def _send(self, status: int, headers: dict[str, str], payload: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
