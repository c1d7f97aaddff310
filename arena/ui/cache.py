"""Cached page queries that a write invalidates for one organization and one kind of data only.

``st.cache_data.clear()`` after a write empties every organization's cache: one club's import
made every other club's dashboard recompute its figures. Instead, each cached query takes the
*generation* of the data it reads — per database, organization and kind — as part of its key, and
a write bumps only the generations it changed. Entries under an older generation are never read
again and expire with their TTL; every other organization's entries stay where they are.

Generations live in this process (Streamlit serves every session from one process) and only grow,
so a key is never reused for different data. A write made by another process (`arena import` on
the command line) shows after the cache TTL, as before.
"""

from __future__ import annotations

import threading
from enum import StrEnum


class DataKind(StrEnum):
    """What a write can change, each read by its own cached queries."""

    SALES = "sales"  # tickets, orders, events, seasons, venues, sources: imports and their undo
    PRICES = "prices"  # saved price decisions


_generations: dict[tuple[str, int, DataKind], int] = {}
_lock = threading.Lock()


def generation(database: str, organization_id: int, kind: DataKind) -> int:
    """The current generation of one organization's data of one kind, for a cache key."""
    return _generations.get((database, organization_id, kind), 0)


def invalidate(database: str, organization_id: int, *kinds: DataKind) -> None:
    """After a write: the next read of these kinds, for this organization only, recomputes."""
    with _lock:
        for kind in kinds:
            key = (database, organization_id, kind)
            _generations[key] = _generations.get(key, 0) + 1
