"""The venue's pricing rules for one event: from a rules file, or learnt loosely from its history.

The CLI (with or without ``--rules``) and the simulator page assemble rules here, so an event
priced from the command line and on screen obeys the same floors, ceilings and steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from arena.pricing.history import SalesHistory
from arena.pricing.optimizer import InfeasibleRulesError, PricingRules


def default_rules(history: SalesHistory, horizon_days: int | None = None) -> PricingRules:
    """Loose but sane rules from history: half the lowest to twice the highest price seen,
    ordered categories, steps of at most 10 % of the category's median price per day."""
    grouped = history.sales.groupby("category")["price"]
    order = list(history.categories)
    low = grouped.min().reindex(order).to_numpy(float)
    high = grouped.max().reindex(order).to_numpy(float)
    median = grouped.median().reindex(order).to_numpy(float)
    return PricingRules(
        categories=tuple(order),
        pmin=np.round(low * 0.5, 2),
        pmax=np.round(high * 2.0, 2),
        max_daily_step=np.round(median * 0.1, 2),
        min_ratio=1.0,
        monotone="none",
        horizon_days=history.horizon_days if horizon_days is None else horizon_days,
    )


def event_rules(
    history: SalesHistory,
    offer: pd.DataFrame,
    event_id: str,
    horizon_days: int | None = None,
    config: Mapping[str, Any] | None = None,
) -> PricingRules:
    """One event's rules: the rules file ``config`` overridden by the event's ``offer`` rows
    (pmin, pmax, max_daily_step, season_ticket_price columns when present); without a file,
    :func:`default_rules` with the season ticket's per-event price as an extra floor (dropped,
    rather than failing, when no price could then satisfy the ratios)."""
    own = offer[offer["event_id"].astype(str) == str(event_id)]
    if config is not None:
        rules = PricingRules.from_config(config, own, history.categories)
        return rules if horizon_days is None else replace(rules, horizon_days=horizon_days)
    loose = default_rules(history, horizon_days)
    if "season_ticket_price" not in own.columns:
        return loose
    season = own.set_index(own["category"].astype(str))["season_ticket_price"].reindex(
        list(loose.categories)).fillna(0.0).to_numpy(dtype=float)
    try:
        return replace(loose, season_ticket_price=np.minimum(season, loose.pmax))
    except InfeasibleRulesError:
        return loose
