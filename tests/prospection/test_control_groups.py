"""The control group: stratified by score decile, exactly the chosen size, reproducible; and
the uplift a campaign of a given size can detect."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from arena.crm.prospection.control_groups import (
    GROUP_CONTROL,
    assign_control_group,
    score_deciles,
)
from arena.crm.prospection.detectable_uplift import (
    detectable_uplift_table,
    minimum_detectable_uplift,
    power_to_detect,
)
from arena.crm.prospection.uplift import newcombe_interval


def members(count: int = 1234, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    scores = rng.beta(2, 20, count)
    scores[rng.random(count) < 0.05] = np.nan  # some members have no score yet
    return pd.DataFrame({"customer_id": [f"C{i:05d}" for i in range(count)], "score": scores})


def test_deciles_put_the_highest_scores_in_decile_one_and_the_unscored_apart() -> None:
    scores = pd.Series([0.9, 0.1, None, 0.5, 0.5, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6])
    deciles = score_deciles(scores, pd.Series([f"c{i}" for i in range(11)]))
    assert deciles.tolist() == [1, 10, 0, 5, 6, 8, 3, 9, 2, 7, 4]


@pytest.mark.parametrize("share", [0.05, 0.1, 0.17, 0.3, 0.5])
def test_the_control_group_has_the_chosen_size_in_every_decile(share: float) -> None:
    listed = members()
    groups = assign_control_group(listed, share, seed=42)
    control = groups["group"] == GROUP_CONTROL
    assert int(control.sum()) == round(len(listed) * share)
    for _, decile in groups.groupby("decile"):
        expected = len(decile) * share
        assert abs(int((decile["group"] == GROUP_CONTROL).sum()) - expected) < 1
    assert groups["customer_id"].tolist() == listed["customer_id"].tolist()


def test_the_same_list_seed_and_share_give_the_same_groups_in_any_row_order() -> None:
    listed = members()
    first = assign_control_group(listed, 0.1, seed=7).set_index("customer_id")["group"]
    shuffled = listed.sample(frac=1.0, random_state=11)
    again = assign_control_group(shuffled, 0.1, seed=7).set_index("customer_id")["group"]
    assert again.loc[first.index].tolist() == first.tolist()
    other = assign_control_group(listed, 0.1, seed=8).set_index("customer_id")["group"]
    assert (other != first).sum() > 0


def test_the_control_group_is_alike_the_contacted_group_on_the_score() -> None:
    listed = members(count=5000)
    groups = assign_control_group(listed, 0.2, seed=1)
    means = groups.groupby("group")["score"].mean()
    assert abs(means["control"] - means["contacted"]) < 0.003


def test_a_share_outside_zero_and_one_or_a_customer_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="fraction"):
        assign_control_group(members(), 1.0, seed=1)
    with pytest.raises(ValueError, match="twice"):
        assign_control_group(pd.concat([members(10), members(10)]), 0.1, seed=1)
    assert (assign_control_group(members(50), 0.0, seed=1)["group"] == "contacted").all()


def test_the_detectable_uplift_is_said_in_points_and_in_subscriptions() -> None:
    plan = minimum_detectable_uplift(2000, 0.1, 0.05)
    assert (plan.contacted, plan.control) == (1800, 200)
    assert plan.detectable and plan.uplift_points == pytest.approx(0.0587, abs=5e-4)
    assert plan.extra_conversions == 106  # 5.87 points of 1,800 contacted
    assert plan.relative_uplift == pytest.approx(plan.uplift_points / 0.05)


def test_a_bigger_control_group_detects_a_smaller_effect() -> None:
    table = detectable_uplift_table(5000, 0.04)
    points = [row.uplift_points for row in table]
    assert points == sorted(points, reverse=True)
    assert not minimum_detectable_uplift(100, 0.0, 0.04).detectable
    assert not minimum_detectable_uplift(20, 0.05, 0.5).detectable  # one control member


@pytest.mark.parametrize(("size", "share", "baseline"), [
    (2000, 0.1, 0.05), (5000, 0.2, 0.02), (800, 0.3, 0.10), (1500, 0.5, 0.20)])
def test_at_the_detectable_uplift_the_campaign_sees_its_effect_80_percent_of_the_time(
        size: int, share: float, baseline: float) -> None:
    plan = minimum_detectable_uplift(size, share, baseline)
    assert plan.detectable_rate is not None
    assert power_to_detect(size, share, baseline, plan.uplift_points or 0) == pytest.approx(0.8)
    rng = np.random.default_rng(99)
    runs = 20_000
    low, _ = newcombe_interval(rng.binomial(plan.contacted, plan.detectable_rate, runs),
                               plan.contacted, rng.binomial(plan.control, baseline, runs),
                               plan.control)
    assert 0.77 <= float(np.mean(low > 0)) <= 0.83
