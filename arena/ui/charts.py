"""Plotly figures for the Overview, labelled for managers and formatted the French way."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from arena.ui.formatting import PLOTLY_SEPARATORS

ACCENT = "#1f6feb"
_MONEY_HOVER = "%{y:,.2f} €"


def _styled(figure: go.Figure, height: int = 340) -> go.Figure:
    figure.update_layout(
        separators=PLOTLY_SEPARATORS,
        height=height,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend_title_text="",
        hovermode="x unified",
    )
    return figure


def sales_over_time(frame: pd.DataFrame) -> go.Figure:
    """Tickets per purchase week (bars): days are too noisy to read over a whole season."""
    weekly = (
        frame.set_index("day")[["tickets", "revenue"]].resample("W-MON").sum().reset_index()
    )
    figure = px.bar(
        weekly, x="day", y="tickets", color_discrete_sequence=[ACCENT],
        labels={"day": "Week of purchase", "tickets": "Tickets sold"},
        title="Sales over time (by purchase week)", custom_data=["revenue"],
    )
    figure.update_traces(
        hovertemplate="%{y:,} tickets · %{customdata[0]:,.0f} €<extra></extra>"
    )
    return _styled(figure)


def booking_curve(frame: pd.DataFrame) -> go.Figure:
    """Cumulative share of tickets sold against days before the event (the revenue manager's
    classic view: how early does the house fill?)."""
    figure = px.line(
        frame, x="days_before", y="cumulative_share",
        labels={"days_before": "Days before the event", "cumulative_share": "Share of tickets sold"},
        title="Booking curve", color_discrete_sequence=[ACCENT],
    )
    figure.update_xaxes(autorange="reversed")
    figure.update_yaxes(tickformat=".0%", range=[0, 1.02])
    figure.update_traces(hovertemplate="D-%{x}: %{y:.1%} sold<extra></extra>")
    return _styled(figure)


def revenue_breakdown(frame: pd.DataFrame, label: str) -> go.Figure:
    """Horizontal bars of revenue per category, tariff or channel, biggest at the top."""
    top = frame.head(15).iloc[::-1]
    figure = px.bar(
        top, x="revenue", y="name", orientation="h", color_discrete_sequence=[ACCENT],
        labels={"revenue": "Revenue (€)", "name": label}, custom_data=["tickets"],
        title=f"Revenue by {label.lower()}",
    )
    figure.update_traces(
        hovertemplate="%{x:,.2f} € · %{customdata[0]:,} tickets<extra></extra>"
    )
    figure.update_layout(hovermode="closest")
    return _styled(figure, height=max(260, 40 + 28 * len(top)))
