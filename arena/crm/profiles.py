"""The customer-profile document store port: one flexible JSON document per organization + email.

Profile documents hold what varies from one client to the next (enrichment results, scores,
campaign reactions, custom fields). They live behind the ``ProfileStore`` protocol so that the
embedded SQL table, PostgreSQL JSONB and Riak KV are interchangeable; every adapter passes the same
contract suite (``tests/contract/test_profile_store.py``).

Concurrency: every stored document carries an opaque ``version`` (a row counter in SQL, a vector
clock on Riak). Writing with a version the store can see is stale raises ``ConcurrencyConflict``
instead of silently overwriting someone else's change; ``read_modify_write`` turns that into
bounded retries. SQL checks the version atomically with the write. Riak cannot (its conditional
requests are checked against a read made before the write), so two racing writers can both be
accepted: there the two versions are kept as siblings and merged by ``arena.crm.profile_merge``,
exactly for counters (see docs/profile-store.md for what each store guarantees).
"""

from __future__ import annotations

import copy
import json
import random
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Protocol, TypeAlias

IndexValue: TypeAlias = str | int
IndexValues: TypeAlias = tuple[str, ...] | tuple[int, ...]
# What callers may pass: one value or several per index name.
IndexInput: TypeAlias = Mapping[str, IndexValue | Iterable[IndexValue]]
ProfileData: TypeAlias = dict[str, Any]
ProfileChange: TypeAlias = Callable[[ProfileData], ProfileData]
IndexBuilder: TypeAlias = Callable[[ProfileData], IndexInput]

# Riak folds header names to lower case, so index names are lower case everywhere; the suffix
# says how values compare (text or integer), exactly as Riak 2i does.
INDEX_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*_(bin|int)$")
MAX_INDEX_NAME_LENGTH = 100  # profile_index_entries.index_name
MAX_BIN_VALUE_LENGTH = 320  # profile_index_entries.value_bin
MAX_EMAIL_LENGTH = 320  # RFC 5321 path limit, profile_documents.email
INT_INDEX_MIN, INT_INDEX_MAX = -(2**63), 2**63 - 1  # BIGINT

# Index names the stores keep for themselves (Riak marks live documents with one).
RESERVED_INDEX_PREFIX = "arena_"


class ProfileStoreError(Exception):
    """Base class of every profile-store error."""


class ConcurrencyConflict(ProfileStoreError):
    """Someone else wrote the document since the version the caller read (a lost update averted)."""


class TooManyConcurrentVersions(ConcurrencyConflict):
    """The store refused a write because the document holds too many unmerged concurrent versions
    (Riak's ``too_many_siblings``); reading the document merges them, so a retry can succeed."""


class ProfileStoreUnavailable(ProfileStoreError):
    """The backing store cannot be reached or is not ready (after the adapter's bounded retries)."""


class ProfileStoreMisconfigured(ProfileStoreError):
    """The store answers but is not set up the way Arena needs (unknown Riak bucket type, a bucket
    type that keeps only the last write, a backend without secondary indexes)."""


class UnknownOrganization(ProfileStoreError):
    """The organization slug names no organization the store knows."""


class InvalidProfile(ProfileStoreError, ValueError):
    """The email, data or indexes given cannot be stored (bad index name, non-JSON data...)."""


class _AnyVersion(Enum):
    ANY = "any"


# ``expected_version=ANY_VERSION`` overwrites whatever is there; ``None`` means "must not exist yet";
# a version string means "must still be exactly the version I read".
ANY_VERSION = _AnyVersion.ANY
ExpectedVersion: TypeAlias = str | None | _AnyVersion


@dataclass(frozen=True)
class ProfileDocument:
    """One stored customer document, as read back from a store."""

    organization: str
    email: str
    data: ProfileData
    indexes: dict[str, IndexValues]
    version: str
    updated_at: datetime


class ProfileStore(Protocol):
    """Per-organization customer documents keyed by normalized email.

    ``organization`` is the organization's slug. Organizations never see each other's documents.
    """

    def get(self, organization: str, email: str) -> ProfileDocument | None:
        """The customer's document, or None when there is none (also the GDPR export)."""
        ...

    def put(
        self,
        organization: str,
        email: str,
        data: Mapping[str, Any],
        *,
        indexes: IndexInput | None = None,
        expected_version: ExpectedVersion = ANY_VERSION,
    ) -> ProfileDocument:
        """Store ``data`` and ``indexes`` (both replaced as a whole); ConcurrencyConflict when
        ``expected_version`` no longer matches."""
        ...

    def update(
        self,
        organization: str,
        email: str,
        change: ProfileChange,
        *,
        index_by: IndexBuilder | None = None,
        attempts: int = 8,
    ) -> ProfileDocument:
        """Read, apply ``change`` to a copy of the data ({} when absent), write back with the
        version read; retried on conflict. Indexes are kept unless ``index_by`` recomputes them."""
        ...

    def delete(self, organization: str, email: str) -> bool:
        """Erase the customer's document and its index entries (GDPR); False when there was none."""
        ...

    def query(self, organization: str, index_name: str, value: IndexValue) -> list[str]:
        """Emails (sorted) whose document carries exactly ``value`` in ``index_name``."""
        ...

    def query_range(self, organization: str, index_name: str, low: int, high: int) -> list[str]:
        """Emails (sorted) whose ``*_int`` index holds a value in [low, high]."""
        ...

    def keys(self, organization: str) -> Iterator[str]:
        """Every email of one organization, sorted, streamed page by page."""
        ...

    def ping(self) -> None:
        """Return when the store answers; raise ProfileStoreUnavailable otherwise."""
        ...


# --- validation shared by every adapter -----------------------------------------------------


def normalize_email(email: str) -> str:
    """The document key of an email: stripped and lower-cased, so one customer has one document."""
    if not isinstance(email, str):
        raise InvalidProfile(f"an email must be text, got {type(email).__name__}")
    key = email.strip().lower()
    if not key or "@" not in key:
        raise InvalidProfile(f"{email!r} is not an email address")
    if len(key) > MAX_EMAIL_LENGTH:
        raise InvalidProfile(f"an email is at most {MAX_EMAIL_LENGTH} characters long")
    return key


def normalize_organization(organization: str) -> str:
    if not isinstance(organization, str) or not organization.strip():
        raise InvalidProfile("an organization slug is required")
    return organization.strip()


def normalize_data(data: Mapping[str, Any]) -> ProfileData:
    """A JSON round trip: what is returned is exactly what every backend can store and give back
    (tuples become lists, NaN and non-JSON values are refused rather than mangled)."""
    if not isinstance(data, Mapping):
        raise InvalidProfile(f"a profile document is a JSON object, got {type(data).__name__}")
    if not all(isinstance(key, str) for key in data):
        raise InvalidProfile("profile field names must be text")
    try:
        return json.loads(json.dumps(dict(data), allow_nan=False))
    except (TypeError, ValueError) as error:
        raise InvalidProfile(f"profile data must be plain JSON: {error}") from error


def normalize_index_name(index_name: str) -> str:
    if (
        not isinstance(index_name, str)
        or len(index_name) > MAX_INDEX_NAME_LENGTH
        or not INDEX_NAME_PATTERN.match(index_name)
    ):
        raise InvalidProfile(
            f"index name {index_name!r} must be lower-case letters, digits and underscores "
            "ending in _bin (text values) or _int (integer values)"
        )
    if index_name.startswith(RESERVED_INDEX_PREFIX):
        raise InvalidProfile(
            f"index names starting with {RESERVED_INDEX_PREFIX} are kept for the store itself"
        )
    return index_name


def normalize_index_value(index_name: str, value: Any) -> IndexValue:
    if index_name.endswith("_int"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidProfile(f"{index_name} holds integers, got {value!r}")
        if not INT_INDEX_MIN <= value <= INT_INDEX_MAX:
            raise InvalidProfile(f"{index_name} value {value} does not fit in 64 bits")
        return value
    if not isinstance(value, str):
        raise InvalidProfile(f"{index_name} holds text, got {value!r}")
    if len(value) > MAX_BIN_VALUE_LENGTH:
        raise InvalidProfile(f"{index_name} values are at most {MAX_BIN_VALUE_LENGTH} characters")
    return value


def normalize_indexes(indexes: IndexInput | None) -> dict[str, IndexValues]:
    """Validated indexes: names checked, one or many values per name, deduplicated and sorted."""
    if not indexes:
        return {}
    normalized: dict[str, IndexValues] = {}
    for raw_name, raw_values in indexes.items():
        name = normalize_index_name(raw_name)
        if isinstance(raw_values, str | int):
            raw_values = [raw_values]
        values = {normalize_index_value(name, value) for value in raw_values}
        if values:
            normalized[name] = tuple(sorted(values))  # type: ignore[assignment]
    return normalized


def check_range_index(index_name: str, low: int, high: int) -> str:
    name = normalize_index_name(index_name)
    if not name.endswith("_int"):
        raise InvalidProfile(f"range queries need an _int index, not {name}")
    normalize_index_value(name, low)
    normalize_index_value(name, high)
    return name


# --- read-modify-write, shared by every adapter ---------------------------------------------


def read_modify_write(
    store: ProfileStore,
    organization: str,
    email: str,
    change: ProfileChange,
    *,
    index_by: IndexBuilder | None = None,
    attempts: int = 8,
    pause_seconds: float = 0.005,
) -> ProfileDocument:
    """Apply ``change`` on the latest document and write it back with the version read.

    A conflict means another writer got in between: read again and re-apply, up to ``attempts``
    times, with a jittered, growing pause so that competing writers spread out.
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(attempts):
        current = store.get(organization, email)
        data = copy.deepcopy(current.data) if current else {}
        changed = change(data)
        if not isinstance(changed, Mapping):
            raise InvalidProfile("an update function must return the new document (a dict)")
        indexes = index_by(dict(changed)) if index_by else (current.indexes if current else {})
        try:
            return store.put(
                organization,
                email,
                changed,
                indexes=indexes,
                expected_version=current.version if current else None,
            )
        except ConcurrencyConflict:
            if attempt + 1 == attempts:
                break
            time.sleep(random.uniform(0, pause_seconds * 2**attempt))
    raise ConcurrencyConflict(
        f"{normalize_email(email)} in {organization} kept changing under {attempts} attempts "
        "to update it; try again later"
    )


class UpdateByReadModifyWrite:
    """`ProfileStore.update` for adapters whose `put` checks the version it was given."""

    def update(
        self,
        organization: str,
        email: str,
        change: ProfileChange,
        *,
        index_by: IndexBuilder | None = None,
        attempts: int = 8,
    ) -> ProfileDocument:
        return read_modify_write(
            self,  # type: ignore[arg-type]
            organization, email, change, index_by=index_by, attempts=attempts,
        )


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone-aware columns; Arena stores UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
