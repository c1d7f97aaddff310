"""The ProfileStore on Riak KV, spoken over its HTTP API with ``requests``.

Layout: one bucket per organization (``<bucket_prefix><slug>``) under one bucket type, one JSON
object per normalized email (URL-encoded in paths). Why each Riak rule below exists:

* A PUT replaces the object's whole 2i set, so every write resends every ``X-Riak-Index-*``
  header; the indexes are also kept inside the JSON body so that each sibling carries its own.
* Every write echoes the ``X-Riak-Vclock`` read before, so Riak knows what it supersedes.
* ``300 Multiple Choices`` (siblings, allow_mult=true) is resolved with
  ``merge_concurrent_versions`` and written back with the siblings' vclock, which collapses them.
* Lost updates: ``X-Riak-If-Not-Modified: <vclock>`` (Riak KV >= 3.0.13 answers 409 when the
  clock moved) and ``If-None-Match: *`` for creations (412); both become ``ConcurrencyConflict``.
* 503 and connection errors are retried a bounded number of times with exponential backoff, then
  ``ProfileStoreUnavailable`` names the URL.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator, Mapping
from datetime import datetime
from email.message import Message
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import requests
from requests.structures import CaseInsensitiveDict

from arena.crm.profiles import (
    ANY_VERSION,
    ConcurrencyConflict,
    ExpectedVersion,
    IndexInput,
    IndexValue,
    IndexValues,
    ProfileDocument,
    ProfileSnapshot,
    ProfileStoreError,
    ProfileStoreUnavailable,
    UpdateByReadModifyWrite,
    as_utc,
    check_range_index,
    merge_concurrent_versions,
    normalize_data,
    normalize_email,
    normalize_index_name,
    normalize_index_value,
    normalize_indexes,
    normalize_organization,
    utc_now,
)

ENVELOPE_MARK = "arena_profile"
ENVELOPE_FORMAT = 1
INDEX_HEADER_PREFIX = "X-Riak-Index-"
# Bounded write-backs when resolving siblings while others keep writing.
SIBLING_RESOLUTION_ATTEMPTS = 5
# Requests that may be retried after a timeout without risking a double write.
SAFE_METHODS = frozenset({"GET", "HEAD", "DELETE"})


class RiakProfileStore(UpdateByReadModifyWrite):
    """Profile documents in Riak KV (HTTP API), one bucket per organization."""

    def __init__(
        self,
        url: str,
        bucket_type: str = "default",
        timeout: float = 5.0,
        retries: int = 3,
        *,
        bucket_prefix: str = "arena-profiles-",
        backoff_seconds: float = 0.1,
        key_page_size: int = 1000,
        session: requests.Session | None = None,
    ) -> None:
        if retries < 0:
            raise ValueError("retries cannot be negative")
        self.url = url.rstrip("/")
        self.bucket_type = bucket_type
        self.timeout = timeout
        self.retries = retries
        self.bucket_prefix = bucket_prefix
        self.backoff_seconds = backoff_seconds
        self.key_page_size = key_page_size
        self.session = session or requests.Session()

    def __repr__(self) -> str:
        return (
            f"RiakProfileStore(url={self.url!r}, bucket_type={self.bucket_type!r}, "
            f"bucket_prefix={self.bucket_prefix!r})"
        )

    # --- reads ------------------------------------------------------------------------------

    def get(self, organization: str, email: str) -> ProfileDocument | None:
        slug, key = normalize_organization(organization), normalize_email(email)
        for _ in range(SIBLING_RESOLUTION_ATTEMPTS):
            response = self._fetch(slug, key)
            if response.status_code == 404:
                return None
            if response.status_code == 200:
                snapshot = _snapshot_from(response.headers, response.content)
                return _document(slug, key, snapshot, response.headers["X-Riak-Vclock"])
            # 300: siblings. Merge them all, then write the merge back with their vclock.
            vclock = response.headers["X-Riak-Vclock"]
            snapshots = [
                _snapshot_from(headers, body)
                for headers, body in _multipart_parts(response)
                if headers.get("X-Riak-Deleted", "").lower() != "true"
            ]
            if not snapshots:  # every sibling is a tombstone
                return None
            merged = merge_concurrent_versions(snapshots)
            written = self._store(slug, key, merged, vclock=vclock, if_not_modified=vclock)
            if written is not None:
                return written
        raise ConcurrencyConflict(
            f"{key} in {slug} kept gaining siblings under {SIBLING_RESOLUTION_ATTEMPTS} attempts "
            "to merge them"
        )

    def query(self, organization: str, index_name: str, value: IndexValue) -> list[str]:
        name = normalize_index_name(index_name)
        term = _index_term(normalize_index_value(name, value))
        return sorted(set(self._index_keys(organization, f"{name}/{quote(term, safe='')}")))

    def query_range(self, organization: str, index_name: str, low: int, high: int) -> list[str]:
        name = check_range_index(index_name, low, high)
        return sorted(set(self._index_keys(organization, f"{name}/{low}/{high}")))

    def keys(self, organization: str) -> Iterator[str]:
        # The $bucket index pages through one bucket's keys; a full key listing would walk every
        # key of the cluster and is not meant for production.
        slug = normalize_organization(organization)
        bucket = quote(self._bucket(slug), safe="")
        return self._index_keys(slug, f"$bucket/{bucket}")

    def ping(self) -> None:
        response = self._request("GET", f"{self.url}/ping")
        if response.status_code != 200:
            raise ProfileStoreUnavailable(
                f"Riak at {self.url} answered {response.status_code} to /ping"
            )

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
        snapshot = ProfileSnapshot(normalize_data(data), normalize_indexes(indexes), utc_now())
        if expected_version is None:
            written = self._store(slug, key, snapshot, create_only=True)
        elif expected_version is ANY_VERSION:
            # Overwrite on purpose: supersede whatever is there (all siblings included).
            current = self._fetch(slug, key)
            vclock = current.headers.get("X-Riak-Vclock") if current.status_code != 404 else None
            written = self._store(slug, key, snapshot, vclock=vclock)
        else:
            written = self._store(
                slug, key, snapshot, vclock=str(expected_version), if_not_modified=expected_version
            )
        if written is None:
            raise ConcurrencyConflict(f"{key} in {slug} changed since the version read")
        return written

    def delete(self, organization: str, email: str) -> bool:
        slug, key = normalize_organization(organization), normalize_email(email)
        response = self._request("DELETE", self._key_url(slug, key))
        if response.status_code == 404:
            return False
        self._expect(response, 204, 200)
        return True

    # --- HTTP -------------------------------------------------------------------------------

    def _bucket(self, slug: str) -> str:
        return f"{self.bucket_prefix}{slug}"

    def _bucket_url(self, slug: str) -> str:
        return (
            f"{self.url}/types/{quote(self.bucket_type, safe='')}"
            f"/buckets/{quote(self._bucket(slug), safe='')}"
        )

    def _key_url(self, slug: str, key: str) -> str:
        return f"{self._bucket_url(slug)}/keys/{quote(key, safe='')}"

    def _fetch(self, slug: str, key: str) -> requests.Response:
        response = self._request(
            "GET",
            self._key_url(slug, key),
            headers={"Accept": "multipart/mixed, application/json;q=0.9"},
        )
        return self._expect(response, 200, 300, 404)

    def _store(
        self,
        slug: str,
        key: str,
        snapshot: ProfileSnapshot,
        *,
        vclock: str | None = None,
        if_not_modified: ExpectedVersion = ANY_VERSION,
        create_only: bool = False,
    ) -> ProfileDocument | None:
        """PUT one document; None when a precondition failed (someone else wrote first)."""
        headers = {"Content-Type": "application/json", "Accept": "multipart/mixed, */*;q=0.5"}
        headers.update(_index_headers(snapshot.indexes))
        if vclock:
            headers["X-Riak-Vclock"] = vclock
        if isinstance(if_not_modified, str):
            headers["X-Riak-If-Not-Modified"] = if_not_modified
        if create_only:
            headers["If-None-Match"] = "*"
        body = json.dumps(
            {
                ENVELOPE_MARK: ENVELOPE_FORMAT,
                "data": snapshot.data,
                "indexes": {name: list(values) for name, values in snapshot.indexes.items()},
                "updated_at": snapshot.updated_at.isoformat(),
            },
            ensure_ascii=False,
        ).encode("utf-8")
        response = self._request(
            "PUT",
            self._key_url(slug, key),
            params={"returnbody": "true"},
            headers=headers,
            data=body,
        )
        if response.status_code in (409, 412):
            return None
        self._expect(response, 200, 204, 300)
        if response.status_code == 200:
            return _document(slug, key, snapshot, response.headers["X-Riak-Vclock"])
        # 300: a concurrent writer slipped a sibling in; 204: no body came back. Read (and
        # resolve) what is stored now rather than guess.
        return self.get(slug, key)

    def _index_keys(self, organization: str, index_path: str) -> Iterator[str]:
        slug = normalize_organization(organization)
        continuation: str | None = None
        while True:
            params: dict[str, str | int] = {"max_results": self.key_page_size}
            if continuation:
                params["continuation"] = continuation
            response = self._request(
                "GET", f"{self._bucket_url(slug)}/index/{index_path}", params=params
            )
            page = self._expect(response, 200).json()
            yield from page.get("keys", [])
            continuation = page.get("continuation")
            if not continuation:
                return

    def _request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """One HTTP call with bounded retries on 503 and connection errors."""
        failure = ""
        for attempt in range(self.retries + 1):
            if attempt:
                pause = self.backoff_seconds * 2 ** (attempt - 1)
                time.sleep(pause * random.uniform(0.5, 1.0))
            try:
                response = self.session.request(method, url, timeout=self.timeout, **kwargs)
            except requests.ConnectionError as error:
                failure = f"cannot connect ({error.__class__.__name__})"
                continue
            except requests.Timeout as error:
                # A PUT that timed out may have been applied: retrying it blindly could write
                # twice, so only reads and deletes are retried.
                if method not in SAFE_METHODS:
                    raise ProfileStoreUnavailable(
                        f"Riak at {self.url} did not answer {method} within {self.timeout}s; "
                        "the write may or may not have been applied"
                    ) from error
                failure = f"no answer within {self.timeout}s"
                continue
            if response.status_code == 503:
                failure = "503 Service Unavailable (overloaded)"
                continue
            return response
        raise ProfileStoreUnavailable(
            f"Riak at {self.url} is unreachable: {failure} after {self.retries + 1} attempts. "
            "Check that the node runs and ARENA_RIAK_URL points at its HTTP port (8098), or unset "
            "ARENA_RIAK_URL to keep profiles in the relational database."
        )

    def _expect(self, response: requests.Response, *statuses: int) -> requests.Response:
        if response.status_code not in statuses:
            raise ProfileStoreError(
                f"Riak answered {response.status_code} to {response.request.method} "
                f"{response.url}: {response.text[:300]}"
            )
        return response


# --- encoding -------------------------------------------------------------------------------


def _index_term(value: IndexValue) -> str:
    # Header values are comma-separated ASCII, so text values travel percent-encoded (commas,
    # accents and spaces included); queries percent-encode that term once more for the URL.
    return str(value) if isinstance(value, int) else quote(value, safe="")


def _index_headers(indexes: Mapping[str, IndexValues]) -> dict[str, str]:
    return {
        f"{INDEX_HEADER_PREFIX}{name}": ", ".join(_index_term(value) for value in values)
        for name, values in indexes.items()
    }


def _document(slug: str, key: str, snapshot: ProfileSnapshot, vclock: str) -> ProfileDocument:
    return ProfileDocument(
        organization=slug,
        email=key,
        data=snapshot.data,
        indexes=snapshot.indexes,
        version=vclock,
        updated_at=snapshot.updated_at,
    )


def _snapshot_from(headers: Mapping[str, str], body: bytes) -> ProfileSnapshot:
    """One stored value; a plain JSON object written by another client is accepted as data."""
    try:
        stored = json.loads(body.decode("utf-8")) if body else {}
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ProfileStoreError(f"a Riak profile value is not JSON: {error}") from error
    if isinstance(stored, dict) and stored.get(ENVELOPE_MARK) == ENVELOPE_FORMAT:
        return ProfileSnapshot(
            data=dict(stored.get("data") or {}),
            indexes=normalize_indexes(stored.get("indexes") or {}),
            updated_at=as_utc(datetime.fromisoformat(stored["updated_at"])),
        )
    if not isinstance(stored, dict):
        raise ProfileStoreError("a Riak profile value is JSON but not an object")
    modified = headers.get("Last-Modified")
    updated_at = as_utc(parsedate_to_datetime(modified)) if modified else utc_now()
    return ProfileSnapshot(data=stored, indexes={}, updated_at=updated_at)


def _multipart_parts(response: requests.Response) -> list[tuple[Mapping[str, str], bytes]]:
    """The siblings of a ``multipart/mixed`` 300 answer, as (headers, body) pairs."""
    content_type = response.headers.get("Content-Type", "")
    if not content_type.startswith("multipart/mixed"):
        raise ProfileStoreError(
            "Riak returned siblings without multipart/mixed; cannot resolve them"
        )
    message = BytesParser().parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode("latin-1") + response.content
    )
    parts: list[tuple[Mapping[str, str], bytes]] = []
    for part in message.get_payload():
        if not isinstance(part, Message):
            continue
        headers = CaseInsensitiveDict({name: str(value) for name, value in part.items()})
        body = part.get_payload(decode=True)
        parts.append((headers, body if isinstance(body, bytes) else b""))
    return parts
