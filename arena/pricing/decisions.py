"""What accepting, tweaking or rejecting a recommendation writes to the event's price history.

Semantics (docs/pricing.md): every decision appends one version, one price per category and
selling day, the recommended price kept beside the chosen one. *Accepted* saves the
recommendation, *tweaked* the edited prices, *rejected* records the recommendation itself (what was
turned down) and puts no price in force.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from arena.pricing.ports import PRICE_ACTIONS, PriceChange, PricingRepository
from arena.pricing.what_if import EventSetup, schedule_from_table
from arena.pricing.workspace import PricingWorkspace


def decision_changes(setup: EventSetup, action: str, schedule: np.ndarray) -> list[PriceChange]:
    """The rows of one decision on ``schedule`` (days x categories)."""
    if action not in PRICE_ACTIONS:
        raise ValueError(f"unknown decision {action!r}: one of {', '.join(PRICE_ACTIONS)}")
    recommended = setup.recommendation.as_matrix() if setup.recommendation is not None else None
    if action == "rejected" and recommended is not None:
        schedule = recommended  # what was rejected is the recommendation itself
    return [
        PriceChange(category, float(schedule[t, c]), int(day),
                    None if recommended is None else float(recommended[t, c]))
        for t, day in enumerate(setup.days) for c, category in enumerate(setup.categories)
    ]


def record_decision(
    repository: PricingRepository,
    work: PricingWorkspace,
    setup: EventSetup,
    action: str,
    table: pd.DataFrame,
    note: str | None,
    decided_by: str | None,
) -> int:
    """Append the decision on an edited categories x periods ``table``; returns its version."""
    changes = decision_changes(setup, action, schedule_from_table(setup, table))
    return repository.record_decision(work.organization, setup.event_id, action, changes,
                                      decided_by=decided_by, note=note or None)


def price_versions(history: pd.DataFrame) -> pd.DataFrame:
    """Saved versions, one row per version x category (the first day's price shown)."""
    if history.empty:
        return history
    first = history.sort_values("days_before", ascending=False, na_position="first")
    return first.groupby(["version", "category"], as_index=False).first().sort_values(
        ["version", "category"], ascending=[False, True])[
        ["version", "decided_at", "decided_by", "action", "category", "price",
         "recommended_price", "note"]]
