"""The uplift interval: Newcombe's published values, the verdict, and its coverage on simulated
campaigns with a known true effect."""

from __future__ import annotations

import numpy as np
import pytest

from arena.crm.prospection.detectable_uplift import power_to_detect
from arena.crm.prospection.uplift import (
    UpliftVerdict,
    estimate_uplift,
    interval_covers,
    newcombe_interval,
    wilson_interval,
)
from tests.support.simulated_campaigns import Scenario, simulate_campaign


@pytest.mark.parametrize(("x1", "n1", "x0", "n0", "low", "high"), [
    # Newcombe (1998), Statistics in Medicine 17:873-890, table II, method 10.
    (56, 70, 48, 80, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.1705, 0.8090),
    (6, 7, 2, 7, 0.0582, 0.8062),
    (5, 56, 0, 29, -0.0381, 0.1926),
    (0, 10, 0, 20, -0.1611, 0.2775),
    (10, 10, 0, 20, 0.6791, 1.0000),
])
def test_the_interval_matches_newcombes_published_values(x1: int, n1: int, x0: int, n0: int,
                                                          low: float, high: float) -> None:
    got_low, got_high = newcombe_interval(x1, n1, x0, n0)
    assert float(got_low) == pytest.approx(low, abs=5e-5)
    assert float(got_high) == pytest.approx(high, abs=5e-5)


def test_wilson_interval_matches_its_textbook_value() -> None:
    # 81 successes in 263 trials: 95 % Wilson interval 0.2553-0.3662 (Newcombe 1998a, table I).
    low, high = wilson_interval(81, 263)
    assert (float(low), float(high)) == pytest.approx((0.2553, 0.3662), abs=5e-5)


def test_the_verdict_says_how_many_subscriptions_the_campaign_added() -> None:
    estimate = estimate_uplift(contacted=1800, contacted_converted=180, control=200,
                               control_converted=10)
    assert estimate.verdict is UpliftVerdict.ADDED
    assert estimate.uplift == pytest.approx(0.05)
    assert estimate.as_codes() == {"verdict": "added", "extra_conversions": 90, "margin": 62,
                                   "extra_low": 15, "extra_high": 139, "confidence": 0.95}


@pytest.mark.parametrize(("counts", "verdict"), [
    ((1800, 95, 200, 10), UpliftVerdict.NO_DETECTABLE_EFFECT),
    ((1800, 20, 200, 12), UpliftVerdict.REDUCED),
    ((1800, 95, 0, 0), UpliftVerdict.NO_CONTROL_GROUP),
    ((0, 0, 200, 10), UpliftVerdict.NOBODY_CONTACTED),
])
def test_each_verdict_has_its_code(counts: tuple[int, int, int, int],
                                   verdict: UpliftVerdict) -> None:
    estimate = estimate_uplift(*counts)
    assert estimate.verdict is verdict
    if verdict in (UpliftVerdict.NO_CONTROL_GROUP, UpliftVerdict.NOBODY_CONTACTED):
        assert estimate.uplift is None and estimate.as_codes()["margin"] is None


def test_impossible_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        estimate_uplift(10, 11, 10, 1)


@pytest.mark.parametrize("scenario", [
    # members, control share, baseline rate, true effect
    (2000, 0.10, 0.05, 0.03),
    (5000, 0.20, 0.02, 0.01),
    (800, 0.30, 0.10, 0.05),
    (20000, 0.05, 0.03, 0.00),
    (1500, 0.50, 0.20, 0.05),
    (400, 0.15, 0.04, 0.04),  # a small control group with a handful of conversions
])
def test_95_percent_intervals_cover_the_true_uplift_95_percent_of_the_time(
        scenario: tuple[int, float, float, float]) -> None:
    members, share, baseline, effect = scenario
    control = round(members * share)
    contacted = members - control
    rng = np.random.default_rng(20250601)
    runs = 20_000
    low, high = newcombe_interval(rng.binomial(contacted, baseline + effect, runs), contacted,
                                  rng.binomial(control, baseline, runs), control)
    coverage = float(np.mean((low <= effect) & (effect <= high)))
    assert 0.93 <= coverage <= 0.97


@pytest.mark.slow
def test_on_whole_simulated_campaigns_the_interval_covers_the_known_effect() -> None:
    """Assignment, attribution and analysis together: scores spread between members, a control
    group stratified by decile, conversions read from a season-ticket list."""
    scenario = Scenario(members=3000, control_share=0.15, baseline=0.06, effect=0.03)
    covered, added = 0, 0
    seeds = range(1000, 1600)
    for seed in seeds:
        _, estimate = simulate_campaign(scenario, seed)
        covered += interval_covers(scenario.effect, estimate)
        added += estimate.verdict is UpliftVerdict.ADDED
    coverage = covered / len(seeds)
    assert 0.93 <= coverage <= 0.97
    # How often the campaign was declared a success is the power the planning screen announced.
    announced = power_to_detect(scenario.members, scenario.control_share, scenario.baseline,
                                scenario.effect)
    assert abs(added / len(seeds) - announced) < 0.06
