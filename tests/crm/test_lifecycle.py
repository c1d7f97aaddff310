"""Lifecycle per season and migration between seasons follow their written definitions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from arena.crm.segments import (
    NOT_SEGMENTED,
    Lifecycle,
    lifecycle_segments,
    migration_between_seasons,
    migration_matrix,
)

SEASONS = ["2020-2021", "2021-2022", "2022-2023", "2023-2024"]


def _rows(history: dict[str, list[int]]) -> pd.DataFrame:
    """customer -> indexes of the seasons they bought in."""
    return pd.DataFrame(
        [(customer, SEASONS[i]) for customer, seasons in history.items() for i in seasons],
        columns=["customer_id", "season"],
    )


def test_each_customer_gets_the_lifecycle_of_the_typology() -> None:
    history = {
        "always": [0, 1, 2, 3],
        "second_season": [2, 3],
        "won_back": [0, 3],
        "gone": [0, 1],
        "newcomer": [3],
    }
    result = lifecycle_segments(_rows(history))
    table = result.assignments.pivot(index="customer_id", columns="season", values="lifecycle")
    assert table.loc["always"].tolist() == ["new", "returning", "active", "active"]
    assert table.loc["second_season", SEASONS[2:]].tolist() == ["new", "returning"]
    assert table.loc["won_back"].tolist() == ["new", "lapsed", "lapsed", "reactivated"]
    assert table.loc["gone"].tolist() == ["new", "returning", "lapsed", "lapsed"]
    assert table.loc["newcomer", SEASONS[3]] == "new"
    assert table.loc["newcomer", SEASONS[:3]].isna().all()  # unknown before their first season
    lapsed = result.assignments.set_index(["customer_id", "season"])["seasons_since_last"]
    assert lapsed[("gone", SEASONS[3])] == 2 and lapsed[("gone", SEASONS[2])] == 1
    assert result.censored_season == SEASONS[0]
    assert result.counts.loc[SEASONS[3]].to_dict() == {
        "new": 1, "returning": 1, "active": 1, "reactivated": 1, "lapsed": 1}


def test_a_season_without_any_buyer_still_counts_as_missed() -> None:
    rows = _rows({"a": [0, 2]})
    rows = rows[rows["season"] != SEASONS[1]]
    result = lifecycle_segments(rows, seasons=SEASONS[:3])
    assert result.assignments["lifecycle"].tolist() == ["new", "lapsed", "reactivated"]


def test_lifecycle_matches_a_per_customer_reference_on_random_histories() -> None:
    rng = np.random.default_rng(3)
    present = rng.random((400, len(SEASONS))) < 0.5
    history = {c: list(np.flatnonzero(present[c])) for c in range(400) if present[c].any()}
    result = lifecycle_segments(_rows(history))
    got = result.assignments.set_index(["customer_id", "season"])["lifecycle"]
    for customer, seasons in history.items():
        first = seasons[0]
        for s in range(first, len(SEASONS)):
            now, before = s in seasons, (s - 1) in seasons
            if now and s == first:
                expected = Lifecycle.NEW
            elif now and before:
                expected = Lifecycle.RETURNING if s - 1 == first else Lifecycle.ACTIVE
            elif now:
                expected = Lifecycle.REACTIVATED
            else:
                expected = Lifecycle.LAPSED
            assert got[(customer, SEASONS[s])] == expected.value


def test_unknown_seasons_are_refused() -> None:
    with pytest.raises(ValueError, match="2019-2020"):
        lifecycle_segments(_rows({"a": [0]}).assign(season="2019-2020"), seasons=SEASONS)


def test_migration_counts_where_each_segment_went_with_arrivals_and_departures() -> None:
    before = pd.Series({1: "loyal", 2: "loyal", 3: "at_risk", 4: "new"})
    after = pd.Series({1: "loyal", 2: "at_risk", 3: "lost", 5: "new"})
    migration = migration_matrix(before, after, order=["new", "loyal", "at_risk", "lost"])
    counts = migration.counts
    assert counts.loc["loyal", "loyal"] == 1 and counts.loc["loyal", "at_risk"] == 1
    assert counts.loc["at_risk", "lost"] == 1
    assert counts.loc["new", NOT_SEGMENTED] == 1  # customer 4 left
    assert counts.loc[NOT_SEGMENTED, "new"] == 1  # customer 5 arrived
    assert counts.to_numpy().sum() == 5
    assert migration.row_shares.loc["loyal"].sum() == pytest.approx(1.0)
    assert (migration.stayed, migration.moved) == (1, 2)


def test_lifecycle_migration_between_two_seasons() -> None:
    result = lifecycle_segments(_rows({"a": [0, 1, 2], "b": [0, 2], "c": [1], "d": [2]}))
    migration = migration_between_seasons(
        result.assignments, SEASONS[1], SEASONS[2], segment_column="lifecycle",
        order=[segment.value for segment in Lifecycle],
    )
    counts = migration.counts
    assert counts.loc["returning", "active"] == 1  # a
    assert counts.loc["lapsed", "reactivated"] == 1  # b
    assert counts.loc["new", "lapsed"] == 1  # c
    assert counts.loc[NOT_SEGMENTED, "new"] == 1  # d
