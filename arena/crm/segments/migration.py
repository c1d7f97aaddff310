"""Segment migration: where the customers of each segment in one season are in the next.

A matrix of counts from segment A (rows, the earlier season) to segment B (columns, the later
one). Customers present in only one of the two get the ``NOT_SEGMENTED`` row or column: the
arrivals and departures a marketer asks about first.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from arena.crm.analysis.profile_frame import CUSTOMER_ID, require_columns

NOT_SEGMENTED = "__none__"


@dataclass(frozen=True)
class Migration:
    """Counts and row shares (of each earlier segment, where its customers went)."""

    from_label: str
    to_label: str
    counts: pd.DataFrame  # earlier segment x later segment
    row_shares: pd.DataFrame  # each row sums to 1
    stayed: int  # customers in the same segment in both
    moved: int  # in both, in different segments


def migration_matrix(
    before: pd.Series,
    after: pd.Series,
    *,
    from_label: str = "before",
    to_label: str = "after",
    order: list[str] | None = None,
) -> Migration:
    """Counts from each segment in ``before`` to each in ``after`` (both: segment per customer,
    indexed by customer id). ``order`` fixes the order of segments (default: sorted)."""
    if before.index.has_duplicates or after.index.has_duplicates:
        raise ValueError("each customer must have one segment per period")
    joined = pd.concat(
        [before.astype("string").rename("from"), after.astype("string").rename("to")],
        axis=1, join="outer",
    ).fillna(NOT_SEGMENTED)
    counts = pd.crosstab(joined["from"], joined["to"])
    labels = order or sorted(
        (set(counts.index) | set(counts.columns)) - {NOT_SEGMENTED}
    )
    rows = [*labels, NOT_SEGMENTED] if (joined["from"] == NOT_SEGMENTED).any() else list(labels)
    columns = [*labels, NOT_SEGMENTED] if (joined["to"] == NOT_SEGMENTED).any() else list(labels)
    counts = counts.reindex(index=rows, columns=columns, fill_value=0).astype("int64")
    counts.index.name, counts.columns.name = from_label, to_label
    sums = counts.sum(axis=1).replace(0, 1)
    both = (joined["from"] != NOT_SEGMENTED) & (joined["to"] != NOT_SEGMENTED)
    stayed = int((both & (joined["from"] == joined["to"])).sum())
    return Migration(
        from_label=from_label,
        to_label=to_label,
        counts=counts,
        row_shares=counts.div(sums, axis=0),
        stayed=stayed,
        moved=int(both.sum()) - stayed,
    )


def migration_between_seasons(
    assignments: pd.DataFrame,
    from_season: str,
    to_season: str,
    *,
    segment_column: str = "segment",
    order: list[str] | None = None,
) -> Migration:
    """Migration from a long frame (customer_id, season, segment) of per-season segments, such
    as lifecycle assignments (``segment_column="lifecycle"``) or RFM scored season by season."""
    require_columns(assignments, (CUSTOMER_ID, "season", segment_column), "segment migration")

    def of(season: str) -> pd.Series:
        rows = assignments[assignments["season"].astype(str) == season]
        return rows.set_index(CUSTOMER_ID)[segment_column]

    return migration_matrix(
        of(from_season), of(to_season), from_label=from_season, to_label=to_season, order=order
    )
