"""How a profile document travels to and from Riak: the JSON envelope, index headers, siblings.

Stored value (envelope 2)::

    {"arena_profile": 2, "data": {...}, "indexes": {...}, "counters": {...}, "updated_at": "..."}

The indexes are inside the body too, because a sibling's index headers are not something to rely
on when merging, and a PUT replaces the whole index set. ``counters`` holds the per-writer slots of
the document's counters (``arena.crm.profile_merge``). Envelope 1 (no counters) and plain JSON
objects written by another client are read as well; their counters merge by maximum.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import requests
from requests.structures import CaseInsensitiveDict

from arena.crm.profile_merge import CounterState, ProfileSnapshot, Slot
from arena.crm.profiles import (
    IndexValue,
    IndexValues,
    ProfileStoreError,
    as_utc,
    normalize_indexes,
    utc_now,
)

ENVELOPE_MARK = "arena_profile"
ENVELOPE_FORMAT = 2
READABLE_FORMATS = frozenset({1, 2})
INDEX_HEADER_PREFIX = "X-Riak-Index-"
# Every document Arena writes carries this index; Riak drops a deleted object's index entries at
# once, while a tombstone stays listed by `$bucket` for `delete_mode` (3 s by default, forever
# with `keep`). Listing keys through it therefore never shows a deleted document.
LIVE_INDEX = "arena_live_bin"
LIVE_MARK = "1"


@dataclass(frozen=True)
class StoredValue:
    """What a read found: the (merged) document or None, its vclock, and how many siblings."""

    snapshot: ProfileSnapshot | None
    vclock: str | None
    siblings: int

    @property
    def is_tombstone(self) -> bool:
        """Deleted, but Riak still remembers the deletion (its vclock must be echoed)."""
        return self.snapshot is None and self.vclock is not None


def encode_envelope(snapshot: ProfileSnapshot) -> bytes:
    return json.dumps(
        {
            ENVELOPE_MARK: ENVELOPE_FORMAT,
            "data": snapshot.data,
            "indexes": {name: list(values) for name, values in snapshot.indexes.items()},
            "counters": {
                key: {writer: list(slot) for writer, slot in slots.items()}
                for key, slots in snapshot.counters.items()
            },
            "updated_at": snapshot.updated_at.isoformat(),
        },
        ensure_ascii=False,
    ).encode("utf-8")


def _decode_counters(raw: Any) -> CounterState:
    if not isinstance(raw, dict):
        return {}
    state: CounterState = {}
    for key, slots in raw.items():
        if isinstance(slots, dict):
            state[str(key)] = {
                str(writer): _slot(slot) for writer, slot in slots.items() if _is_slot(slot)
            }
    return state


def _is_slot(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(part, int) and not isinstance(part, bool) for part in value)
    )


def _slot(value: list[int]) -> Slot:
    return (value[0], value[1])


def decode_snapshot(headers: Mapping[str, str], body: bytes) -> ProfileSnapshot:
    """One stored value; a plain JSON object written by another client is accepted as data."""
    try:
        stored = json.loads(body.decode("utf-8")) if body else {}
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ProfileStoreError(f"A Riak profile value is not JSON ({error}).") from error
    if isinstance(stored, dict) and stored.get(ENVELOPE_MARK) in READABLE_FORMATS:
        return ProfileSnapshot(
            data=dict(stored.get("data") or {}),
            indexes=normalize_indexes(stored.get("indexes") or {}),
            updated_at=as_utc(datetime.fromisoformat(stored["updated_at"])),
            counters=_decode_counters(stored.get("counters")),
        )
    if not isinstance(stored, dict):
        raise ProfileStoreError("A Riak profile value is JSON but not an object.")
    modified = headers.get("Last-Modified")
    updated_at = as_utc(parsedate_to_datetime(modified)) if modified else utc_now()
    return ProfileSnapshot(data=stored, indexes={}, updated_at=updated_at)


def index_term(value: IndexValue) -> str:
    # Header values are comma-separated ASCII, so text values travel percent-encoded (commas,
    # accents and spaces included); queries percent-encode that term once more for the URL.
    return str(value) if isinstance(value, int) else quote(value, safe="")


def index_headers(indexes: Mapping[str, IndexValues]) -> dict[str, str]:
    """Every index of the document, plus the live mark that `keys()` lists."""
    headers = {
        f"{INDEX_HEADER_PREFIX}{name}": ", ".join(index_term(value) for value in values)
        for name, values in indexes.items()
    }
    headers[f"{INDEX_HEADER_PREFIX}{LIVE_INDEX}"] = LIVE_MARK
    return headers


def is_tombstone(headers: Mapping[str, str]) -> bool:
    return headers.get("X-Riak-Deleted", "").lower() == "true"


def multipart_parts(response: requests.Response) -> list[tuple[Mapping[str, str], bytes]]:
    """The siblings of a ``multipart/mixed`` 300 answer, as (headers, body) pairs."""
    content_type = response.headers.get("Content-Type", "")
    if not content_type.startswith("multipart/mixed"):
        raise ProfileStoreError(
            "Riak returned siblings without multipart/mixed, so they cannot be merged."
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
