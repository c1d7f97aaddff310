"""Streamlit side of the pricing pages: cached workspaces and tables, the page state, charts.

The use cases (workspace, event set-up, rules, decisions, reports) live in ``arena.pricing`` and
are shared with the CLI; this module only caches them and draws. Fitting the forecaster takes
seconds, so it is cached per database, organization, product line and data version (tickets,
imports and saved prices): a new import or a saved price gives a new key, never a stale model.
Everything a slider touches afterwards is cheap (``simulate``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from arena.pricing.backtest import BacktestResult, backtest_lift
from arena.pricing.decisions import price_versions, record_decision
from arena.pricing.forecast import SimulationResult
from arena.pricing.ports import PricingRepository, ProductLine
from arena.pricing.reports import demand_tables as build_demand_tables
from arena.pricing.reports import holdout_accuracy
from arena.pricing.what_if import (
    EventSetup,
    comparison_table,
    editable_prices,
    prepare_event,
    schedule_from_table,
    simulate_edit,
)
from arena.pricing.workspace import MIN_PAST_EVENTS, PricingWorkspace, open_workspace
from arena.ui.formatting import PLOTLY_SEPARATORS
from arena.ui.services import database_key, get_services
from arena.ui.session import current_user

__all__ = [
    "EventSetup", "PricingWorkspace", "SimulationResult", "comparison_table", "editable_prices",
    "schedule_from_table", "simulate_edit",
]

EMPTY_HEADLINE = "No sales history yet: import ticketing data or load the demo."
EMPTY_NEXT_STEP = (
    "Pricing learns from tickets with a purchase date, a seat category and a price: import an "
    "export on the **Import** page (or run `arena demo`), then come back."
)
_SELECTED_EVENT = "arena.pricing.event"


def repository() -> PricingRepository:
    """The pricing adapter chosen by the composition root."""
    return get_services().pricing_repository


@st.cache_data(ttl=600, show_spinner=False)
def _product_lines(database: str, organization: str, version: str) -> list[ProductLine]:
    return repository().product_lines(organization)


@st.cache_resource(show_spinner="Fitting and checking the demand model on past sales…",
                   max_entries=16)
def _workspace(database: str, organization: str, line_key: str, version: str
               ) -> PricingWorkspace:
    return open_workspace(repository(), organization, line_key)


def product_lines(organization: str) -> list[ProductLine]:
    return _product_lines(database_key(), organization, repository().data_version(organization))


def choose_workspace(organization: str) -> PricingWorkspace:
    """The product-line picker shared by the pricing pages; stops the page with an empty state
    that says what to do when there is nothing to model yet, and says when the demand model
    failed its checks."""
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
    assert work.forecaster is not None
    for warning in work.forecaster.warnings():
        st.warning(warning, icon=":material/warning:")
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
    return build_demand_tables(_workspace(database, organization, line_key, version))


def demand_tables(work: PricingWorkspace) -> dict[str, pd.DataFrame]:
    version = repository().data_version(work.organization)
    return _demand_tables(database_key(), work.organization, work.line.key, version)


def model_selection_sentences(work: PricingWorkspace) -> list[str]:
    """How the forecast was chosen for this venue, in words (the Demand page shows them)."""
    assert work.forecaster is not None
    return work.forecaster.selection_sentences()


# ---------------------------------------------------------------------- backtest page
@st.cache_data(ttl=3600, show_spinner="Replaying past events with recommended prices…")
def _backtest(database: str, organization: str, line_key: str, version: str) -> BacktestResult:
    work = _workspace(database, organization, line_key, version)
    assert work.history is not None
    return backtest_lift(work.model, work.history, n_draws=200)


def backtest(work: PricingWorkspace) -> BacktestResult:
    version = repository().data_version(work.organization)
    return _backtest(database_key(), work.organization, work.line.key, version)


@st.cache_data(ttl=3600, show_spinner="Measuring forecast accuracy on held-out events…")
def _accuracy(database: str, organization: str, line_key: str, version: str) -> pd.DataFrame:
    work = _workspace(database, organization, line_key, version)
    assert work.history is not None
    return holdout_accuracy(work.history)


def forecast_accuracy_table(work: PricingWorkspace) -> pd.DataFrame:
    """Accuracy on the latest quarter of past events, the model fitted on the earlier ones."""
    version = repository().data_version(work.organization)
    return _accuracy(database_key(), work.organization, work.line.key, version)


# ---------------------------------------------------------------------- simulator page
@st.cache_resource(show_spinner="Preparing the event…", max_entries=64)
def _event_setup(database: str, organization: str, line_key: str, version: str,
                 event_id: str) -> EventSetup:
    return prepare_event(_workspace(database, organization, line_key, version), event_id)


def event_setup(work: PricingWorkspace, event_id: str) -> EventSetup:
    version = repository().data_version(work.organization)
    return _event_setup(database_key(), work.organization, work.line.key, version, event_id)


def selected_event(default: str) -> str:
    return str(st.session_state.get(_SELECTED_EVENT, default))


def remember_event(event_id: str) -> None:
    st.session_state[_SELECTED_EVENT] = event_id


def save_decision(work: PricingWorkspace, setup: EventSetup, action: str,
                  table: pd.DataFrame, note: str) -> int:
    """Append a version to the event's price history; the next run refits on the new version."""
    user = current_user()
    version = record_decision(repository(), work, setup, action, table, note,
                              decided_by=user.username if user else None)
    # No cache to clear: every cached pricing figure is keyed by the organization's data version,
    # which this decision changes, so only this organization's figures are recomputed.
    return version


def price_history(work: PricingWorkspace, event_id: str) -> pd.DataFrame:
    """Saved versions, one row per version x category (the first day's price shown)."""
    return price_versions(repository().price_history(work.organization, event_id))


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
