"""A local stand-in for one Riak KV node's HTTP API, so the Riak adapter is tested without Riak.

It answers the way Riak KV 3.2.2 was measured to answer, looseness included, so that tests
against it catch what a real node would break:

* ``/types/<t>/buckets/<b>/keys/<k>`` GET/PUT/POST/DELETE and ``/buckets/<b>/...`` (type
  ``default``); bucket types are declared (``default`` keeps the last write, ``arena_profiles``
  keeps siblings, as ``../shared/riak/start`` sets them up); an unknown type answers
  ``404 Unknown bucket type`` on keys and an HTML 404 elsewhere; ``/types/<t>/props``.
* Vector clocks as opaque base64 tokens of a version vector with dotted versions: a PUT without
  vclock or with a stale one adds a sibling (``allow_mult``), the current one replaces them all.
  ``300 Multiple Choices`` as ``multipart/mixed`` or a text list of vtags, ``?vtag=``,
  ``returnbody``. More than ``max_siblings`` (100) answers ``500 {too_many_siblings,101}``.
* Conditional writes (``If-None-Match: *`` 412, ``If-Match`` 412, ``X-Riak-If-Not-Modified``
  409) are checked against the object *before* the write, outside the write itself, as Riak does:
  two overlapping conditional writes are both accepted (``overlap_next_writes`` makes that
  deterministic; ``condition_to_write_seconds`` leaves a natural window).
* DELETE leaves a tombstone (``X-Riak-Deleted``, its vclock on the 404) for ``delete_mode``
  seconds (3 by default; ``"keep"`` forever, ``"immediate"`` none): ``$bucket`` and key listings
  still show it, custom indexes do not; ``If-Not-Modified`` on a tombstone is 409.
* Index results come in key order only when paginated (``max_results``), in no order otherwise.
* Secondary indexes per sibling (``*_bin``, ``*_int``, ``$bucket``, ``$key``, exact and range,
  ``max_results`` + ``continuation``), ``/ping``, and a full key listing (``?keys=true``).

Fault injection: ``fail_next(n)`` answers the next n requests with 503; ``simulate_start_up``
answers like a node that has just started (HTML 404 everywhere, then 500 insufficient_vnodes while
/ping says OK); ``stop()`` closes the port so clients see connection refused. Differences from a
real node are listed in ``docs/profile-store.md``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import random
import secrets
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

ACTOR = "standin-vnode-1"
INDEX_HEADER_PREFIX = "x-riak-index-"
DEFAULT_BUCKET_TYPES = {"default": False, "arena_profiles": True}  # name -> allow_mult
HTML_404 = (
    b"<HTML><HEAD><TITLE>404 Not Found</TITLE></HEAD><BODY><H1>Not Found</H1>The requested "
    b"document was not found on this server.<P><HR><ADDRESS>mochiweb+webmachine web server"
    b"</ADDRESS></BODY></HTML>"
)
HTML_500_VNODES = (
    b"<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error"
    b"</h1>The server encountered an error while processing this request:<br><pre>{error,"
    b"insufficient_vnodes_available}</pre><P><HR><ADDRESS>mochiweb+webmachine web server"
    b"</ADDRESS></body></html>"
)
Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Sibling:
    """One concurrent value of an object, tagged with the dot (actor, counter) that wrote it."""

    dot: tuple[str, int]
    value: bytes
    content_type: str
    indexes: dict[str, list[str | int]]
    vtag: str
    last_modified: float
    deleted: bool = False


@dataclass
class StoredObject:
    clock: dict[str, int] = field(default_factory=dict)
    siblings: list[Sibling] = field(default_factory=list)
    purge_at: float | None = None  # when a tombstone-only object is reaped

    @property
    def live(self) -> list[Sibling]:
        return [s for s in self.siblings if not s.deleted]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]


class BadRequest(Exception):
    """Answered as 400, like Riak does for malformed index headers."""


class Crash(Exception):
    """Answered as an HTML 500, like Riak does when a malformed vclock crashes the request."""


def encode_vclock(clock: dict[str, int]) -> str:
    payload = json.dumps(dict(sorted(clock.items())), separators=(",", ":")).encode()
    return base64.b64encode(payload).decode("ascii")


def decode_vclock(token: str) -> dict[str, int]:
    try:
        clock = json.loads(base64.b64decode(token.encode("ascii"), validate=True))
    except (binascii.Error, ValueError, UnicodeEncodeError) as error:
        raise Crash(f"{{error,{{badarg,{error}}}}}") from error
    if not isinstance(clock, dict) or not all(isinstance(v, int) for v in clock.values()):
        raise Crash("{error,badarg}")
    return clock


def _text(status: int, body: bytes | str) -> Answer:
    payload = body.encode() if isinstance(body, str) else body
    return status, {"Content-Type": "text/plain"}, payload


NOT_FOUND = _text(404, "not found\n")


class RiakStandIn:
    """A Riak KV HTTP node in a thread on 127.0.0.1 (port 0 picks a free port)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        bucket_types: Mapping[str, bool] | None = None,
        delete_mode: float | str = 3.0,
        max_siblings: int = 100,
        condition_to_write_seconds: float = 0.002,
    ) -> None:
        self.host = host
        self.port = port
        self.bucket_types = dict(DEFAULT_BUCKET_TYPES if bucket_types is None else bucket_types)
        self.delete_mode = delete_mode
        self.max_siblings = max_siblings
        self.condition_to_write_seconds = condition_to_write_seconds
        self.objects: dict[tuple[str, str, str], StoredObject] = {}
        self.requests: list[RecordedRequest] = []
        self._failures_left = 0
        self._failure_status = 503
        self._routes_missing_left = 0
        self._vnodes_down_left = 0
        self._overlap: threading.Barrier | None = None
        self._overlap_left = 0
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
            self._routes_missing_left = 0
            self._vnodes_down_left = 0
            self._overlap, self._overlap_left = None, 0
            self.bucket_types = dict(DEFAULT_BUCKET_TYPES)
            self.delete_mode = 3.0
            self.max_siblings = 100

    def fail_next(self, count: int, status: int = 503) -> None:
        """Answer the next ``count`` requests with ``status`` (an overloaded node says 503)."""
        with self._lock:
            self._failures_left = count
            self._failure_status = status

    def simulate_start_up(self, *, routes_missing: int, vnodes_down: int) -> None:
        """Answer like a node that has just started: the next ``routes_missing`` requests get an
        HTML 404 (every route, /ping included), then the next ``vnodes_down`` requests that read
        or write data get 500 insufficient_vnodes / all_nodes_down while /ping says OK."""
        with self._lock:
            self._routes_missing_left = routes_missing
            self._vnodes_down_left = vnodes_down

    def overlap_next_writes(self, count: int = 2) -> None:
        """Make the next ``count`` writes each check their conditions before any of them writes:
        the race Riak loses, made deterministic."""
        with self._lock:
            self._overlap = threading.Barrier(count)
            self._overlap_left = count

    def sibling_count(self, bucket_type: str, bucket: str, key: str) -> int:
        with self._lock:
            stored = self.objects.get((bucket_type, bucket, key))
            return len(stored.siblings) if stored else 0

    # --- request handling (called from server threads) ----------------------------------

    def injected_answer(self, method: str, segments: list[str]) -> Answer | None:
        with self._lock:
            if self._failures_left > 0:
                self._failures_left -= 1
                return _text(self._failure_status, "Service Unavailable\n")
            if self._routes_missing_left > 0:
                self._routes_missing_left -= 1
                return 404, {"Content-Type": "text/html"}, HTML_404
            if self._vnodes_down_left > 0 and segments != ["ping"] and segments[-1:] != ["props"]:
                self._vnodes_down_left -= 1
                if "index" in segments:
                    return 500, {"Content-Type": "text/html"}, HTML_500_VNODES
                if method == "GET":
                    return _text(500, "Error:\n{insufficient_vnodes,0,need,2}\n")
                return _text(500, "Error:\nall_nodes_down\n")
            return None

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def bucket_type_props(self, bucket_type: str) -> Answer:
        if bucket_type not in self.bucket_types:
            return 404, {"Content-Type": "text/html"}, HTML_404
        allow_mult = self.bucket_types[bucket_type]
        props = {"allow_mult": allow_mult, "dvv_enabled": allow_mult, "last_write_wins": False,
                 "n_val": 3, "active": True}
        return 200, {"Content-Type": "application/json"}, json.dumps({"props": props}).encode()

    def fetch(self, location: tuple[str, str, str], accept: str, vtag: str | None) -> Answer:
        with self._lock:
            stored = self._stored(location)
            if stored is None:
                return NOT_FOUND
            return self._object_response(location, stored, accept, vtag)

    def store(self, location: tuple[str, str, str], headers: dict[str, str], body: bytes,
              query: dict) -> Answer:
        indexes = _parse_index_headers(headers)
        context = decode_vclock(headers["x-riak-vclock"]) if "x-riak-vclock" in headers else {}
        refused = self._check_conditions(location, headers)
        if refused is not None:
            return refused
        self._between_check_and_write()
        with self._lock:
            stored = self._stored(location) or StoredObject()
            new = Sibling(
                dot=(ACTOR, 0),
                value=body,
                content_type=headers.get("content-type", "application/octet-stream"),
                indexes=indexes,
                vtag=secrets.token_urlsafe(16),
                last_modified=time.time(),
            )
            refused = self._apply(location, stored, context, new)
            if refused is not None:
                return refused
            if query.get("returnbody", [""])[0] == "true":
                return self._object_response(location, stored, headers.get("accept", ""), None)
            return 204, {}, b""

    def remove(self, location: tuple[str, str, str], headers: dict[str, str]) -> Answer:
        with self._lock:
            stored = self._stored(location)
            if "x-riak-vclock" in headers:  # Riak deletes what the vclock names, found or not
                context = decode_vclock(headers["x-riak-vclock"])
            elif stored is None or not stored.live:
                return NOT_FOUND
            else:
                context = dict(stored.clock)  # Riak fetches the current vclock itself
        self._between_check_and_write()
        with self._lock:
            stored = self._stored(location) or StoredObject()
            tombstone = Sibling((ACTOR, 0), b"", "application/octet-stream", {},
                                secrets.token_urlsafe(16), time.time(), deleted=True)
            self._apply(location, stored, context, tombstone)
            return 204, {}, b""

    def index_query(self, bucket_type: str, bucket: str, index: str, terms: list[str],
                    query: dict) -> Answer:
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
        if not limit:  # Riak merges unpaginated results from several vnodes in no set order
            random.shuffle(result["keys"])
        if limit and len(matches) > limit:
            last = page[-1]
            marker = json.dumps([last[0], last[1]]).encode()
            result["continuation"] = base64.b64encode(marker).decode("ascii")
        return 200, {"Content-Type": "application/json"}, json.dumps(result).encode()

    def list_keys(self, bucket_type: str, bucket: str) -> Answer:
        with self._lock:
            keys = [k for (t, b, k) in list(self.objects) if (t, b) == (bucket_type, bucket)
                    and self._stored((t, b, k)) is not None]
        return 200, {"Content-Type": "application/json"}, json.dumps({"keys": keys}).encode()

    # --- internals ----------------------------------------------------------------------

    def _stored(self, location: tuple[str, str, str]) -> StoredObject | None:
        """The object at ``location``, tombstones included until ``delete_mode`` reaps them."""
        stored = self.objects.get(location)
        if stored is not None and stored.purge_at is not None and time.time() >= stored.purge_at:
            del self.objects[location]
            return None
        return stored

    def _check_conditions(self, location: tuple[str, str, str],
                          headers: dict[str, str]) -> Answer | None:
        with self._lock:
            stored = self._stored(location)
            live = stored.live if stored else []
            if headers.get("if-none-match", "").strip() == "*" and live:
                return _text(412, "Precondition Failed\n")
            if "if-match" in headers:
                etag = headers["if-match"].strip().strip('"')
                if [s.vtag for s in live] != [etag]:
                    return _text(412, "Precondition Failed\n")
            if "x-riak-if-not-modified" in headers:
                expected = decode_vclock(headers["x-riak-if-not-modified"])
                if not live or stored.clock != expected:  # type: ignore[union-attr]
                    return _text(409, "conflict\n")
            return None

    def _between_check_and_write(self) -> None:
        """Riak reads, checks, then writes: others may write in between (not atomic)."""
        with self._lock:
            barrier = self._overlap if self._overlap_left > 0 else None
            if barrier is not None:
                self._overlap_left -= 1
        if barrier is not None:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=5)
        elif self.condition_to_write_seconds:
            time.sleep(self.condition_to_write_seconds)

    def _apply(self, location: tuple[str, str, str], stored: StoredObject,
               context: dict[str, int], new: Sibling) -> Answer | None:
        allow_mult = self.bucket_types[location[0]]
        counter = max(stored.clock.get(ACTOR, 0), context.get(ACTOR, 0)) + 1
        survivors = (
            [s for s in stored.siblings if context.get(s.dot[0], 0) < s.dot[1]]
            if allow_mult else []
        )
        if len(survivors) + 1 > self.max_siblings:
            return _text(500, f"Error:\n{{too_many_siblings,{len(survivors) + 1}}}\n")
        clock = dict(stored.clock)
        for actor, count in context.items():
            clock[actor] = max(clock.get(actor, 0), count)
        clock[ACTOR] = counter
        new.dot = (ACTOR, counter)
        stored.clock, stored.siblings = clock, [*survivors, new]
        stored.purge_at = None
        if not stored.live:
            if self.delete_mode == "immediate":
                self.objects.pop(location, None)
                return None
            if self.delete_mode != "keep":
                stored.purge_at = time.time() + float(self.delete_mode)
        self.objects[location] = stored
        return None

    def _index_matches(self, bucket_type: str, bucket: str, index: str,
                       terms: list[str]) -> Iterator[tuple[str | int, str]]:
        if index.endswith("_int") and index not in ("$bucket", "$key"):
            try:
                bounds: list[str | int] = [int(term) for term in terms]
            except ValueError as error:
                raise BadRequest(f"Could not parse index value: {error}") from error
        else:
            bounds = list(terms)
        low, high = bounds[0], bounds[-1]
        for (t, b, key) in list(self.objects):
            stored = self._stored((t, b, key)) if (t, b) == (bucket_type, bucket) else None
            if stored is None:
                continue
            if index == "$bucket":  # tombstones too, until reaped (as measured on Riak)
                yield key, key
                continue
            if index == "$key":
                if low <= key <= high:  # type: ignore[operator]
                    yield key, key
                continue
            found = {v for s in stored.live for v in s.indexes.get(index, [])}
            for value in found:
                if low <= value <= high:  # type: ignore[operator]
                    yield value, key

    def _object_response(self, location: tuple[str, str, str], stored: StoredObject,
                         accept: str, vtag: str | None) -> Answer:
        vclock = encode_vclock(stored.clock)
        if not stored.live:
            status, headers, body = NOT_FOUND
            return status, {**headers, "X-Riak-Vclock": vclock, "X-Riak-Deleted": "true"}, body
        if vtag is not None:
            chosen = [s for s in stored.siblings if s.vtag == vtag]
            if not chosen:
                return NOT_FOUND
            return (200, {"X-Riak-Vclock": vclock, **_sibling_headers(location, chosen[0])},
                    chosen[0].value)
        if len(stored.siblings) == 1:
            sibling = stored.siblings[0]
            return (200, {"X-Riak-Vclock": vclock, **_sibling_headers(location, sibling)},
                    sibling.value)
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
    if sibling.deleted:
        headers["X-Riak-Deleted"] = "true"
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
        split = urlsplit(self.path)
        segments = [unquote(part) for part in split.path.strip("/").split("/")]
        answer = self.node.injected_answer(method, segments)
        if answer is None:
            try:
                answer = self._route(method, segments, parse_qs(split.query), headers, body)
            except BadRequest as error:
                answer = _text(400, str(error))
            except Crash as error:
                page = f"<html><body><h1>Internal Server Error</h1><pre>{error}</pre></body></html>"
                answer = 500, {"Content-Type": "text/html"}, page.encode()
        self._send(*answer)

    def _route(self, method: str, segments: list[str], query: dict, headers: dict[str, str],
               body: bytes) -> Answer:
        if segments == ["ping"]:
            return 200, {"Content-Type": "text/html"}, b"OK"
        if segments[:1] == ["buckets"]:
            segments = ["types", "default", *segments]
        if len(segments) == 3 and segments[0] == "types" and segments[2] == "props":
            return self.node.bucket_type_props(segments[1])
        if len(segments) < 5 or segments[0] != "types" or segments[2] != "buckets":
            return 404, {"Content-Type": "text/html"}, HTML_404
        bucket_type, bucket, kind, rest = segments[1], segments[3], segments[4], segments[5:]
        known_type = bucket_type in self.node.bucket_types
        if kind == "keys" and len(rest) == 1:
            if not known_type:
                return _text(404, f"Unknown bucket type: {bucket_type}")
            location = (bucket_type, bucket, rest[0])
            if method == "GET":
                vtag = query.get("vtag", [None])[0]
                return self.node.fetch(location, headers.get("accept", ""), vtag)
            if method == "PUT":
                return self.node.store(location, headers, body, query)
            if method == "DELETE":
                return self.node.remove(location, headers)
        if not known_type:
            return 404, {"Content-Type": "text/html"}, HTML_404
        if kind == "keys" and not rest and method == "GET" and query.get("keys"):
            return self.node.list_keys(bucket_type, bucket)
        if kind == "index" and method == "GET" and len(rest) in (2, 3):
            return self.node.index_query(bucket_type, bucket, rest[0], rest[1:], query)
        return 404, {"Content-Type": "text/html"}, HTML_404

    def _send(self, status: int, headers: dict[str, str], payload: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
