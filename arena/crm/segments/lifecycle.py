"""Lifecycle segments per season: new, returning, active, reactivated, lapsed.

The arts sector's usual audience typology, made exact. For a season ``s`` and a customer whose
first season in the data is ``f``:

- **new**: bought in ``s``, and ``s`` is their first season (``f = s``);
- **returning**: bought in ``s`` and in the season before, which was their first (second season
  in a row: a new customer kept);
- **active**: bought in ``s`` and in the season before, and already before that (kept again);
- **reactivated**: bought in ``s``, not in the season before, but in some earlier season (won back);
- **lapsed**: did not buy in ``s`` but did in an earlier season (``seasons_since_last`` says how
  many seasons ago: 1 = just lapsed).

Customers whose first season is after ``s`` do not appear in ``s``. "Bought" means a ticket or a
season ticket in that season (the customer x season frame the database builds). The first season
of the data has only new customers: earlier history is unknown (``censored_season``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from arena.crm.analysis.profile_frame import CUSTOMER_ID, require_columns, season_order


class Lifecycle(StrEnum):
    NEW = "new"
    RETURNING = "returning"
    ACTIVE = "active"
    REACTIVATED = "reactivated"
    LAPSED = "lapsed"


_ORDER = list(Lifecycle)
_NOT_YET = -1


@dataclass(frozen=True)
class LifecycleResult:
    """One row per customer and season from their first season on, and the counts."""

    assignments: pd.DataFrame  # customer_id, season, lifecycle, seasons_since_last
    counts: pd.DataFrame  # seasons x lifecycle codes, customers
    seasons: tuple[str, ...]  # in time order
    censored_season: str  # the first season: everyone in it looks new


def lifecycle_segments(
    customer_seasons: pd.DataFrame,
    seasons: list[str] | None = None,
    only: list[str] | None = None,
) -> LifecycleResult:
    """Lifecycle of every customer in every season (or only the seasons in ``only``).

    ``seasons`` fixes the order and may include seasons without any buyer (a cancelled season
    still counts as missed); by default the seasons present, sorted."""
    require_columns(customer_seasons, (CUSTOMER_ID, "season"), "lifecycle segments")
    order = list(seasons) if seasons else season_order(customer_seasons["season"])
    if not order:
        raise ValueError("lifecycle segments need at least one season")
    position = {season: index for index, season in enumerate(order)}
    labels_seen, label_codes = _distinct_seasons(customer_seasons["season"])
    unknown = sorted(set(labels_seen) - set(order))
    if unknown:
        raise ValueError(f"seasons not in the given order: {', '.join(unknown)}")
    season_index = np.array([position[label] for label in labels_seen], dtype=np.int64)[label_codes]
    customer_codes, customers = pd.factorize(customer_seasons[CUSTOMER_ID])
    present = np.zeros((len(customers), len(order)), dtype=bool)
    present[customer_codes, season_index] = True

    columns = np.arange(len(order))
    first = present.argmax(axis=1)
    last_present = np.maximum.accumulate(np.where(present, columns, -1), axis=1)
    before = np.zeros_like(present)
    before[:, 1:] = present[:, :-1]
    known = columns[None, :] >= first[:, None]
    first_col = first[:, None]
    codes = np.full(present.shape, _NOT_YET, dtype=np.int8)
    codes[present & (columns[None, :] == first_col)] = _ORDER.index(Lifecycle.NEW)
    codes[present & before & (first_col == columns[None, :] - 1)] = _ORDER.index(Lifecycle.RETURNING)
    codes[present & before & (first_col < columns[None, :] - 1)] = _ORDER.index(Lifecycle.ACTIVE)
    codes[present & ~before & (first_col < columns[None, :])] = _ORDER.index(Lifecycle.REACTIVATED)
    codes[~present & known] = _ORDER.index(Lifecycle.LAPSED)
    since_last = np.where(present, 0, columns[None, :] - last_present)

    wanted = columns if only is None else np.array([position[season] for season in only])
    rows, cols = np.nonzero(codes[:, wanted] != _NOT_YET)
    cols = wanted[cols]
    labels = np.array([segment.value for segment in _ORDER], dtype=object)
    assignments = pd.DataFrame(
        {
            CUSTOMER_ID: np.asarray(customers)[rows],
            "season": np.array(order, dtype=object)[cols],
            "lifecycle": labels[codes[rows, cols]],
            "seasons_since_last": since_last[rows, cols].astype(np.int64),
        }
    )
    counts = pd.DataFrame(
        [
            np.bincount(codes[:, col][codes[:, col] != _NOT_YET], minlength=len(_ORDER))
            for col in wanted
        ],
        index=pd.Index([order[col] for col in wanted], name="season"),
        columns=pd.Index(labels, name="lifecycle"),
    )
    return LifecycleResult(assignments, counts, tuple(order), order[0])


def _distinct_seasons(seasons: pd.Series) -> tuple[list[str], np.ndarray]:
    """The distinct season labels (as text) and each row's index among them, in one pass."""
    codes, distinct = pd.factorize(seasons)
    if (codes < 0).any():
        raise ValueError("a customer x season row has no season")
    return [str(label) for label in distinct], codes
