"""The ProfileStore on Riak KV, spoken over its HTTP API with ``requests``.

Layout: one bucket per organization (``<bucket_prefix><slug>``) under one bucket type, one JSON
object per normalized email (URL-encoded in paths). Why each Riak rule below exists:

* Riak checks ``X-Riak-If-Not-Modified`` and ``If-None-Match: *`` against a read made before the
  write, not atomically with it: two writers racing with the same vclock are both accepted (25-27
  of 30 simultaneous pairs on Riak KV 3.2.2). So conditions only catch writers that are *not*
  racing; racing writes must converge by construction. On a bucket type with ``allow_mult`` they
  become siblings, and each read merges them with ``merge_concurrent_versions``: counters are
  per-writer slots (a PN-counter) so no increment is lost, other fields follow the merge policy.
  A bucket type without ``allow_mult`` keeps only the last of two racing writes, so the store
  refuses to open on one unless told to accept it (``accept_last_write_wins``).
* Every write echoes the ``X-Riak-Vclock`` read before, so Riak knows what it supersedes, and
  resends every index (a PUT replaces the whole index set), plus the live mark ``keys()`` lists.
* A read that finds siblings writes their merge back with their vclock, which collapses them.
* Answers of a node that is not ready (starting, overloaded) are retried; see ``riak_http``.
"""

from __future__ import annotations

import copy
import random
import secrets
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from arena.crm.profile_merge import ProfileSnapshot, counters_after_write, merge_concurrent_versions
from arena.crm.profiles import (
    ANY_VERSION,
    ConcurrencyConflict,
    ExpectedVersion,
    IndexBuilder,
    IndexInput,
    IndexValue,
    InvalidProfile,
    ProfileChange,
    ProfileDocument,
    ProfileStoreError,
    ProfileStoreMisconfigured,
    ProfileStoreUnavailable,
    TooManyConcurrentVersions,
    check_range_index,
    normalize_data,
    normalize_email,
    normalize_index_name,
    normalize_index_value,
    normalize_indexes,
    normalize_organization,
    utc_now,
)
from arena.storage.riak_codec import (
    LIVE_INDEX,
    LIVE_MARK,
    StoredValue,
    decode_snapshot,
    encode_envelope,
    index_headers,
    index_term,
    is_tombstone,
    multipart_parts,
)
from arena.storage.riak_http import RiakHttp, is_html_404

# Bounded write-backs when resolving siblings while others keep writing.
SIBLING_RESOLUTION_ATTEMPTS = 5
# The bucket `ping()` reads and writes to prove the node serves both (organization slugs hold
# no `~`, so it is never an organization's bucket).
HEALTH_BUCKET_SUFFIX = "~health"
UNKNOWN_BUCKET_TYPE = "Unknown bucket type"


@dataclass(frozen=True)
class BucketTypeCheck:
    """What `RiakProfileStore.open` found about the bucket type."""

    name: str
    allow_mult: bool


class RiakProfileStore:
    """Profile documents in Riak KV (HTTP API), one bucket per organization.

    Build it with ``RiakProfileStore.open(...)``, which checks the bucket type first.
    """

    def __init__(
        self,
        url: str,
        bucket_type: str = "arena_profiles",
        timeout: float = 5.0,
        retries: int = 3,
        *,
        bucket_prefix: str = "arena-profiles-",
        backoff_seconds: float = 0.1,
        key_page_size: int = 1000,
        session: requests.Session | None = None,
    ) -> None:
        self.http = RiakHttp(
            url, timeout=timeout, retries=retries, backoff_seconds=backoff_seconds, session=session
        )
        self.url = self.http.url
        self.bucket_type = bucket_type
        self.bucket_prefix = bucket_prefix
        self.key_page_size = key_page_size
        # Counter slots belong to writers; a writer is held by one call at a time, so two racing
        # updates never share a slot. A process reuses the few writers it needed (as many as its
        # calls running at once), so a document gains a slot per writing process, not per write.
        self._writer_prefix = secrets.token_hex(4)
        self._free_writers: list[str] = []
        self._writers_made = 0
        self._writers_lock = threading.Lock()

    @classmethod
    def open(
        cls, url: str, bucket_type: str = "arena_profiles", *, accept_last_write_wins: bool = False,
        **options: Any,
    ) -> RiakProfileStore:
        """A store whose bucket type exists and keeps concurrent writes (or is accepted without)."""
        store = cls(url, bucket_type, **options)
        store.check_bucket_type(accept_last_write_wins=accept_last_write_wins)
        return store

    def __repr__(self) -> str:
        return (
            f"RiakProfileStore(url={self.url!r}, bucket_type={self.bucket_type!r}, "
            f"bucket_prefix={self.bucket_prefix!r})"
        )

    # --- set-up checks ----------------------------------------------------------------------

    def check_bucket_type(self, *, accept_last_write_wins: bool = False) -> BucketTypeCheck:
        """Fail with one sentence when the bucket type does not exist, or keeps only the last of
        two racing writes (``allow_mult`` false) and that was not accepted."""
        # A node that is still starting answers 404 pages on every route, exactly as it does for
        # an unknown bucket type's properties: /ping first tells the two apart.
        self._ping_route()
        response = self.http.request(
            "GET", f"/types/{quote(self.bucket_type, safe='')}/props", html_404_is_starting=False
        )
        if response.status_code == 404:
            raise ProfileStoreMisconfigured(
                f"Riak at {self.url} has no bucket type {self.bucket_type!r}: set "
                "ARENA_RIAK_BUCKET_TYPE to an existing one, or create it with `riak admin "
                f"bucket-type create {self.bucket_type} '{{\"props\":{{\"allow_mult\":true}}}}'` "
                f"and `riak admin bucket-type activate {self.bucket_type}`."
            )
        if response.status_code != 200:
            raise self.http.unexpected(response, f"the properties of bucket type {self.bucket_type}")
        props = response.json().get("props", {})
        if props.get("datatype"):
            raise ProfileStoreMisconfigured(
                f"Riak bucket type {self.bucket_type!r} holds {props['datatype']} data types, "
                "not JSON documents: set ARENA_RIAK_BUCKET_TYPE to a plain bucket type."
            )
        allow_mult = bool(props.get("allow_mult")) and not props.get("last_write_wins")
        if not allow_mult and not accept_last_write_wins:
            raise ProfileStoreMisconfigured(
                f"Riak bucket type {self.bucket_type!r} keeps only the last of two concurrent "
                "writes (allow_mult is false), so simultaneous updates of one profile would be "
                "lost: use a bucket type with allow_mult true (Arena's default, arena_profiles), "
                "or set ARENA_RIAK_LAST_WRITE_WINS=1 to accept that."
            )
        return BucketTypeCheck(self.bucket_type, allow_mult)

    def ping(self) -> None:
        """Healthy means usable: the node reads, writes and answers an index query."""
        self._ping_route()
        bucket = self._bucket_path(HEALTH_BUCKET_SUFFIX)
        current = self._fetch(f"{bucket}/keys/probe", "the health probe")
        headers = {"Content-Type": "text/plain"}
        if current.headers.get("X-Riak-Vclock"):
            headers["X-Riak-Vclock"] = current.headers["X-Riak-Vclock"]
        written = self.http.request("PUT", f"{bucket}/keys/probe", data=b"ok", headers=headers)
        if written.status_code not in (200, 204):
            raise self._error(written, "a write of the health probe")
        query = self.http.request(
            "GET", f"{bucket}/index/{LIVE_INDEX}/{LIVE_MARK}", params={"max_results": 1}
        )
        if query.status_code == 500 and "indexes_not_supported" in query.text:
            raise ProfileStoreMisconfigured(
                f"Riak at {self.url} stores data in a backend without secondary indexes: "
                "Arena needs leveled, leveldb or memory (storage_backend in riak.conf)."
            )
        if query.status_code != 200:
            raise self._error(query, "an index query on the health probe")

    def _ping_route(self) -> None:
        response = self.http.request("GET", "/ping")
        if response.status_code != 200:
            raise ProfileStoreUnavailable(
                f"Riak at {self.url} answered {response.status_code} to /ping; check that "
                "ARENA_RIAK_URL points at a Riak node's HTTP port (8098)."
            )

    # --- reads ------------------------------------------------------------------------------

    def get(self, organization: str, email: str) -> ProfileDocument | None:
        slug, key = normalize_organization(organization), normalize_email(email)
        for _ in range(SIBLING_RESOLUTION_ATTEMPTS):
            stored = self._read(slug, key)
            if stored.snapshot is None or stored.vclock is None:
                return None
            if stored.siblings <= 1:
                return _document(slug, key, stored.snapshot, stored.vclock)
            # Siblings: write their merge back with their vclock, which collapses them.
            written = self._write(slug, key, stored.snapshot, stored)
            if written is not None:
                return written
        raise ConcurrencyConflict(
            f"{key} in {slug} kept gaining concurrent versions under "
            f"{SIBLING_RESOLUTION_ATTEMPTS} attempts to merge them; try again later."
        )

    def query(self, organization: str, index_name: str, value: IndexValue) -> list[str]:
        name = normalize_index_name(index_name)
        term = index_term(normalize_index_value(name, value))
        path = f"{name}/{quote(term, safe='')}"
        return sorted(set(self._index_keys(normalize_organization(organization), path)))

    def query_range(self, organization: str, index_name: str, low: int, high: int) -> list[str]:
        name = check_range_index(index_name, low, high)
        path = f"{name}/{low}/{high}"
        return sorted(set(self._index_keys(normalize_organization(organization), path)))

    def keys(self, organization: str) -> Iterator[str]:
        # The live mark, not `$bucket`: `$bucket` also lists tombstones (for 3 s by default,
        # forever with delete_mode keep), and a full key listing walks every key of the cluster.
        return self._index_keys(normalize_organization(organization), f"{LIVE_INDEX}/{LIVE_MARK}")

    # --- writes -----------------------------------------------------------------------------

    def put(
        self,
        organization: str,
        email: str,
        data: Mapping[str, Any],
        *,
        indexes: IndexInput | None = None,
        expected_version: ExpectedVersion = ANY_VERSION,
    ) -> ProfileDocument:
        slug, key = normalize_organization(organization), normalize_email(email)
        new_data, new_indexes = normalize_data(data), normalize_indexes(indexes)
        stored = self._read(slug, key)
        exists = stored.snapshot is not None
        if expected_version is None and exists:
            raise ConcurrencyConflict(f"{key} in {slug} already exists.")
        if isinstance(expected_version, str) and (not exists or stored.vclock != expected_version):
            raise ConcurrencyConflict(f"{key} in {slug} changed since the version read.")
        with self._writer() as writer:
            snapshot = self._next_snapshot(stored, new_data, new_indexes, writer)
            written = self._write(
                slug, key, snapshot, stored, unconditional=expected_version is ANY_VERSION
            )
        if written is None:
            raise ConcurrencyConflict(f"{key} in {slug} changed since the version read.")
        return written

    def update(
        self,
        organization: str,
        email: str,
        change: ProfileChange,
        *,
        index_by: IndexBuilder | None = None,
        attempts: int = 8,
        pause_seconds: float = 0.005,
    ) -> ProfileDocument:
        """Read, change, write back over the version read. A writer racing this one is not
        refused (Riak cannot tell in time): both versions are kept and merged on the next read."""
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        slug, key = normalize_organization(organization), normalize_email(email)
        with self._writer() as writer:
            for attempt in range(attempts):
                stored = self._read(slug, key)
                current = stored.snapshot
                changed = change(copy.deepcopy(current.data) if current else {})
                if not isinstance(changed, Mapping):
                    raise InvalidProfile("an update function must return the new document (a dict)")
                new_data = normalize_data(changed)
                new_indexes = (
                    normalize_indexes(index_by(dict(new_data)))
                    if index_by
                    else (current.indexes if current else {})
                )
                snapshot = self._next_snapshot(stored, new_data, new_indexes, writer)
                try:
                    written = self._write(slug, key, snapshot, stored)
                except TooManyConcurrentVersions:
                    written = None  # the next read merges them
                if written is not None:
                    return written
                if attempt + 1 < attempts:
                    time.sleep(random.uniform(0, pause_seconds * 2**attempt))
        raise ConcurrencyConflict(
            f"{key} in {slug} kept changing under {attempts} attempts to update it; "
            "try again later."
        )

    def delete(self, organization: str, email: str) -> bool:
        slug, key = normalize_organization(organization), normalize_email(email)
        response = self.http.request("DELETE", self._key_path(slug, key))
        if response.status_code == 404:
            self._refuse_unknown_bucket_type(response)
            return False
        if response.status_code not in (200, 204):
            raise self._error(response, f"the deletion of {key} in {slug}")
        return True

    # --- internals --------------------------------------------------------------------------

    @contextmanager
    def _writer(self) -> Iterator[str]:
        with self._writers_lock:
            if self._free_writers:
                writer = self._free_writers.pop()
            else:
                self._writers_made += 1
                writer = f"{self._writer_prefix}.{self._writers_made}"
        try:
            yield writer
        finally:
            with self._writers_lock:
                self._free_writers.append(writer)

    @staticmethod
    def _next_snapshot(
        stored: StoredValue, data: dict[str, Any], indexes: Any, writer: str
    ) -> ProfileSnapshot:
        base = stored.snapshot or ProfileSnapshot({})
        counters = counters_after_write(base.counters, base.data, data, writer)
        return ProfileSnapshot(data, indexes, utc_now(), counters)

    def _bucket_path(self, slug: str) -> str:
        bucket = f"{self.bucket_prefix}{slug}"
        return f"/types/{quote(self.bucket_type, safe='')}/buckets/{quote(bucket, safe='')}"

    def _key_path(self, slug: str, key: str) -> str:
        return f"{self._bucket_path(slug)}/keys/{quote(key, safe='')}"

    def _fetch(self, path: str, what: str) -> requests.Response:
        response = self.http.request(
            "GET", path, headers={"Accept": "multipart/mixed, application/json;q=0.9, */*;q=0.5"}
        )
        if response.status_code == 404:
            self._refuse_unknown_bucket_type(response)
        elif response.status_code not in (200, 300):
            raise self._error(response, f"a read of {what}")
        return response

    def _read(self, slug: str, key: str) -> StoredValue:
        """The document (siblings merged in memory, tombstones skipped) with its vclock."""
        return _stored_value(self._fetch(self._key_path(slug, key), f"{key} in {slug}"))

    def _write(
        self,
        slug: str,
        key: str,
        snapshot: ProfileSnapshot,
        stored: StoredValue,
        *,
        unconditional: bool = False,
    ) -> ProfileDocument | None:
        """PUT over what ``stored`` read; None when Riak saw that someone else wrote first.

        Unless ``unconditional``, Riak is asked to refuse the write when the object moved since
        the read (or exists, when none was found). It checks this before the write, not with it
        (see the module docstring), so this narrows races without closing them.
        """
        headers = {
            "Content-Type": "application/json",
            "Accept": "multipart/mixed, application/json;q=0.9, */*;q=0.5",
            **index_headers(snapshot.indexes),
        }
        if stored.vclock:
            headers["X-Riak-Vclock"] = stored.vclock
        if not unconditional:
            if stored.snapshot is not None and stored.vclock:
                headers["X-Riak-If-Not-Modified"] = stored.vclock
            else:  # absent or a tombstone: Riak answers 409 to If-Not-Modified on a tombstone
                headers["If-None-Match"] = "*"
        response = self.http.request(
            "PUT",
            self._key_path(slug, key),
            params={"returnbody": "true"},
            headers=headers,
            data=encode_envelope(snapshot),
        )
        if response.status_code in (409, 412):
            return None
        if response.status_code == 500 and "too_many_siblings" in response.text:
            raise TooManyConcurrentVersions(
                f"{key} in {slug} has more concurrent versions than Riak keeps (too_many_siblings, "
                "over 100), so the write was refused; reading the profile merges them, then try "
                "again."
            )
        if response.status_code == 404:
            self._refuse_unknown_bucket_type(response)
        if response.status_code == 200:
            return _document(slug, key, snapshot, response.headers["X-Riak-Vclock"])
        if response.status_code not in (204, 300):
            raise self._error(response, f"a write of {key} in {slug}")
        # 300: a racing writer's sibling is there too (the answer carries them all); 204: no body
        # came back. Give the merge of what is stored now; the next read collapses the siblings.
        now = _stored_value(response) if response.status_code == 300 else self._read(slug, key)
        if now.snapshot is None or now.vclock is None:
            return _document(slug, key, snapshot, response.headers.get("X-Riak-Vclock", ""))
        return _document(slug, key, now.snapshot, now.vclock)

    def _index_keys(self, slug: str, index_path: str) -> Iterator[str]:
        continuation: str | None = None
        while True:
            params: dict[str, str | int] = {"max_results": self.key_page_size}
            if continuation:
                params["continuation"] = continuation
            response = self._index_page(f"{self._bucket_path(slug)}/index/{index_path}", params)
            if response.status_code != 200:
                raise self._error(response, f"an index query in {slug}")
            page = response.json()
            yield from page.get("keys", [])
            continuation = page.get("continuation")
            if not continuation:
                return

    def _index_page(self, path: str, params: dict[str, str | int]) -> requests.Response:
        """One page of an index query. An HTML 404 here means either a node still starting or
        an unknown bucket type: once /ping answers (it waits out a start), it is the latter."""
        response = self.http.request("GET", path, params=params, html_404_is_starting=False)
        if is_html_404(response):
            self._ping_route()
            response = self.http.request("GET", path, params=params, html_404_is_starting=False)
            if is_html_404(response):
                raise self._unknown_bucket_type()
        return response

    def _refuse_unknown_bucket_type(self, response: requests.Response) -> None:
        if UNKNOWN_BUCKET_TYPE in response.text:
            raise self._unknown_bucket_type()

    def _unknown_bucket_type(self) -> ProfileStoreMisconfigured:
        return ProfileStoreMisconfigured(
            f"Riak at {self.url} has no bucket type {self.bucket_type!r}: set "
            "ARENA_RIAK_BUCKET_TYPE to an existing one (Arena's default is arena_profiles)."
        )

    def _error(self, response: requests.Response, what: str) -> ProfileStoreError:
        return self.http.unexpected(response, what)


def _stored_value(response: requests.Response) -> StoredValue:
    """A read's answer (404, 200 or 300 with every sibling) as one merged document and its vclock;
    tombstones are skipped, a vclock without a document is a tombstone."""
    vclock = response.headers.get("X-Riak-Vclock")
    if response.status_code == 404:
        return StoredValue(None, vclock, 0)
    if response.status_code == 200:
        if is_tombstone(response.headers):
            return StoredValue(None, vclock, 1)
        return StoredValue(decode_snapshot(response.headers, response.content), vclock, 1)
    parts = multipart_parts(response)
    snapshots = [decode_snapshot(h, body) for h, body in parts if not is_tombstone(h)]
    merged = merge_concurrent_versions(snapshots) if snapshots else None
    return StoredValue(merged, vclock, len(parts))


def _document(slug: str, key: str, snapshot: ProfileSnapshot, vclock: str) -> ProfileDocument:
    return ProfileDocument(
        organization=slug,
        email=key,
        data=snapshot.data,
        indexes=snapshot.indexes,
        version=vclock,
        updated_at=snapshot.updated_at,
    )
