"""Yield management: sales histories, demand model, forecasts, optimizer, simulator, backtests."""

from arena.pricing.backtest import BacktestResult, backtest_lift, forecast_accuracy
from arena.pricing.choice import EventDemand, choice_probabilities, point_elasticity
from arena.pricing.engine import forecast_events, offer_from_history, recommend_events
from arena.pricing.forecast import SimulationResult, forecast_event, simulate
from arena.pricing.history import SalesHistory, SalesHistoryError
from arena.pricing.model import DemandModel, NotFittedError
from arena.pricing.optimizer import (
    InfeasibleRulesError,
    PriceRecommendation,
    PricingRules,
    recommend_prices,
    schedule_violations,
)
from arena.pricing.rules import default_rules, event_rules
from arena.pricing.selection import DemandForecaster

__all__ = [
    "BacktestResult",
    "DemandForecaster",
    "DemandModel",
    "EventDemand",
    "InfeasibleRulesError",
    "NotFittedError",
    "PriceRecommendation",
    "PricingRules",
    "SalesHistory",
    "SalesHistoryError",
    "SimulationResult",
    "backtest_lift",
    "choice_probabilities",
    "default_rules",
    "event_rules",
    "forecast_accuracy",
    "forecast_event",
    "forecast_events",
    "offer_from_history",
    "point_elasticity",
    "recommend_events",
    "recommend_prices",
    "schedule_violations",
    "simulate",
]
