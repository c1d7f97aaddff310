"""Per-holder reasons: the features that move one holder's renewal score most, as codes + facts.

A reason is a code (``attendance``, ``tenure``, ``price_change``...), the facts behind it (4
matches attended of 19, 85 km) and its effect in log-odds (positive: raises the chance of
renewing). Words come later, from ``wording`` (and gettext in the UI).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

MIN_EFFECT = 0.05  # log-odds: smaller pushes are not worth a sentence
FACT_COLUMNS = ("events_attended", "events_counted", "events_included", "tenure", "price",
                "price_change", "price_level", "distance_km", "age", "gender", "category",
                "category_changed", "previous_category", "single_tickets", "group_size",
                "renewal_rank")

# Feature (model input) -> reason code.
REASON_CODES = {
    "tenure": "tenure",
    "attendance_rate": "attendance",
    "price": "price",
    "price_change": "price_change",
    "price_level": "price_level",
    "distance_km": "distance",
    "age": "age",
    "gender_female": "gender",
    "category": "category",
    "category_changed": "category_change",
    "single_tickets": "single_tickets",
    "group_size": "group",
    "renewal_rank": "renewal_timing",
}


@dataclass(frozen=True)
class Reason:
    """One reason: ``code``, ``effect`` (+1 raises, -1 lowers the chance), ``contribution``
    (log-odds) and ``values`` (the facts the sentence quotes; ``known`` False when the data
    lacked the value, e.g. attendance not recorded)."""

    code: str
    effect: int
    contribution: float
    values: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "effect": self.effect,
                "contribution": round(self.contribution, 4), "values": self.values}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reason:
        return cls(data["code"], int(data["effect"]), float(data["contribution"]),
                   dict(data.get("values") or {}))


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _facts(feature: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """The values a sentence about ``feature`` quotes, read from one holder's row."""
    def number(column: str) -> float | None:
        return _number(row.get(column))

    if feature == "attendance_rate":
        attended, counted = number("events_attended"), number("events_counted")
        if attended is None or counted is None or counted <= 0:
            return {"known": False}
        included = number("events_included")
        return {"known": True, "attended": int(attended), "events": int(counted),
                "season_complete": included is None or counted >= included}
    if feature == "tenure":
        return {"known": True, "seasons": int(number("tenure") or 1)}
    if feature == "price":
        amount = number("price")
        return {"known": amount is not None, "amount": amount}
    if feature == "price_change":
        change = number("price_change")
        return {"known": change is not None, "change": change}
    if feature == "price_level":
        ratio = number("price_level")
        return {"known": ratio is not None, "ratio": ratio}
    if feature == "distance_km":
        km = number("distance_km")
        return {"known": km is not None, "km": None if km is None else int(round(km))}
    if feature == "age":
        years = number("age")
        return {"known": years is not None, "years": None if years is None else int(years)}
    if feature == "gender_female":
        gender = row.get("gender")
        return {"known": gender in ("M", "F"), "gender": gender if gender in ("M", "F") else None}
    if feature == "category":
        category = row.get("category")
        known = isinstance(category, str) and category != ""
        return {"known": known, "category": category if known else None}
    if feature == "category_changed":
        changed = number("category_changed")
        previous = row.get("previous_category")
        return {"known": changed is not None, "changed": bool(changed),
                "from": previous if isinstance(previous, str) else None,
                "to": row.get("category") if isinstance(row.get("category"), str) else None}
    if feature == "single_tickets":
        count = number("single_tickets")
        return {"known": count is not None, "count": None if count is None else int(count)}
    if feature == "group_size":
        size = number("group_size")
        return {"known": size is not None, "size": None if size is None else int(size)}
    if feature == "renewal_rank":
        rank = number("renewal_rank")
        return {"known": rank is not None, "rank": rank}
    return {"known": True}


def top_reasons(rows: pd.DataFrame, contributions: np.ndarray, groups: tuple[str, ...], *,
                max_reasons: int = 3, min_effect: float = MIN_EFFECT) -> list[list[Reason]]:
    """For each row, up to ``max_reasons`` reasons, strongest push first (either direction)."""
    order = np.argsort(-np.abs(contributions), axis=1, kind="stable")[:, :max_reasons]
    result: list[list[Reason]] = []
    records = rows[[c for c in FACT_COLUMNS if c in rows.columns]].to_dict("records")
    for i, row in enumerate(records):
        reasons = []
        for group_index in order[i]:
            value = float(contributions[i, group_index])
            if abs(value) < min_effect:
                break
            feature = groups[group_index]
            reasons.append(Reason(REASON_CODES.get(feature, feature), 1 if value > 0 else -1,
                                  value, _facts(feature, row)))
        result.append(reasons)
    return result


def global_drivers(contributions: np.ndarray, groups: tuple[str, ...]) -> pd.DataFrame:
    """Mean absolute contribution of each feature over a population (the "what drives the
    score" chart), largest first."""
    strength = np.abs(contributions).mean(axis=0) if len(contributions) else np.zeros(len(groups))
    table = pd.DataFrame({"feature": list(groups),
                          "code": [REASON_CODES.get(g, g) for g in groups],
                          "mean_abs_log_odds": strength})
    return table.sort_values("mean_abs_log_odds", ascending=False, kind="stable").reset_index(
        drop=True)
