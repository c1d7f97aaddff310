"""Benchmark: on simulated seasons, lift over static prices under the TRUE model, the share of the
true-model optimum captured, the model-based backtest lift, and forecast accuracy vs pickup."""

from __future__ import annotations

import sys

from arena.pricing.backtest import backtest_lift, charged_schedule, default_rules, forecast_accuracy
from arena.pricing.forecast import draw_sales
from arena.pricing.model import DemandModel
from arena.pricing.optimizer import recommend_prices
from arena.pricing.simulation import simulate_season


def run(seed: int) -> None:
    season = simulate_season(n_events=100, seed=seed)
    ids = season.history.event_ids
    train, test = season.history.subset(ids[:70]), season.history.subset(ids[70:])
    model = DemandModel().fit(train)
    rules = default_rules(train)
    totals = {"static": 0.0, "recommended": 0.0, "true_optimum": 0.0}
    for index, event_id in enumerate(test.event_ids):
        event = test.events[test.events["event_id"] == event_id].iloc[0]
        days, charged, capacity = charged_schedule(test, event_id, model.categories_)
        truth = season.market.event_demand(event, float(season.multipliers[event_id]))
        recommended = recommend_prices(model.event_demand(event, capacity), rules, charged[0])
        optimum = recommend_prices(truth, rules, charged[0])
        for name, schedule in (("static", charged), ("recommended", recommended.as_matrix()),
                               ("true_optimum", optimum.as_matrix())):
            totals[name] += draw_sales(truth, schedule, 400, index).revenue.sum(axis=1).mean()
    lift = totals["recommended"] / totals["static"] - 1
    optimum_lift = totals["true_optimum"] / totals["static"] - 1
    share = (totals["recommended"] - totals["static"]) / (totals["true_optimum"] - totals["static"])
    print(f"seed {seed}: 30 held-out events; true-model lift of recommended over charged "
          f"{lift:+.1%}; true-model optimum {optimum_lift:+.1%}; share of optimum gain "
          f"{share:.0%}; recommended revenue / optimum revenue "
          f"{totals['recommended'] / totals['true_optimum']:.1%}")
    backtest = backtest_lift(model, test, rules_for=lambda _event_id: rules)
    for _, row in backtest.per_season.iterrows():
        print(f"  model-based backtest season {row['season']}: lift {row['lift_pct']:+.1f} % "
              f"(p10 {row['lift_pct_p10']:+.1f} %, p90 {row['lift_pct_p90']:+.1f} %)")
    accuracy = forecast_accuracy(train, test, model=model)
    print(accuracy.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    for seed in [int(s) for s in sys.argv[1:]] or [3, 4, 5]:
        run(seed)
