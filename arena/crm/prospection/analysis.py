"""Campaign results: rates by channel, segment and score decile, the funnel, the uplift, costs,
and how well the ranking predicted who converted.

Everything starts from one results frame, one row per member of the campaign's list
(`build_results`): the group (contacted or control), the score and its decile, the segment, the
funnel flags from the outcomes, and the conversion found by attribution. Rates are computed on
the contacted group — everyone the campaign meant to reach, whether or not the call got through
— because that group is the one the control group is comparable to.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from arena.crm.prospection.channels import CUSTOMER_ID, Channel
from arena.crm.prospection.control_groups import GROUP_CONTACTED, GROUP_CONTROL
from arena.crm.prospection.uplift import UpliftEstimate, estimate_uplift

FLAG_COLUMNS = ("attempted", "reached", "opened", "reacted", "declared_converted",
                "unsubscribed", "bounced")
RESULT_COLUMNS = (CUSTOMER_ID, "group", "score", "decile", "segment", "channel", *FLAG_COLUMNS,
                  "converted", "revenue")


def build_results(assignments: pd.DataFrame, conversions: pd.DataFrame,
                  flags: pd.DataFrame | None, *, channel: Channel | str,
                  segments: pd.Series | None = None) -> pd.DataFrame:
    """One row per member (``RESULT_COLUMNS``).

    ``assignments``: customer_id, group, score, decile (`assign_control_group`).
    ``conversions``: `attribute_conversions`. ``flags``: `contact_flags` of this campaign's
    events. ``segments``: the segment code of each customer (indexed by customer id).
    """
    channel = Channel(channel)
    results = assignments[[CUSTOMER_ID, "group", "score", "decile"]].copy()
    results["segment"] = (results[CUSTOMER_ID].map(segments).astype("object")
                          if segments is not None else None)
    results["channel"] = channel.value
    if flags is not None and len(flags):
        mine = flags[flags["channel"].astype(str) == channel.value]
        mine = mine.drop_duplicates(CUSTOMER_ID).set_index(CUSTOMER_ID)
        for column in FLAG_COLUMNS:
            results[column] = results[CUSTOMER_ID].map(mine[column]).fillna(False).astype(bool)
    else:
        for column in FLAG_COLUMNS:
            results[column] = False
    # The control group is never contacted; an event recorded for one of them is a mistake
    # that must not make the control group look reached.
    control = results["group"] == GROUP_CONTROL
    results.loc[control, list(FLAG_COLUMNS)] = False
    found = conversions.drop_duplicates(CUSTOMER_ID).set_index(CUSTOMER_ID)
    results["converted"] = results[CUSTOMER_ID].map(found["converted"]).fillna(False).astype(bool)
    results["revenue"] = results[CUSTOMER_ID].map(found["revenue"]).fillna(0.0).astype(float)
    return results[list(RESULT_COLUMNS)]


def uplift_of(results: pd.DataFrame, confidence: float = 0.95) -> UpliftEstimate:
    """The uplift of these results' contacted members over their control members."""
    contacted = results[results["group"] == GROUP_CONTACTED]
    control = results[results["group"] == GROUP_CONTROL]
    return estimate_uplift(len(contacted), int(contacted["converted"].sum()), len(control),
                           int(control["converted"].sum()), confidence)


def rates_by(results: pd.DataFrame, by: str, confidence: float = 0.95) -> pd.DataFrame:
    """Reaction and conversion rates per value of ``by`` (channel, segment, decile), with the
    control group's rate and the uplift of each part when the part has control members."""
    rows = []
    for value, part in results.groupby(by, dropna=False, sort=True):
        contacted = part[part["group"] == GROUP_CONTACTED]
        n = len(contacted)
        estimate = uplift_of(part, confidence)
        rows.append({
            by: value, "contacted": n, "attempted": int(contacted["attempted"].sum()),
            "reached": int(contacted["reached"].sum()), "reacted": int(contacted["reacted"].sum()),
            "converted": int(contacted["converted"].sum()),
            "reached_rate": _rate(contacted["reached"].sum(), n),
            "reaction_rate": _rate(contacted["reacted"].sum(), n),
            "conversion_rate": _rate(contacted["converted"].sum(), n),
            "control": estimate.control, "control_converted": estimate.control_converted,
            "control_rate": estimate.control_rate, "uplift": estimate.uplift,
            "uplift_low": estimate.uplift_low, "uplift_high": estimate.uplift_high,
            "verdict": estimate.verdict.value,
        })
    return pd.DataFrame(rows)


FUNNEL_STEPS: dict[Channel, tuple[tuple[str, str], ...]] = {
    Channel.PHONE: (("listed", "listed"), ("called", "attempted"), ("reached", "reached"),
                    ("interested", "reacted"), ("converted", "converted")),
    Channel.EMAIL: (("listed", "listed"), ("sent", "attempted"), ("delivered", "reached"),
                    ("opened", "opened"), ("clicked", "reacted"), ("converted", "converted")),
    Channel.SMS: (("listed", "listed"), ("sent", "attempted"), ("delivered", "reached"),
                  ("clicked", "reacted"), ("converted", "converted")),
}


def funnel(results: pd.DataFrame, channel: Channel | str) -> pd.DataFrame:
    """The contacted group's funnel: step code, count, share of the listed members."""
    contacted = results[results["group"] == GROUP_CONTACTED]
    n = len(contacted)
    rows = []
    for step, column in FUNNEL_STEPS[Channel(channel)]:
        count = n if column == "listed" else int(contacted[column].sum())
        rows.append({"step": step, "count": count, "share": _rate(count, n)})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class CampaignCosts:
    """What the campaign cost: a fixed part and a part per contact attempted (an SMS, a call)."""

    fixed: float = 0.0
    per_attempt: float = 0.0


@dataclass(frozen=True)
class CostSummary:
    total_cost: float
    conversions: int
    cost_per_conversion: float | None  # every conversion of the contacted group
    extra_conversions: float | None
    cost_per_extra_conversion: float | None  # only the conversions the campaign added


def cost_summary(results: pd.DataFrame, costs: CampaignCosts,
                 estimate: UpliftEstimate | None = None) -> CostSummary:
    """Cost per conversion, gross and per conversion the campaign actually added."""
    contacted = results[results["group"] == GROUP_CONTACTED]
    total = costs.fixed + costs.per_attempt * int(contacted["attempted"].sum())
    conversions = int(contacted["converted"].sum())
    estimate = estimate or uplift_of(results)
    extra = estimate.extra_conversions
    return CostSummary(total, conversions, total / conversions if conversions else None, extra,
                       total / extra if extra is not None and extra > 0 else None)


@dataclass(frozen=True)
class RankingQuality:
    """How well the score ranked the contacted members by who then converted."""

    contacted: int
    auc: float | None  # 0.5: no better than chance; 1: every converter ranked above the rest
    top_decile_contacted: int
    top_decile_conversions: int
    top_decile_rate: float | None
    rest_conversions: int
    rest_rate: float | None
    top_decile_lift: float | None  # top decile's rate / the rest's rate


def ranking_quality(results: pd.DataFrame) -> RankingQuality:
    """AUC of the score for conversion, and the top decile's conversions against the rest."""
    contacted = results[(results["group"] == GROUP_CONTACTED) & results["score"].notna()]
    converted = contacted["converted"].astype(bool)
    auc = (float(roc_auc_score(converted, contacted["score"].astype(float)))
           if converted.nunique() == 2 else None)
    top = contacted["decile"] == 1
    top_rate = _rate(converted[top].sum(), int(top.sum()))
    rest_rate = _rate(converted[~top].sum(), int((~top).sum()))
    lift = top_rate / rest_rate if top_rate is not None and rest_rate else None
    return RankingQuality(len(contacted), auc, int(top.sum()), int(converted[top].sum()),
                          top_rate, int(converted[~top].sum()), rest_rate, lift)


def campaign_report(results: pd.DataFrame, confidence: float = 0.95) -> dict[str, object]:
    """The campaign's headline numbers (the contract of `arena campaign report --format json`):
    contacted, reached, converted, control_size, control_converted, uplift, uplift_ci_low,
    uplift_ci_high — plus the verdict in codes and the extra conversions in counts."""
    estimate = uplift_of(results, confidence)
    contacted = results[results["group"] == GROUP_CONTACTED]
    return {
        "contacted": estimate.contacted,
        "reached": int(contacted["reached"].sum()),
        "converted": estimate.contacted_converted,
        "control_size": estimate.control,
        "control_converted": estimate.control_converted,
        "uplift": estimate.uplift,
        "uplift_ci_low": estimate.uplift_low,
        "uplift_ci_high": estimate.uplift_high,
        **estimate.as_codes(),
    }


def _rate(count: float | np.integer, total: int) -> float | None:
    return float(count) / total if total else None
