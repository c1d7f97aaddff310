"""Backtest: what recommended prices would have earned on past events, and forecast accuracy."""

import streamlit as st

from arena.ui import pricing
from arena.ui.context import current_filters
from arena.ui.formatting import format_euros, format_number

filters = current_filters()
st.title("Backtest")
st.caption(filters.description)

work = pricing.choose_workspace(filters.organization_slug)

result = pricing.backtest(work)
st.info(result.caveat, icon="⚖️")

st.subheader("Lift per season")
for row in result.per_season.itertuples():
    st.metric(
        f"Season {row.season} ({row.events} events)",
        f"{format_number(row.lift_pct, 1)} %",
        delta=format_euros(row.lift, 0),
        help=f"80 % band: {format_number(row.lift_pct_p10, 1)} % to "
             f"{format_number(row.lift_pct_p90, 1)} % of the revenue at charged prices "
             f"({format_euros(row.model_revenue_charged, 0)}).",
    )

st.subheader("Lift per event")
names = work.frames.event_list.set_index("event_id")["name"]
st.plotly_chart(pricing.lift_chart(result.per_event, names), use_container_width=True)
st.dataframe(
    result.per_event.assign(event=result.per_event["event_id"].map(names)),
    hide_index=True, use_container_width=True,
    column_order=["event", "season", "actual_revenue", "model_revenue_charged",
                  "model_revenue_recommended", "lift", "lift_p10", "lift_p90", "lift_pct"],
    column_config={
        "event": "Event", "season": "Season",
        "actual_revenue": st.column_config.NumberColumn("Actual revenue", format="euro"),
        "model_revenue_charged": st.column_config.NumberColumn("Model, charged", format="euro"),
        "model_revenue_recommended": st.column_config.NumberColumn("Model, recommended",
                                                                   format="euro"),
        "lift": st.column_config.NumberColumn("Lift", format="euro"),
        "lift_p10": st.column_config.NumberColumn("Low (p10)", format="euro"),
        "lift_p90": st.column_config.NumberColumn("High (p90)", format="euro"),
        "lift_pct": st.column_config.NumberColumn("Lift %", format="%.1f %%"),
    },
)

st.subheader("Forecast accuracy")
accuracy = pricing.forecast_accuracy_table(work)
if accuracy.empty:
    st.info("Too few past events to hold some out: accuracy needs at least 5 completed events.")
else:
    st.caption("The model is fitted on the earlier three quarters of past events and forecasts "
               "the latest quarter at the prices charged. WAPE: weighted absolute error "
               "(lower is better); coverage: share of actual sales inside the 80 % band.")
    st.dataframe(accuracy, hide_index=True, use_container_width=True, column_config={
        "cutoff": "When", "method": "Method",
        "wape": st.column_config.NumberColumn("WAPE", format="percent"),
        "pinball": st.column_config.NumberColumn("Pinball loss", format="%.1f"),
        "coverage_80": st.column_config.NumberColumn("80 % band coverage", format="percent"),
    })
