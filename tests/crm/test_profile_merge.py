"""The sibling merge policy: counters add every writer's changes exactly, the rest by rule, and the
result never depends on the order in which siblings arrive."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arena.crm.profile_merge import (
    ProfileSnapshot,
    counter_fields,
    counters_after_write,
    merge_concurrent_versions,
)

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
OPENS = '["opens_count"]'


def written(base: ProfileSnapshot, data: dict, writer: str, at: datetime = T0) -> ProfileSnapshot:
    """What a writer stores after reading ``base`` and changing its data to ``data``."""
    return ProfileSnapshot(data, {}, at, counters_after_write(base.counters, base.data, data, writer))


def test_two_racing_increments_from_two_writers_both_count() -> None:
    base = written(ProfileSnapshot({}), {"opens_count": 5}, "a")

    left = written(base, {"opens_count": 6}, "a")
    right = written(base, {"opens_count": 6}, "b")

    assert merge_concurrent_versions([left, right]).data == {"opens_count": 7}


def test_a_decrement_racing_an_increment_gives_their_sum() -> None:
    base = written(ProfileSnapshot({}), {"seats_count": 10}, "a")

    merged = merge_concurrent_versions(
        [written(base, {"seats_count": 7}, "a"), written(base, {"seats_count": 12}, "b")]
    )

    assert merged.data == {"seats_count": 9}


def test_counters_in_nested_objects_are_counted_exactly_too() -> None:
    base = written(ProfileSnapshot({}), {"emails": {"opens_count": 1, "last": "x"}}, "a")

    merged = merge_concurrent_versions([
        written(base, {"emails": {"opens_count": 2, "last": "y"}}, "a", T0),
        written(base, {"emails": {"opens_count": 4, "last": "z"}}, "b", T0 + timedelta(seconds=1)),
    ])

    assert merged.data == {"emails": {"opens_count": 5, "last": "z"}}


def test_merging_a_merge_again_changes_nothing() -> None:
    base = written(ProfileSnapshot({}), {"opens_count": 1}, "a")
    siblings = [written(base, {"opens_count": 2}, "a"), written(base, {"opens_count": 3}, "b")]
    merged = merge_concurrent_versions(siblings)

    again = merge_concurrent_versions([merged, *siblings])

    assert again.data == merged.data == {"opens_count": 4}
    assert again.counters == merged.counters


def test_a_counter_written_by_an_older_arena_or_another_client_is_not_counted_twice() -> None:
    legacy = ProfileSnapshot({"opens_count": 5}, {}, T0)  # no per-writer slots
    slotted = written(legacy, {"opens_count": 6}, "a")
    other_client = ProfileSnapshot({"opens_count": 6}, {}, T0)  # +1 written without slots

    assert merge_concurrent_versions([slotted, other_client]).data == {"opens_count": 7}
    assert merge_concurrent_versions([legacy, slotted]).data == {"opens_count": 6}


def test_a_counter_replaced_by_text_stops_being_a_counter() -> None:
    base = written(ProfileSnapshot({}), {"opens_count": 3}, "a")
    replaced = written(base, {"opens_count": "many"}, "a", T0 + timedelta(seconds=1))

    assert replaced.counters == {}
    assert merge_concurrent_versions([replaced]).data == {"opens_count": "many"}


def test_only_integer_count_fields_are_counters() -> None:
    data = {"opens_count": 3, "ratio_count": 0.5, "vip_count": True, "opens": 2, "x": {"a_count": 1}}

    assert counter_fields(data) == {OPENS: 3, '["x", "a_count"]': 1}


def test_merging_does_not_depend_on_the_order_siblings_arrive_in() -> None:
    base = written(ProfileSnapshot({}), {"calls_count": 1}, "a")
    versions = [
        ProfileSnapshot({"tier": "gold", "tags": ["a"], "calls_count": 2}, {"x_bin": ("a",)}, T0),
        ProfileSnapshot({"tier": "silver", "tags": ["b"]}, {"x_bin": ("b",)}, T0),
        ProfileSnapshot({"tags": ["c", "a"], "calls_count": 1}, {}, T0 + timedelta(seconds=1)),
        written(base, {"calls_count": 4}, "b"),
    ]

    results = {
        json.dumps(merge_concurrent_versions(list(order)).data, sort_keys=True)
        for order in itertools.permutations(versions)
    }

    assert len(results) == 1


@given(st.lists(st.tuples(st.sampled_from("abc"), st.integers(-3, 5)), min_size=1, max_size=8))
def test_any_number_of_racing_writers_merge_to_the_exact_sum(changes: list) -> None:
    base = written(ProfileSnapshot({}), {"opens_count": 10}, "z")
    # Each change is one writer's update over the same base, racing all the others; a writer
    # that updates twice builds on its own previous version (it reads its own write).
    latest: dict[str, ProfileSnapshot] = {}
    for writer, delta in changes:
        own = latest.get(writer, base)
        latest[writer] = written(own, {"opens_count": own.data["opens_count"] + delta}, writer)

    merged = merge_concurrent_versions(list(latest.values()))

    assert merged.data == {"opens_count": 10 + sum(delta for _, delta in changes)}


def test_merging_keeps_the_latest_value_the_highest_counter_and_every_list_item() -> None:
    older = ProfileSnapshot(
        {"tier": "gold", "calls_count": 7, "tags": ["a"], "prefs": {"sms": True, "lang": "fr"}},
        {"tier_bin": ("gold",)},
        T0,
    )
    newer = ProfileSnapshot(
        {"tier": "silver", "calls_count": 4, "tags": ["b"], "prefs": {"lang": "en"}},
        {"tier_bin": ("silver",)},
        T0 + timedelta(hours=1),
    )

    merged = merge_concurrent_versions([newer, older])

    # Neither version has per-writer slots (an older Arena): counters merge by maximum.
    assert merged.data == {
        "tier": "silver",
        "calls_count": 7,
        "tags": ["a", "b"],
        "prefs": {"sms": True, "lang": "en"},
    }
    assert merged.indexes == {"tier_bin": ("gold", "silver")}
    assert merged.updated_at == T0 + timedelta(hours=1)


def test_merging_leaves_the_versions_it_was_given_untouched() -> None:
    base = written(ProfileSnapshot({}), {"stats": {"opens_count": 1}}, "a")
    left = written(base, {"stats": {"opens_count": 2}}, "a")
    right = written(base, {"stats": {"opens_count": 2}}, "b")

    merge_concurrent_versions([left, right])

    assert left.data == right.data == {"stats": {"opens_count": 2}}


def test_merging_nothing_is_an_error() -> None:
    with pytest.raises(ValueError):
        merge_concurrent_versions([])
