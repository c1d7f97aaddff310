"""Scoring: season-ticket renewal and purchase propensity / customer value, with honest validation.

Pure models (no storage, no Streamlit): the storage step feeds them DataFrames in the schemas
documented in ``holdings`` (renewal) and ``orders`` (purchase) and in docs/scoring.md.

Renewal::

    model = RenewalModel().fit(holdings, customers, season="2025-2026")
    scores = model.predict()        # customer_id, season, probability, reasons
    model.card_.to_dict()           # training window, sizes, validation figures, warnings
    reason_text(scores["reasons"][0][0], "fr")   # "a assisté à 4 matchs sur 19"

Purchase::

    scorer = PurchaseScorer(horizon_days=365).fit(orders, as_of="2026-06-30")
    scores = scorer.predict()       # p_alive, expected_purchases, probability_buy, ...
"""

from arena.crm.scoring.btyd import (
    ModelDidNotConverge,
    SpendModel,
    TransactionModel,
    lifetime_value,
)
from arena.crm.scoring.card import SCORING_VERSION, CardWarning, ModelCard
from arena.crm.scoring.errors import (
    NotFittedError,
    ScoringError,
    ScoringInputError,
    TooLittleHistory,
)
from arena.crm.scoring.holdings import prepare_holdings
from arena.crm.scoring.metrics import (
    brier_score,
    expected_calibration_error,
    lift_at,
    reliability_table,
    roc_auc,
)
from arena.crm.scoring.orders import prepare_orders, summarize_orders
from arena.crm.scoring.purchase import (
    PurchaseScorer,
    validate_purchase_candidates,
)
from arena.crm.scoring.purchase_logit import PurchaseLogit
from arena.crm.scoring.reasons import Reason
from arena.crm.scoring.renewal import RenewalModel, reasons_as_dicts
from arena.crm.scoring.wording import model_name, reason_text, warning_text

__all__ = [
    "SCORING_VERSION",
    "CardWarning",
    "ModelCard",
    "ModelDidNotConverge",
    "NotFittedError",
    "PurchaseLogit",
    "PurchaseScorer",
    "Reason",
    "RenewalModel",
    "ScoringError",
    "ScoringInputError",
    "SpendModel",
    "TooLittleHistory",
    "TransactionModel",
    "brier_score",
    "expected_calibration_error",
    "lifetime_value",
    "lift_at",
    "model_name",
    "prepare_holdings",
    "prepare_orders",
    "reason_text",
    "reasons_as_dicts",
    "reliability_table",
    "roc_auc",
    "summarize_orders",
    "validate_purchase_candidates",
    "warning_text",
]
