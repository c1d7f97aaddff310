"""Exact, vectorized lookup of string keys met during one import.

An import must know, chunk after chunk, which customers and orders it has already written, for
files of any size. A Python dict of a million keys costs about 130 bytes per key and one Python
call per lookup; this index keeps a 64-bit hash, a position and the key's bytes (about 30 bytes
per key), and answers a whole chunk with numpy binary searches. Hashes only find candidates:
every hit is confirmed by comparing the keys themselves, so a hash collision can never attach a
row to the wrong customer or order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

HashFunction = Callable[[pa.Array], np.ndarray]


def hash_keys(keys: pa.Array) -> np.ndarray:
    """64-bit hashes of string keys (nulls hash like the empty string; callers mask them)."""
    values = keys.fill_null("").to_numpy(zero_copy_only=False)
    return pd.util.hash_array(values.astype(object), categorize=False)


@dataclass
class _Run:
    """Keys sorted by hash, with the position each was given when added."""

    hashes: np.ndarray
    positions: np.ndarray
    keys: pa.Array


class KeyIndex:
    """Positions 0, 1, 2… given to distinct string keys in the order they are added.

    Sorted runs are merged when a newer one grows to half the size of the one before (as in a
    log-structured merge), so adding n keys costs O(n log n) in all and a lookup searches at most
    log2(n) runs."""

    def __init__(self, hash_function: HashFunction = hash_keys) -> None:
        self._hash = hash_function
        self._runs: list[_Run] = []
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def lookup(self, keys: pa.Array) -> np.ndarray:
        """The position of each key, -1 where the key is null or was never added."""
        keys = _strings(keys)
        found = np.full(len(keys), -1, dtype=np.int64)
        if not self._size or not len(keys):
            return found
        hashes = self._hash(keys)
        valid = ~keys.is_null().to_numpy(zero_copy_only=False)
        for run in self._runs:
            start = np.searchsorted(run.hashes, hashes, side="left")
            inside = np.minimum(start, len(run.hashes) - 1)
            candidate = valid & (found < 0) & (start < len(run.hashes))
            candidate &= run.hashes[inside] == hashes
            rows = np.flatnonzero(candidate)
            if not len(rows):
                continue
            at = inside[rows]
            same = pc.equal(keys.take(rows), run.keys.take(at))
            same = same.fill_null(False).to_numpy(zero_copy_only=False)
            found[rows[same]] = run.positions[at[same]]
            for row, first in zip(rows[~same], at[~same], strict=True):
                found[row] = _scan_collisions(run, first, hashes[row], keys[row].as_py())
        return found

    def add(self, keys: pa.Array) -> np.ndarray:
        """Give the next positions to keys that are distinct, not null and not yet added."""
        keys = _strings(keys)
        positions = np.arange(self._size, self._size + len(keys), dtype=np.int64)
        if not len(keys):
            return positions
        if keys.null_count:
            raise ValueError("a null key cannot be indexed")
        self._size += len(keys)
        hashes = self._hash(keys)
        order = np.argsort(hashes, kind="stable")
        self._runs.append(_Run(hashes[order], positions[order], keys.take(pa.array(order))))
        while len(self._runs) > 1 and len(self._runs[-1].hashes) * 2 >= len(self._runs[-2].hashes):
            newer = self._runs.pop()
            older = self._runs.pop()
            hashes = np.concatenate([older.hashes, newer.hashes])
            order = np.argsort(hashes, kind="stable")
            self._runs.append(
                _Run(
                    hashes[order],
                    np.concatenate([older.positions, newer.positions])[order],
                    pa.concat_arrays([older.keys, newer.keys]).take(pa.array(order)),
                )
            )
        return positions


def _scan_collisions(run: _Run, first: int, hashed: np.uint64, key: str) -> int:
    """A different key shares this hash: look through every key of the run with that hash."""
    at = first
    while at < len(run.hashes) and run.hashes[at] == hashed:
        if run.keys[at].as_py() == key:
            return int(run.positions[at])
        at += 1
    return -1


def _strings(keys: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(keys, pa.ChunkedArray):
        keys = keys.combine_chunks()
    return keys if keys.type == pa.string() else keys.cast(pa.string())
