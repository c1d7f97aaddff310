"""The import's index of keys it has met: exact answers, whatever the hashes do."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from arena.storage.key_index import KeyIndex


def _by_length(keys: pa.Array) -> np.ndarray:
    """A deliberately terrible hash: every key of one length collides."""
    return np.array([len(k or "") for k in keys.to_pylist()], dtype=np.uint64)


def test_keys_get_positions_in_the_order_they_are_added() -> None:
    index = KeyIndex()
    assert list(index.add(pa.array(["b@x.fr", "a@x.fr"]))) == [0, 1]
    assert list(index.add(pa.array(["c@x.fr"]))) == [2]
    found = index.lookup(pa.array(["c@x.fr", "zz", None, "b@x.fr", "a@x.fr", "b@x.fr"]))
    assert list(found) == [2, -1, -1, 0, 1, 0]
    assert len(index) == 3


def test_colliding_hashes_never_mix_up_keys() -> None:
    index = KeyIndex(hash_function=_by_length)
    index.add(pa.array(["C001", "C002", "C003"]))
    index.add(pa.array(["C004", "AB"]))
    found = index.lookup(pa.array(["C003", "C004", "C005", "AB", "CD", "C001"]))
    assert list(found) == [2, 3, -1, 4, -1, 0]


def test_a_null_key_cannot_be_added() -> None:
    index = KeyIndex()
    try:
        index.add(pa.array(["a", None]))
    except ValueError:
        return
    raise AssertionError("a null key was accepted")


@settings(max_examples=60, deadline=None)
@given(
    batches=st.lists(st.lists(st.text(max_size=6), max_size=20), max_size=12),
    probes=st.lists(st.text(max_size=6), max_size=30),
    collide=st.booleans(),
)
def test_the_index_answers_like_a_dict(
    batches: list[list[str]], probes: list[str], collide: bool
) -> None:
    index = KeyIndex(hash_function=_by_length) if collide else KeyIndex()
    expected: dict[str, int] = {}
    for batch in batches:
        fresh = [k for k in dict.fromkeys(batch) if k not in expected]
        for key, position in zip(fresh, index.add(pa.array(fresh, type=pa.string())), strict=True):
            expected[key] = int(position)
        assert list(index.lookup(pa.array(probes, type=pa.string()))) == [
            expected.get(p, -1) for p in probes
        ]
    assert sorted(expected.values()) == list(range(len(expected)))
