"""Streamlit helpers of the pricing pages: cached fitted models, event set-ups, charts, decisions.

Fitting the demand model takes seconds, so it is cached per database, organization, product line
and data version (tickets, imports and saved prices): a new import or a saved price gives a new
key, never a stale model. Everything a slider touches afterwards is cheap (``simulate``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from arena.pricing import (
    BacktestResult,
    DemandModel,
    EventDemand,
    InfeasibleRulesError,
    PriceRecommendation,
    PricingRules,
    SimulationResult,
    backtest_lift,
    default_rules,
    forecast_events,
    recommend_prices,
    simulate,
)
from arena.pricing.backtest import charged_schedule
from arena.pricing.engine import build_event_demands
from arena.pricing.history import SalesHistory
from arena.pricing.ports import PriceChange, PricingFrames, PricingRepository, ProductLine
from arena.ui.formatting import PLOTLY_SEPARATORS
from arena.ui.services import database_key, get_services
from arena.ui.session import current_user

MIN_PAST_EVENTS = 3
SIMULATION_DRAWS = 500
EMPTY_HEADLINE = "No sales history yet: import ticketing data or load the demo."
EMPTY_NEXT_STEP = (
    "Pricing learns from tickets with a purchase date, a seat category and a price: import an "
    "export on the **Import** page (or run `arena demo`), then come back."
)
_SELECTED_EVENT = "arena.pricing.event"


def repository() -> PricingRepository:
    """The pricing adapter chosen by the composition root."""
    return get_services().pricing_repository


@dataclass(frozen=True)
class PricingWorkspace:
    """One product line's frames, its completed-event history and the model fitted on it."""

    organization: str
    line: ProductLine
    frames: PricingFrames
    history: SalesHistory | None
    model: DemandModel | None

    @property
    def ready(self) -> bool:
        return self.model is not None


@st.cache_data(ttl=600, show_spinner=False)
def _product_lines(database: str, organization: str, version: str) -> list[ProductLine]:
    return repository().product_lines(organization)


@st.cache_resource(show_spinner="Fitting the demand model on past sales…", max_entries=16)
def _workspace(database: str, organization: str, line_key: str, version: str
               ) -> PricingWorkspace:
    lines = {line.key: line for line in repository().product_lines(organization)}
    frames = repository().pricing_frames(organization, line_key)
    past = frames.past_event_ids()
    if len(past) < MIN_PAST_EVENTS:
        return PricingWorkspace(organization, lines[line_key], frames, None, None)
    history = frames.history()
    return PricingWorkspace(organization, lines[line_key], frames, history,
                            DemandModel().fit(history))


def product_lines(organization: str) -> list[ProductLine]:
    return _product_lines(database_key(), organization, repository().data_version(organization))


def choose_workspace(organization: str) -> PricingWorkspace:
    """The product-line picker shared by the pricing pages; stops the page with an empty state
    that says what to do when there is nothing to model yet."""
    from arena.ui.components import empty_state

    lines = product_lines(organization)
    if not lines:
        empty_state(EMPTY_HEADLINE, EMPTY_NEXT_STEP)
        st.stop()
    line = st.selectbox(
        "Product line", lines, format_func=line_label,
        help="Events sold with the same seat categories share one demand model.",
    )
    work = workspace(organization, line)
    if not work.ready:
        empty_state(f"Not enough completed events yet (at least {MIN_PAST_EVENTS}).",
                    "Import the sales of more past events, or load the demo with `arena demo`.")
        st.stop()
    return work


def workspace(organization: str, line: ProductLine) -> PricingWorkspace:
    """The fitted workspace of a product line, refitted only when the data version changes."""
    version = repository().data_version(organization)
    return _workspace(database_key(), organization, line.key, version)


def line_label(line: ProductLine) -> str:
    return line.label


# ---------------------------------------------------------------------- demand page
@st.cache_data(ttl=600, show_spinner=False)
def _demand_tables(database: str, organization: str, line_key: str, version: str
                   ) -> dict[str, pd.DataFrame]:
    work = _workspace(database, organization, line_key, version)
    assert work.model is not None and work.history is not None
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
        forecast = forecast_events(model, upcoming, frames.offer, frames.sales_to_date(),
                                   n_draws=1000)
        names = frames.event_list.set_index("event_id")["name"]
        forecast["event"] = forecast["event_id"].map(names)
    return {
        "curves": curves,
        "booking_curve": model.booking_curve(),
        "effects": model.feature_effects(),
        "unconstrained": model.unconstrain(history),
        "forecast": forecast,
    }


def demand_tables(work: PricingWorkspace) -> dict[str, pd.DataFrame]:
    version = repository().data_version(work.organization)
    return _demand_tables(database_key(), work.organization, work.line.key, version)


# ---------------------------------------------------------------------- backtest page
@st.cache_data(ttl=3600, show_spinner="Replaying past events with recommended prices…")
def _backtest(database: str, organization: str, line_key: str, version: str) -> BacktestResult:
    work = _workspace(database, organization, line_key, version)
    assert work.model is not None and work.history is not None
    return backtest_lift(work.model, work.history, n_draws=200)


def backtest(work: PricingWorkspace) -> BacktestResult:
    version = repository().data_version(work.organization)
    return _backtest(database_key(), work.organization, work.line.key, version)


@st.cache_data(ttl=3600, show_spinner="Measuring forecast accuracy on held-out events…")
def _accuracy(database: str, organization: str, line_key: str, version: str) -> pd.DataFrame:
    from arena.pricing import forecast_accuracy

    work = _workspace(database, organization, line_key, version)
    history = work.history
    assert history is not None
    ids = sorted(history.event_ids,
                 key=lambda e: history.events.set_index("event_id").loc[e, "event_date"])
    cut = max(MIN_PAST_EVENTS, int(len(ids) * 0.75))
    if cut >= len(ids):
        return pd.DataFrame()
    train, test = history.subset(ids[:cut]), history.subset(ids[cut:])
    return forecast_accuracy(train, test, cutoffs=(None, 14, 7), n_draws=300)


def forecast_accuracy_table(work: PricingWorkspace) -> pd.DataFrame:
    """Accuracy on the latest quarter of past events, the model fitted on the earlier ones."""
    version = repository().data_version(work.organization)
    return _accuracy(database_key(), work.organization, work.line.key, version)


# ---------------------------------------------------------------------- simulator page
@dataclass(frozen=True)
class EventSetup:
    """Everything the simulator needs for one event, computed once per event and data version."""

    event_id: str
    status: str
    demand: EventDemand
    current: np.ndarray  # (days, categories) the current policy
    recommendation: PriceRecommendation | None
    recommendation_error: str | None
    current_result: SimulationResult
    recommended_result: SimulationResult | None

    @property
    def categories(self) -> tuple[str, ...]:
        return self.demand.categories

    @property
    def days(self) -> np.ndarray:
        return self.demand.days_before.astype(int)


def _rules(work: PricingWorkspace, event_id: str, horizon: int) -> PricingRules:
    assert work.history is not None
    rules = default_rules(work.history, horizon_days=horizon)
    offer = work.frames.offer[work.frames.offer["event_id"] == event_id].set_index("category")
    season = offer["season_ticket_price"].reindex(list(rules.categories)).fillna(0.0).to_numpy()
    try:
        return PricingRules(rules.categories, rules.pmin, rules.pmax, rules.max_daily_step,
                            rules.min_ratio, rules.monotone, horizon,
                            np.minimum(season, rules.pmax))
    except InfeasibleRulesError:
        return rules


@st.cache_resource(show_spinner="Preparing the event…", max_entries=64)
def _event_setup(database: str, organization: str, line_key: str, version: str,
                 event_id: str) -> EventSetup:
    work = _workspace(database, organization, line_key, version)
    assert work.model is not None and work.history is not None
    model, frames = work.model, work.frames
    status = str(frames.event_list.set_index("event_id").loc[event_id, "status"])
    if status == "past":
        # A replay: demand conditioned on what the event really sold, its charged prices as the
        # current policy; the recommendation is made without hindsight, as in the backtest.
        days, charged, capacity = charged_schedule(work.history, event_id, model.categories_)
        event = work.history.events.set_index("event_id").loc[[event_id]].reset_index()
        posterior = model.multiplier_posterior(work.history.subset([event_id])).iloc[0]
        demand = model.event_demand(event, capacity, int(days[0]),
                                    multiplier=(posterior["shape"], posterior["rate"]))
        prior = model.event_demand(event, capacity, int(days[0]))
        current = charged
    else:
        event = frames.events[frames.events["event_id"] == event_id]
        built = build_event_demands(model, event, frames.offer, frames.sales_to_date())
        demand, prices = built[event_id]
        prior, current = demand, np.tile(prices, (len(demand.days_before), 1))
    recommendation, error = None, None
    try:
        rules = _rules(work, event_id, int(demand.days_before[0]))
        recommendation = recommend_prices(prior, rules, current[0])
    except InfeasibleRulesError as problem:
        error = str(problem)
    recommended = (
        simulate(demand, recommendation.as_matrix(), SIMULATION_DRAWS)
        if recommendation is not None else None
    )
    return EventSetup(event_id, status, demand, current, recommendation, error,
                      simulate(demand, current, SIMULATION_DRAWS), recommended)


def event_setup(work: PricingWorkspace, event_id: str) -> EventSetup:
    version = repository().data_version(work.organization)
    return _event_setup(database_key(), work.organization, work.line.key, version, event_id)


def periods(days: np.ndarray, count: int = 3) -> list[tuple[int, int]]:
    """Split the remaining selling days into up to ``count`` periods (first day, last day)."""
    chunks = [chunk for chunk in np.array_split(days, min(count, len(days))) if chunk.size]
    return [(int(chunk[0]), int(chunk[-1])) for chunk in chunks]


def period_label(period: tuple[int, int]) -> str:
    return f"D-{period[0]} → D-{period[1]}"


def editable_prices(setup: EventSetup) -> pd.DataFrame:
    """Categories x periods, starting from the recommendation (else the current prices)."""
    matrix = setup.recommendation.as_matrix() if setup.recommendation is not None \
        else setup.current
    table = {}
    for period in periods(setup.days):
        rows = (setup.days <= period[0]) & (setup.days >= period[1])
        table[period_label(period)] = np.round(matrix[rows].mean(axis=0), 2)
    return pd.DataFrame(table, index=list(setup.categories))


def schedule_from_table(setup: EventSetup, table: pd.DataFrame) -> np.ndarray:
    """The (days x categories) schedule an edited categories x periods table stands for."""
    matrix = np.empty((len(setup.days), len(setup.categories)))
    for period in periods(setup.days):
        rows = (setup.days <= period[0]) & (setup.days >= period[1])
        values = pd.to_numeric(table[period_label(period)], errors="coerce")
        matrix[rows] = values.reindex(list(setup.categories)).to_numpy(dtype=float)
    return matrix


def simulate_edit(setup: EventSetup, table: pd.DataFrame) -> tuple[SimulationResult, float]:
    """Predicted outcome of the edited prices and the milliseconds it took (the page's budget)."""
    started = time.perf_counter()
    schedule = schedule_from_table(setup, table)
    if not np.isfinite(schedule).all() or (schedule <= 0).any():
        raise ValueError("every price must be a positive amount")
    result = simulate(setup.demand, schedule, SIMULATION_DRAWS)
    return result, (time.perf_counter() - started) * 1000


def comparison_table(setup: EventSetup, edited: SimulationResult) -> pd.DataFrame:
    """Current policy, recommendation and edited prices side by side (mean and p10-p90)."""
    rows = []
    for label, result in (("Current prices", setup.current_result),
                          ("Recommended", setup.recommended_result), ("Your prices", edited)):
        if result is None:
            continue
        total = result.total
        rows.append({"policy": label, "revenue": total["revenue"],
                     "revenue_p10": total["revenue_p10"], "revenue_p90": total["revenue_p90"],
                     "tickets": total["sales"], "fill_rate": total["fill_rate"]})
    return pd.DataFrame(rows)


def selected_event(default: str) -> str:
    return str(st.session_state.get(_SELECTED_EVENT, default))


def remember_event(event_id: str) -> None:
    st.session_state[_SELECTED_EVENT] = event_id


def save_decision(work: PricingWorkspace, setup: EventSetup, action: str,
                  table: pd.DataFrame, note: str) -> int:
    """Append a version to the event's price history; the next run refits on the new version."""
    schedule = schedule_from_table(setup, table)
    recommended = setup.recommendation.as_matrix() if setup.recommendation is not None else None
    if action == "rejected" and recommended is not None:
        schedule = recommended  # what was rejected is the recommendation itself
    changes = [
        PriceChange(category, float(schedule[t, c]), int(day),
                    None if recommended is None else float(recommended[t, c]))
        for t, day in enumerate(setup.days) for c, category in enumerate(setup.categories)
    ]
    user = current_user()
    version = repository().record_decision(
        work.organization, setup.event_id, action, changes,
        decided_by=user.username if user else None, note=note or None,
    )
    # No cache to clear: every cached pricing figure is keyed by the organization's data version,
    # which this decision changes, so only this organization's figures are recomputed.
    return version


def price_history(work: PricingWorkspace, event_id: str) -> pd.DataFrame:
    """Saved versions, one row per version x category (the first day's price shown)."""
    history = repository().price_history(work.organization, event_id)
    if history.empty:
        return history
    first = history.sort_values("days_before", ascending=False, na_position="first")
    return first.groupby(["version", "category"], as_index=False).first().sort_values(
        ["version", "category"], ascending=[False, True])[
        ["version", "decided_at", "decided_by", "action", "category", "price",
         "recommended_price", "note"]]


# ---------------------------------------------------------------------- charts
def _styled(figure: go.Figure, height: int = 340) -> go.Figure:
    figure.update_layout(separators=PLOTLY_SEPARATORS, height=height, legend_title_text="",
                         margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return figure


def curves_chart(curves: pd.DataFrame, event_id: str, name: str) -> go.Figure:
    mine = curves[curves["event_id"] == event_id].melt(
        id_vars="days_before", value_vars=["actual", "model"], var_name="series",
        value_name="tickets")
    figure = px.line(mine, x="days_before", y="tickets", color="series",
                     labels={"days_before": "Days before the event",
                             "tickets": "Cumulative tickets"},
                     title=f"Booking curve of {name}: actual vs model")
    figure.update_xaxes(autorange="reversed")
    return _styled(figure)


def forecast_chart(forecast: pd.DataFrame) -> go.Figure:
    figure = go.Figure(go.Bar(
        x=forecast["category"], y=forecast["p50"], name="Median forecast",
        error_y={"type": "data", "symmetric": False,
                 "array": forecast["p90"] - forecast["p50"],
                 "arrayminus": forecast["p50"] - forecast["p10"]},
        hovertemplate="%{x}: %{y:,.0f} tickets (p10-p90 band)<extra></extra>"))
    figure.update_layout(title="Forecast final sales per category (p10 – p90)",
                         yaxis_title="Tickets")
    return _styled(figure)


def effects_chart(effects: pd.DataFrame) -> go.Figure:
    top = effects.head(12).iloc[::-1]
    figure = px.bar(top, x="demand_multiplier", y="feature", orientation="h",
                    labels={"demand_multiplier": "Demand multiplier (1 = no effect)",
                            "feature": ""}, title="What drives demand")
    figure.add_vline(x=1.0, line_dash="dot")
    return _styled(figure, height=max(260, 40 + 26 * len(top)))


def unconstrained_chart(table: pd.DataFrame) -> go.Figure:
    long = table.melt(id_vars="label", value_vars=["observed", "unconstrained"],
                      var_name="series", value_name="tickets")
    figure = px.bar(long, x="label", y="tickets", color="series", barmode="group",
                    labels={"label": "", "tickets": "Tickets"},
                    title="Sold-out categories: observed sales vs estimated true demand")
    return _styled(figure)


def schedule_chart(setup: EventSetup, edited: np.ndarray) -> go.Figure:
    frames = []
    named = [("Current", setup.current), ("Your prices", edited)]
    if setup.recommendation is not None:
        named.insert(1, ("Recommended", setup.recommendation.as_matrix()))
    for label, matrix in named:
        for c, category in enumerate(setup.categories):
            frames.append(pd.DataFrame({"days_before": setup.days, "price": matrix[:, c],
                                        "category": category, "policy": label}))
    figure = px.line(pd.concat(frames), x="days_before", y="price", color="category",
                     line_dash="policy", labels={"days_before": "Days before the event",
                                                 "price": "Price (€)"},
                     title="Price schedules")
    figure.update_xaxes(autorange="reversed")
    return _styled(figure)


def lift_chart(per_event: pd.DataFrame, names: pd.Series) -> go.Figure:
    frame = per_event.assign(event=per_event["event_id"].map(names).fillna(per_event["event_id"]))
    figure = go.Figure(go.Bar(
        x=frame["event"] + " (" + frame["event_id"] + ")", y=frame["lift"],
        error_y={"type": "data", "symmetric": False, "array": frame["lift_p90"] - frame["lift"],
                 "arrayminus": frame["lift"] - frame["lift_p10"]},
        hovertemplate="%{x}: %{y:,.0f} € (p10-p90 band)<extra></extra>"))
    figure.update_layout(title="Revenue lift per event, recommended vs charged prices",
                         yaxis_title="Lift (€)")
    return _styled(figure, height=380)
