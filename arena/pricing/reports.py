"""The tables the Demand and Backtest pages show, computed from a workspace (no Streamlit here)."""

from __future__ import annotations

import pandas as pd

from arena.pricing.backtest import forecast_accuracy
from arena.pricing.history import SalesHistory
from arena.pricing.usecases import forecast_upcoming
from arena.pricing.workspace import MIN_PAST_EVENTS, PricingWorkspace

HOLDOUT_TRAIN_SHARE = 0.75


def demand_tables(work: PricingWorkspace, n_draws: int = 1000) -> dict[str, pd.DataFrame]:
    """Booking curves (actual vs model), fitted curve, drivers, unconstrained demand, forecasts
    of upcoming events and the forecast comparison that chose the method."""
    assert work.history is not None and work.forecaster is not None
    model, history, frames = work.model, work.history, work.frames
    fitted = history.sales.merge(
        model.predict(history, condition_on_sales=True),
        on=["event_id", "category", "days_before"],
    )
    curves = fitted.groupby(["event_id", "days_before"], as_index=False)[
        ["quantity", "expected_quantity"]].sum().sort_values(["event_id", "days_before"],
                                                             ascending=[True, False])
    curves[["actual", "model"]] = curves.groupby("event_id")[
        ["quantity", "expected_quantity"]].cumsum().to_numpy()
    upcoming = frames.events[frames.events["event_id"].isin(frames.upcoming_event_ids())]
    forecast = pd.DataFrame()
    if not upcoming.empty:
        forecast = forecast_upcoming(work.forecaster, upcoming, frames.offer,
                                     frames.sales_to_date(), n_draws=n_draws)
        names = frames.event_list.set_index("event_id")["name"]
        forecast["event"] = forecast["event_id"].map(names)
    return {
        "curves": curves,
        "booking_curve": model.booking_curve(),
        "effects": model.feature_effects(),
        "unconstrained": model.unconstrain(history),
        "forecast": forecast,
        "comparison": work.forecaster.comparison(),
    }


def holdout_accuracy(history: SalesHistory, n_draws: int = 300) -> pd.DataFrame:
    """Accuracy on the latest quarter of past events, the model fitted on the earlier ones
    (empty when there are too few events to hold some out)."""
    dates = history.events.set_index("event_id")["event_date"]
    ids = sorted(history.event_ids, key=lambda e: dates.loc[e])
    cut = max(MIN_PAST_EVENTS, int(len(ids) * HOLDOUT_TRAIN_SHARE))
    if cut >= len(ids):
        return pd.DataFrame()
    train, test = history.subset(ids[:cut]), history.subset(ids[cut:])
    return forecast_accuracy(train, test, cutoffs=(None, 14, 7), n_draws=n_draws)
