"""Ranking helpers: what the top N of a ranked list should bring, and campaign responses turned
into labels and features for the next ranking.

Expected results: with probabilities p_i from a scoring model, the number of conversions among
the N best-ranked prospects is a sum of independent Bernoulli draws; its mean is Σp_i and its
variance Σp_i(1 − p_i) (a Poisson-binomial count). The interval shown is the normal
approximation to it, clipped at zero; it says how much luck alone can move the result even when
the probabilities are right.

Feedback: each campaign leaves, per member, whether they were contacted (treatment) or held
out, whether they were reached, reacted and converted. `training_rows` keeps all of it so the
scoring step can learn both "who converts" (from everyone) and "who converts *because* we
called" (contacted against control); `contact_history_features` summarizes past campaigns per
customer as features for the next model (a person who refused three calls is not a prospect).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from arena.crm.prospection.channels import CUSTOMER_ID
from arena.crm.prospection.control_groups import GROUP_CONTACTED


@dataclass(frozen=True)
class ExpectedResults:
    """What the top ``top_n`` prospects should bring, with a 90 % range by default."""

    top_n: int
    expected_conversions: float
    conversions_low: float
    conversions_high: float
    expected_revenue: float | None
    mean_probability: float | None


def expected_results_for_top(prospects: pd.DataFrame, top_n: int, *,
                             probability_column: str = "probability",
                             value_column: str | None = "value",
                             confidence: float = 0.9) -> ExpectedResults:
    """Expected conversions (and revenue when a ``value`` per conversion is given) of the
    ``top_n`` highest probabilities."""
    if top_n < 0:
        raise ValueError("the number of prospects is a count")
    probabilities = pd.to_numeric(prospects[probability_column], errors="coerce")
    if ((probabilities < 0) | (probabilities > 1)).any():
        raise ValueError("probabilities lie between 0 and 1")
    order = probabilities.fillna(0.0).sort_values(ascending=False, kind="stable").index[:top_n]
    chosen = probabilities.loc[order].fillna(0.0).to_numpy(dtype=float)
    mean = float(chosen.sum())
    sd = float(np.sqrt((chosen * (1 - chosen)).sum()))
    z = norm.ppf(1 - (1 - confidence) / 2)
    revenue = None
    if value_column is not None and value_column in prospects.columns:
        values = pd.to_numeric(prospects.loc[order, value_column], errors="coerce").fillna(0.0)
        revenue = float((chosen * values.to_numpy(dtype=float)).sum())
    return ExpectedResults(len(chosen), mean, max(0.0, mean - z * sd), mean + z * sd, revenue,
                           mean / len(chosen) if len(chosen) else None)


def expected_results_curve(prospects: pd.DataFrame, *, probability_column: str = "probability",
                           value_column: str | None = "value") -> pd.DataFrame:
    """For every N: expected conversions and revenue of the top N (for a chart or a slider)."""
    probabilities = pd.to_numeric(prospects[probability_column], errors="coerce").fillna(0.0)
    order = probabilities.sort_values(ascending=False, kind="stable").index
    chosen = probabilities.loc[order].to_numpy(dtype=float)
    curve = pd.DataFrame({"top_n": np.arange(1, len(chosen) + 1),
                          "expected_conversions": np.cumsum(chosen)})
    if value_column is not None and value_column in prospects.columns:
        values = pd.to_numeric(prospects.loc[order, value_column], errors="coerce").fillna(0.0)
        curve["expected_revenue"] = np.cumsum(chosen * values.to_numpy(dtype=float))
    return curve


LABEL_COLUMNS = (CUSTOMER_ID, "campaign_id", "goal", "channel", "campaign_start", "treated",
                 "group", "score_at_campaign", "decile", "attempted", "reached", "reacted",
                 "refused", "unsubscribed", "converted", "revenue")


def training_rows(results: pd.DataFrame, *, campaign_id: object, goal: str,
                  start: pd.Timestamp, refused: pd.Series | None = None) -> pd.DataFrame:
    """One labelled row per member of a finished campaign (``LABEL_COLUMNS``): the label is
    ``converted``; ``treated`` says whether the member was in the contacted group.

    ``results``: `arena.crm.prospection.analysis.build_results`. ``refused``: customers who
    refused on the phone (indexed by customer id), from `contact_flags`.
    """
    frame = pd.DataFrame({
        CUSTOMER_ID: results[CUSTOMER_ID].to_numpy(),
        "campaign_id": campaign_id,
        "goal": goal,
        "channel": results["channel"].to_numpy(),
        "campaign_start": pd.Timestamp(start),
        "treated": (results["group"] == GROUP_CONTACTED).to_numpy(),
        "group": results["group"].to_numpy(),
        "score_at_campaign": results["score"].to_numpy(),
        "decile": results["decile"].to_numpy(),
        "attempted": results["attempted"].to_numpy(dtype=bool),
        "reached": results["reached"].to_numpy(dtype=bool),
        "reacted": results["reacted"].to_numpy(dtype=bool),
        "refused": (results[CUSTOMER_ID].map(refused).fillna(False).astype(bool).to_numpy()
                    if refused is not None else False),
        "unsubscribed": results["unsubscribed"].to_numpy(dtype=bool),
        "converted": results["converted"].to_numpy(dtype=bool),
        "revenue": results["revenue"].to_numpy(dtype=float),
    })
    return frame[list(LABEL_COLUMNS)]


HISTORY_FEATURES = ("campaigns_received", "times_reached", "times_reacted", "times_refused",
                    "ever_unsubscribed", "conversions_after_contact", "days_since_last_contact")


def contact_history_features(history: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per customer, what past campaigns taught (``HISTORY_FEATURES``), from the
    `training_rows` of campaigns that started before ``as_of`` (later ones would leak the
    future into the model). Only contacted rows count: a control member was never contacted."""
    as_of = pd.Timestamp(as_of)
    past = history[(pd.to_datetime(history["campaign_start"]) < as_of) & history["treated"]]
    if past.empty:
        return pd.DataFrame(columns=[CUSTOMER_ID, *HISTORY_FEATURES])
    grouped = past.groupby(CUSTOMER_ID)
    features = pd.DataFrame({
        "campaigns_received": grouped["campaign_id"].nunique(),
        "times_reached": grouped["reached"].sum(),
        "times_reacted": grouped["reacted"].sum(),
        "times_refused": grouped["refused"].sum(),
        "ever_unsubscribed": grouped["unsubscribed"].any(),
        "conversions_after_contact": grouped["converted"].sum(),
        "days_since_last_contact": (as_of - pd.to_datetime(grouped["campaign_start"].max())).dt.days,
    })
    return features.reset_index()[[CUSTOMER_ID, *HISTORY_FEATURES]]
