"""Merging concurrent versions of one profile document (Riak siblings) without losing any of them.

A store whose writes cannot be made conditional atomically (Riak: ``X-Riak-If-Not-Modified`` and
``If-None-Match`` are checked against a read made before the write) keeps both of two racing
writes as siblings. This module turns siblings back into one document, exactly for counters and
by a fixed policy for everything else:

* **Counters** (fields named ``*_count`` holding integers, at any depth of nested objects) are
  PN-counters: each writer adds what it changed to its own slot (``added``, ``removed``), and
  siblings merge by taking, slot by slot, the larger value; the field reads as the sum. Two
  racing ``+1`` therefore give ``+2`` — exact, whatever order the siblings arrive in. This is
  the G-counter of Shapiro et al., "Conflict-free Replicated Data Types" (SSS 2011), §3.1.
* Every other field follows ``merge_concurrent_versions``' policy below.

Everything here is pure: no I/O, same answer for any order of the inputs.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeAlias

from arena.crm.profiles import IndexValue, IndexValues, ProfileData

# Fields whose name ends like this and that hold integers are counters.
COUNTER_SUFFIX = "_count"
# The slot of counts written without per-writer slots (by an older Arena or another client):
# they merge by maximum, as counters did before slots existed.
UNATTRIBUTED_WRITER = "~"

# One writer's contribution to one counter: (total added, total removed), both only ever grow.
Slot: TypeAlias = tuple[int, int]
# Counter path (a JSON list of field names, as text) -> writer -> slot.
CounterState: TypeAlias = dict[str, dict[str, Slot]]


@dataclass(frozen=True)
class ProfileSnapshot:
    """The content of one concurrent version (a Riak sibling) before it is merged with the others.

    ``counters`` holds the per-writer slots of the document's counters; ``data`` holds their
    sums, so that the document reads the same with or without them.
    """

    data: ProfileData
    indexes: dict[str, IndexValues] = field(default_factory=dict)
    updated_at: datetime = datetime(1970, 1, 1, tzinfo=UTC)
    counters: CounterState = field(default_factory=dict)


# --- counters --------------------------------------------------------------------------------


def _is_counter_value(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _counter_paths(data: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[
    tuple[tuple[str, ...], int]
]:
    for name, value in data.items():
        if isinstance(value, Mapping):
            yield from _counter_paths(value, (*prefix, name))
        elif name.endswith(COUNTER_SUFFIX) and _is_counter_value(value):
            yield (*prefix, name), value


def path_key(path: Sequence[str]) -> str:
    """A counter's path as one text key (field names may hold any character, dots included)."""
    return json.dumps(list(path), ensure_ascii=False)


def counter_fields(data: Mapping[str, Any]) -> dict[str, int]:
    """Every counter of a document (integer ``*_count`` fields in nested objects) by path key."""
    return {path_key(path): value for path, value in _counter_paths(data)}


def counter_total(slots: Mapping[str, Slot]) -> int:
    return sum(added - removed for added, removed in slots.values())


def _unattributed(value: int) -> Slot:
    return (value, 0) if value >= 0 else (0, -value)


def attributed_counters(counters: CounterState, data: Mapping[str, Any]) -> CounterState:
    """``counters`` plus a slot for every counter of ``data`` that has none (older documents)."""
    state = {key: dict(slots) for key, slots in counters.items()}
    for key, value in counter_fields(data).items():
        if key not in state:
            state[key] = {UNATTRIBUTED_WRITER: _unattributed(value)}
    return state


def counters_after_write(
    base: CounterState, base_data: Mapping[str, Any], new_data: Mapping[str, Any], writer: str
) -> CounterState:
    """The counter slots of ``new_data``, written by ``writer`` over the version it read.

    Whatever a counter moved by since ``base`` is added to the writer's own slot, so that a
    concurrent version written by someone else, which cannot touch that slot, merges with this
    one without losing either change. Counters absent from ``new_data`` are dropped.
    """
    known = attributed_counters(base, base_data)
    state: CounterState = {}
    for key, value in counter_fields(new_data).items():
        slots = dict(known.get(key, {}))
        delta = value - counter_total(slots)
        if delta:
            added, removed = slots.get(writer, (0, 0))
            slots[writer] = (added + max(delta, 0), removed + max(-delta, 0))
        state[key] = slots
    return state


def merge_counters(states: Sequence[CounterState]) -> CounterState:
    """Slot by slot maximum: each slot only grows, so the largest value seen is the latest."""
    merged: CounterState = {}
    for state in states:
        for key, slots in state.items():
            target = merged.setdefault(key, {})
            for writer, (added, removed) in slots.items():
                old_added, old_removed = target.get(writer, (0, 0))
                target[writer] = (max(old_added, added), max(old_removed, removed))
    return merged


def _set_path(data: dict[str, Any], path: Sequence[str], value: int) -> bool:
    """Set ``data[path] = value`` when the path leads to an integer; False when it does not."""
    node: Any = data
    for name in path[:-1]:
        node = node.get(name) if isinstance(node, dict) else None
    if not isinstance(node, dict) or not _is_counter_value(node.get(path[-1])):
        return False
    node[path[-1]] = value
    return True


def settle_counters(data: ProfileData, counters: CounterState) -> CounterState:
    """Write each counter's sum into ``data`` (in place); keep only the counters ``data`` holds."""
    kept: CounterState = {}
    for key, slots in sorted(counters.items()):
        if _set_path(data, json.loads(key), counter_total(slots)):
            kept[key] = dict(sorted(slots.items()))
    return kept


# --- the merge policy ------------------------------------------------------------------------


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _merge_lists(older: list[Any], newer: list[Any]) -> list[Any]:
    merged = list(older)
    seen = {_canonical(item) for item in older}
    for item in newer:
        if _canonical(item) not in seen:
            seen.add(_canonical(item))
            merged.append(item)
    return merged


def _merge_field(name: str, older: Any, newer: Any) -> Any:
    if isinstance(older, dict) and isinstance(newer, dict):
        return _merge_objects(older, newer)
    if isinstance(older, list) and isinstance(newer, list):
        return _merge_lists(older, newer)
    if name.endswith(COUNTER_SUFFIX) and _is_number(older) and _is_number(newer):
        return max(older, newer)  # replaced by the exact sum when both are slotted counters
    return newer


def _merge_objects(older: Mapping[str, Any], newer: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(older)
    for name, value in newer.items():
        merged[name] = _merge_field(name, older[name], value) if name in older else value
    return merged


def merge_concurrent_versions(versions: Sequence[ProfileSnapshot]) -> ProfileSnapshot:
    """One document from concurrent versions, without silently dropping any of them.

    Policy: counters (integer ``*_count`` fields) add up every writer's changes exactly (see the
    module docstring); otherwise the union of fields, where versions disagree nested objects
    merge field by field, lists are unioned (order of first appearance), non-integer
    ``*_count`` numbers take the maximum, and any other value comes from the version with the
    latest ``updated_at``. Index values are unioned so the customer stays findable under each.
    The result does not depend on the order in which versions arrive (ties on ``updated_at``
    are broken by content).
    """
    if not versions:
        raise ValueError("there is nothing to merge")
    ordered = sorted(
        versions, key=lambda v: (v.updated_at, _canonical(v.data), _canonical(v.counters))
    )
    data: dict[str, Any] = {}
    indexes: dict[str, set[IndexValue]] = {}
    for version in ordered:
        data = _merge_objects(data, version.data)
        for name, values in version.indexes.items():
            indexes.setdefault(name, set()).update(values)
    counters = merge_counters([attributed_counters(v.counters, v.data) for v in ordered])
    data = copy.deepcopy(data)  # nested objects may still be the versions' own
    return ProfileSnapshot(
        data=data,
        indexes={name: tuple(sorted(values)) for name, values in sorted(indexes.items())},  # type: ignore[misc]
        updated_at=ordered[-1].updated_at,
        counters=settle_counters(data, counters),
    )
