"""Simulated campaigns with a known true effect, run through the real prospection pipeline.

A list of members gets scores (their probability of converting without the campaign, drawn
from a Beta distribution with the given mean); a stratified control group is held out; each
contacted member converts with probability p_i + effect, each control member with p_i; the
conversions are written as a season-ticket list dated inside the attribution window, attributed,
and the uplift is estimated. The true average uplift is ``effect`` by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from arena.crm.prospection.analysis import build_results, uplift_of
from arena.crm.prospection.attribution import CampaignGoal, ConversionRule, attribute_conversions
from arena.crm.prospection.control_groups import GROUP_CONTACTED, assign_control_group
from arena.crm.prospection.uplift import UpliftEstimate

START = pd.Timestamp("2025-05-15")
RULE = ConversionRule(CampaignGoal.RENEWAL, window_days=60, season="2025-2026")


@dataclass(frozen=True)
class Scenario:
    members: int
    control_share: float
    baseline: float  # mean probability of converting without the campaign
    effect: float  # added probability for every contacted member
    concentration: float = 20.0  # Beta(a, b) with a + b = concentration: spread of the scores


def simulate_campaign(scenario: Scenario, seed: int) -> tuple[pd.DataFrame, UpliftEstimate]:
    """One campaign through assignment, attribution and analysis: (results, estimate)."""
    rng = np.random.default_rng(seed)
    a = scenario.baseline * scenario.concentration
    b = (1 - scenario.baseline) * scenario.concentration
    base = rng.beta(a, b, scenario.members)
    members = pd.DataFrame({"customer_id": np.arange(1, scenario.members + 1),
                            "score": base + rng.normal(0, 0.01, scenario.members)})
    assignments = assign_control_group(members, scenario.control_share, seed=seed)
    contacted = (assignments["group"] == GROUP_CONTACTED).to_numpy()
    probability = np.clip(base + np.where(contacted, scenario.effect, 0.0), 0, 1)
    converted = rng.random(scenario.members) < probability
    days = rng.integers(0, RULE.window_days, scenario.members)
    holdings = pd.DataFrame({
        "customer_id": assignments["customer_id"].to_numpy()[converted],
        "season": RULE.season,
        "since": (START + pd.to_timedelta(days[converted], unit="D")),
        "amount": 420.0,
    })
    conversions = attribute_conversions(assignments, start=START, rule=RULE, holdings=holdings)
    results = build_results(assignments, conversions, None, channel="phone")
    return results, uplift_of(results)
