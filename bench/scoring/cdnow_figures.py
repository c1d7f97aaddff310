"""CDNOW: the published parameters reproduced, and the purchase candidates on the held-out year.

    .venv/bin/python bench/scoring/cdnow_figures.py

Calibration: the first 39 weeks (orders to 30 September 1997); hold-out: the next 39 weeks.
"""

from __future__ import annotations

from arena.crm.scoring.btyd import SpendModel, TransactionModel
from arena.crm.scoring.cdnow import CALIBRATION_END, HOLDOUT_END, load_cdnow_transactions
from arena.crm.scoring.orders import prepare_orders, purchases_between, summarize_orders
from arena.crm.scoring.purchase import PurchaseScorer, validate_purchase_candidates

PUBLISHED = {
    "bg_nbd": ({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, -9582.4),
    "pareto_nbd": ({"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}, -9595.0),
}


def main() -> None:
    orders = prepare_orders(load_cdnow_transactions())
    summary = summarize_orders(orders, CALIBRATION_END)
    print("| model | parameter | ours | published |\n|---|---|---|---|")
    for kind, (params, log_likelihood) in PUBLISHED.items():
        model = TransactionModel(kind).fit(summary)
        for name, value in params.items():
            print(f"| {model.title} | {name} | {model.params_[name]:.3f} | {value} |")
        print(f"| {model.title} | log-likelihood | {model.log_likelihood_:.1f} | "
              f"{log_likelihood} |")
    mbg = TransactionModel("mbg_nbd").fit(summary)
    print("| MBG/NBD | r, alpha, a, b | " + ", ".join(f"{v:.3f}" for v in mbg.params_.values())
          + f" (LL {mbg.log_likelihood_:.1f}) | not published for this sample |")
    spend = SpendModel().fit(summary)
    for name, value in (("p", 6.25), ("q", 3.74), ("gamma", 15.44)):
        print(f"| Gamma-Gamma | {name} | {spend.params_[name]:.2f} | {value} |")

    horizon = (HOLDOUT_END - CALIBRATION_END).days
    validation = validate_purchase_candidates(orders, CALIBRATION_END, horizon)
    actual = purchases_between(orders, CALIBRATION_END, HOLDOUT_END, summary.index)
    print(f"\nHold-out (weeks 40-78): {int((actual > 0).sum())} of {len(actual)} customers "
          f"ordered, {int(actual.sum())} orders.")
    print("| candidate | AUC | Brier | ECE | lift top 10 % | mean P(order) | observed |")
    print("|---|---|---|---|---|---|---|")
    for row in validation.metrics.to_dict("records"):
        print(f"| {row['candidate']} | {row['auc']:.4f} | {row['brier']:.4f} | {row['ece']:.4f}"
              f" | {row['lift_top_decile']:.2f} | {row['mean_probability']:.3f} | "
              f"{row['observed_rate']:.3f} |")
    for kind in ("bg_nbd", "pareto_nbd", "mbg_nbd"):
        expected = TransactionModel(kind).fit(summary).expected_purchases(summary, horizon)
        print(f"{kind}: expected hold-out orders {expected.sum():.0f} (actual {actual.sum()})")

    scorer = PurchaseScorer(horizon_days=horizon).fit(orders, CALIBRATION_END)
    card = scorer.card_.to_dict()
    print(f"\nSelection inside the calibration period (validation window "
          f"{card['training']['validation_window_days']} days): chosen {card['chosen']}")
    for row in card["candidates"]:
        print(f"  {row['candidate']:11s} AUC {row['auc']:.4f} Brier {row['brier']:.4f} "
              f"ECE {row['ece']:.4f}")
    print("  warnings:", [w["code"] for w in card["warnings"]])


if __name__ == "__main__":
    main()
