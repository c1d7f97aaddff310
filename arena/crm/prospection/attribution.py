"""Conversions found in later data and attributed to the campaign's members, contacted or not.

A campaign does not know who converted: the ticketing does. After the campaign starts, a
season-ticket list or a ticket import shows who bought; a member converted when the purchase
that the campaign's goal asks for happened between the campaign start and the end of the
attribution window:

- ``renewal`` and ``conversion``: a season ticket of the target season (on the season-ticket
  list, or a ticket sold as a season ticket);
- ``event``: a ticket for the target event.

The same rule is applied to the contacted and the control members — the control group is only
useful if its conversions are counted exactly like the others'. What the campaign caused is the
difference between the two groups (`arena.crm.prospection.uplift`), never the contacted group's
conversions alone: some of them would have bought anyway.

A season-ticket list often carries no purchase date; its holders then count as converted when
the list is of the target season (``dated`` is False for them, and the UI says so). Dated
evidence before the start marks the member ``converted_before_start``, not converted: they had
bought before anyone called.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from arena.crm.prospection.channels import CUSTOMER_ID


class CampaignGoal(StrEnum):
    RENEWAL = "renewal"
    CONVERSION = "conversion"
    EVENT = "event"


@dataclass(frozen=True)
class ConversionRule:
    """What counts as a conversion for one campaign, and for how long after its start."""

    goal: CampaignGoal
    window_days: int
    season: str | None = None  # renewal / conversion: the season whose season ticket counts
    event_id: object | None = None  # event: the event whose ticket counts

    def __post_init__(self) -> None:
        goal = CampaignGoal(self.goal)
        if self.window_days <= 0:
            raise ValueError("the attribution window is a positive number of days")
        if goal is CampaignGoal.EVENT and self.event_id is None:
            raise ValueError("an event campaign needs the event whose tickets count")
        if goal is not CampaignGoal.EVENT and self.season is None:
            raise ValueError("a renewal or conversion campaign needs the target season")


ATTRIBUTION_COLUMNS = (CUSTOMER_ID, "group", "converted", "converted_at", "revenue", "evidence",
                       "dated", "converted_before_start")


def attribute_conversions(
    assignments: pd.DataFrame,
    *,
    start: pd.Timestamp,
    rule: ConversionRule,
    purchases: pd.DataFrame | None = None,
    holdings: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Who of the campaign's members converted (``ATTRIBUTION_COLUMNS``), in both groups.

    ``assignments``: customer_id, group. ``purchases``: customer_id, purchased_at, and as
    available amount, event_id, is_season_ticket, season. ``holdings`` (season-ticket lists):
    customer_id, season, and as available since (the subscription date), amount.
    """
    for column in (CUSTOMER_ID, "group"):
        if column not in assignments.columns:
            raise ValueError(f"assignments need a {column} column")
    start = pd.Timestamp(start)
    end = start + pd.Timedelta(days=rule.window_days)
    evidence = _evidence(rule, purchases, holdings)
    members = assignments[[CUSTOMER_ID, "group"]].copy()
    evidence = evidence[evidence[CUSTOMER_ID].isin(members[CUSTOMER_ID])]
    dated = evidence["at"].notna()
    before = dated & (evidence["at"] < start)
    inside = dated & (evidence["at"] >= start) & (evidence["at"] <= end)
    undated = ~dated
    counted = evidence[inside | undated].copy()
    counted["_dated"] = counted["at"].notna()
    # A dated purchase is the better evidence; the first one in the window dates the conversion.
    counted = counted.sort_values(["_dated", "at"], ascending=[False, True], kind="stable",
                                  na_position="last")
    first = counted.drop_duplicates(CUSTOMER_ID, keep="first").set_index(CUSTOMER_ID)
    revenue = counted.groupby(CUSTOMER_ID)["amount"].sum(min_count=1)
    early = set(evidence.loc[before, CUSTOMER_ID]) - set(first.index)
    ids = members[CUSTOMER_ID]
    keys = ids.to_numpy()
    # reindex, not map: Series.map with an empty datetime Series fails in pandas 3.
    result = members.assign(
        converted=ids.isin(first.index).to_numpy(),
        converted_at=first["at"].reindex(keys).to_numpy(),
        revenue=revenue.reindex(keys).fillna(0.0).to_numpy(dtype=float),
        evidence=first["kind"].reindex(keys).to_numpy(),
        dated=first["_dated"].reindex(keys).to_numpy(),
        converted_before_start=ids.isin(early).to_numpy(),
    )
    result["converted_at"] = pd.to_datetime(result["converted_at"])
    result["dated"] = result["dated"].astype("boolean")
    return result[list(ATTRIBUTION_COLUMNS)].reset_index(drop=True)


def _evidence(rule: ConversionRule, purchases: pd.DataFrame | None,
              holdings: pd.DataFrame | None) -> pd.DataFrame:
    """Every purchase or holding that meets the goal: customer_id, at, amount, kind."""
    parts = []
    goal = CampaignGoal(rule.goal)
    if purchases is not None and len(purchases):
        frame = purchases.copy()
        if goal is CampaignGoal.EVENT:
            if "event_id" not in frame.columns:
                raise ValueError("purchases need an event_id column for an event campaign")
            keep = frame["event_id"].astype(str) == str(rule.event_id)
        else:
            keep = (frame["is_season_ticket"].fillna(False).astype(bool)
                    if "is_season_ticket" in frame.columns
                    else pd.Series(False, index=frame.index))
            if "season" in frame.columns:
                keep &= frame["season"].astype(str) == str(rule.season)
        frame = frame[keep]
        parts.append(pd.DataFrame({
            CUSTOMER_ID: frame[CUSTOMER_ID].to_numpy(),
            "at": pd.to_datetime(frame["purchased_at"]).to_numpy(),
            "amount": _amounts(frame),
            "kind": "purchase",
        }))
    if holdings is not None and len(holdings) and goal is not CampaignGoal.EVENT:
        frame = holdings[holdings["season"].astype(str) == str(rule.season)]
        since = (pd.to_datetime(frame["since"]) if "since" in frame.columns
                 else pd.Series(pd.NaT, index=frame.index))
        parts.append(pd.DataFrame({
            CUSTOMER_ID: frame[CUSTOMER_ID].to_numpy(),
            "at": since.to_numpy(),
            "amount": _amounts(frame),
            "kind": np.where(since.notna(), "season_list", "season_list_undated"),
        }))
    if not parts:
        return pd.DataFrame({CUSTOMER_ID: [], "at": pd.Series([], dtype="datetime64[ns]"),
                             "amount": [], "kind": []})
    evidence = pd.concat(parts, ignore_index=True)
    evidence["at"] = pd.to_datetime(evidence["at"])
    return evidence


def _amounts(frame: pd.DataFrame) -> np.ndarray:
    if "amount" in frame.columns:
        return pd.to_numeric(frame["amount"], errors="coerce").to_numpy(dtype=float)
    return np.full(len(frame), np.nan)
