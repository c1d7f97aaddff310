"""Campaign results: rates by channel, segment and decile, funnel, costs, ranking quality, and
the report's contract."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from arena.crm.prospection.analysis import (
    CampaignCosts,
    build_results,
    campaign_report,
    cost_summary,
    funnel,
    ranking_quality,
    rates_by,
)
from arena.crm.prospection.attribution import CampaignGoal, ConversionRule, attribute_conversions
from arena.crm.prospection.channels import Channel
from arena.crm.prospection.outcomes import Outcome, OutcomeEvent, contact_flags, events_frame
from tests.support.simulated_campaigns import Scenario, simulate_campaign

START = pd.Timestamp("2025-05-15")


def small_campaign() -> pd.DataFrame:
    assignments = pd.DataFrame({
        "customer_id": [1, 2, 3, 4, 5, 6],
        "group": ["contacted", "contacted", "contacted", "contacted", "control", "control"],
        "score": [0.9, 0.6, 0.3, 0.1, 0.8, 0.2],
        "decile": [1, 4, 7, 10, 2, 9],
    })
    t = START + pd.Timedelta(days=1)
    events = events_frame([
        OutcomeEvent(7, 1, Channel.PHONE, Outcome.INTERESTED, t, "alice"),
        OutcomeEvent(7, 2, Channel.PHONE, Outcome.NO_ANSWER, t, "alice"),
        OutcomeEvent(7, 2, Channel.PHONE, Outcome.REFUSED, t + pd.Timedelta(days=1), "bob"),
        OutcomeEvent(7, 3, Channel.PHONE, Outcome.NO_ANSWER, t, "bob"),
        # A control member called by mistake must not count as reached.
        OutcomeEvent(7, 5, Channel.PHONE, Outcome.REACHED, t, "bob"),
    ])
    holdings = pd.DataFrame({"customer_id": [1, 5], "season": "2025-2026",
                             "since": [START + pd.Timedelta(days=3)] * 2, "amount": 400.0})
    conversions = attribute_conversions(
        assignments, start=START, holdings=holdings,
        rule=ConversionRule(CampaignGoal.RENEWAL, 30, season="2025-2026"))
    return build_results(assignments, conversions, contact_flags(events), channel="phone",
                         segments=pd.Series({1: "loyal", 2: "loyal", 3: "new", 4: "new",
                                             5: "loyal", 6: "new"}))


def test_the_report_answers_the_cli_contract() -> None:
    report = campaign_report(small_campaign())
    assert {"contacted", "reached", "converted", "control_size", "control_converted", "uplift",
            "uplift_ci_low", "uplift_ci_high"} <= set(report)
    assert (report["contacted"], report["reached"], report["converted"]) == (4, 2, 1)
    assert (report["control_size"], report["control_converted"]) == (2, 1)
    assert report["uplift"] == pytest.approx(0.25 - 0.5)
    assert report["uplift_ci_low"] < report["uplift"] < report["uplift_ci_high"]
    assert report["verdict"] == "no_detectable_effect"


def test_the_funnel_of_a_phone_campaign() -> None:
    steps = funnel(small_campaign(), "phone")
    assert steps[["step", "count"]].values.tolist() == [
        ["listed", 4], ["called", 3], ["reached", 2], ["interested", 1], ["converted", 1]]
    assert steps["share"].tolist() == [1.0, 0.75, 0.5, 0.25, 0.25]


def test_rates_by_segment_compare_each_segment_with_its_own_control_members() -> None:
    rates = rates_by(small_campaign(), "segment").set_index("segment")
    assert rates.loc["loyal", "contacted"] == 2 and rates.loc["loyal", "conversion_rate"] == 0.5
    assert rates.loc["loyal", "control"] == 1 and rates.loc["loyal", "control_rate"] == 1.0
    assert rates.loc["new", "reaction_rate"] == 0.0
    assert set(rates_by(small_campaign(), "decile")["decile"]) == {1, 2, 4, 7, 9, 10}


def test_cost_per_conversion_gross_and_per_added_conversion() -> None:
    results, estimate = simulate_campaign(Scenario(4000, 0.2, 0.05, 0.04), seed=5)
    results["attempted"] = results["group"] == "contacted"
    costs = cost_summary(results, CampaignCosts(fixed=500.0, per_attempt=1.5), estimate)
    assert costs.total_cost == 500.0 + 1.5 * 3200
    assert costs.cost_per_conversion == pytest.approx(costs.total_cost / costs.conversions)
    assert estimate.extra_conversions is not None and estimate.extra_conversions > 0
    assert costs.cost_per_extra_conversion == pytest.approx(
        costs.total_cost / estimate.extra_conversions)
    assert costs.cost_per_extra_conversion > costs.cost_per_conversion


def test_a_score_that_knew_who_would_convert_has_an_auc_near_one_and_a_useless_one_near_half(
        ) -> None:
    results, _ = simulate_campaign(Scenario(6000, 0.1, 0.08, 0.02, concentration=4), seed=9)
    informed = ranking_quality(results)
    assert informed.auc is not None and informed.auc > 0.65
    assert informed.top_decile_lift is not None and informed.top_decile_lift > 2
    shuffled = results.copy()
    shuffled["score"] = np.random.default_rng(1).permutation(shuffled["score"].to_numpy())
    shuffled["decile"] = np.random.default_rng(2).permutation(shuffled["decile"].to_numpy())
    blind = ranking_quality(shuffled)
    assert blind.auc is not None and abs(blind.auc - 0.5) < 0.05
    assert informed.top_decile_conversions + informed.rest_conversions == int(
        results.loc[results["group"] == "contacted", "converted"].sum())


def test_the_simulated_campaign_reports_an_uplift_near_its_true_effect() -> None:
    results, estimate = simulate_campaign(Scenario(20000, 0.2, 0.05, 0.03), seed=3)
    report = campaign_report(results)
    assert report["uplift_ci_low"] <= 0.03 <= report["uplift_ci_high"]
    assert report["verdict"] == "added"
    assert report["extra_conversions"] == round(estimate.extra_conversions or 0)
