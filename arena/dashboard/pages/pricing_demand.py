"""Demand: booking curves (actual vs model), forecasts of upcoming events, drivers, sell-outs."""

import streamlit as st

from arena.ui import pricing
from arena.ui.context import current_filters
from arena.ui.formatting import format_count, format_percent

filters = current_filters()
st.title("Demand")
st.caption(filters.description)

work = pricing.choose_workspace(filters.organization_slug)

tables = pricing.demand_tables(work)
with st.expander("Which forecast is used, and why", expanded=False):
    st.caption("Each method forecast this venue's past events from the events before them "
               "only; the one with the smallest error is used at each moment of the sale.")
    for sentence in pricing.model_selection_sentences(work):
        st.markdown(f"- {sentence}")
names = work.frames.event_list.set_index("event_id")["name"]
dates = work.frames.event_list.set_index("event_id")["event_date"]

st.subheader("Booking curves of past events")
past = work.history.event_ids if work.history is not None else []
event_id = st.selectbox(
    "Past event", past[::-1],
    format_func=lambda e: f"{names[e]} · {dates[e]:%d/%m/%Y}",
)
st.plotly_chart(pricing.curves_chart(tables["curves"], event_id, names[event_id]),
                use_container_width=True)

st.subheader("Forecast of upcoming events")
forecast = tables["forecast"]
if forecast.empty:
    st.info("No upcoming event in this product line: import the next events' sales to date "
            "to see their forecast.")
else:
    upcoming = st.selectbox("Upcoming event", list(dict.fromkeys(forecast["event_id"])),
                            format_func=lambda e: f"{names[e]} · {dates[e]:%d/%m/%Y}")
    mine = forecast[forecast["event_id"] == upcoming]
    left, right = st.columns([3, 2])
    left.plotly_chart(pricing.forecast_chart(mine), use_container_width=True)
    right.dataframe(
        mine[["category", "p10", "p50", "p90", "sellout_probability"]],
        column_config={
            "category": "Category",
            "p10": st.column_config.NumberColumn("Low (p10)", format="localized"),
            "p50": st.column_config.NumberColumn("Median", format="localized"),
            "p90": st.column_config.NumberColumn("High (p90)", format="localized"),
            "sellout_probability": st.column_config.ProgressColumn(
                "Sell-out risk", format="percent", min_value=0.0, max_value=1.0),
        },
        hide_index=True, use_container_width=True,
    )
    risky = mine[mine["sellout_probability"] >= 0.5]
    for row in risky.itertuples():
        st.warning(f"{row.category}: {format_percent(row.sellout_probability, 0)} chance to sell "
                   "out; consider raising its price (see the Pricing simulator).")

left, right = st.columns(2)
left.plotly_chart(pricing.effects_chart(tables["effects"]), use_container_width=True)
curve = tables["booking_curve"]
right.caption("Share of final arrivals already in, by days before the event (fitted)")
right.line_chart(curve.set_index("days_before")["cumulative_share"])

st.subheader("Sold-out events: hidden demand")
unconstrained = tables["unconstrained"]
sold_out = unconstrained[unconstrained["sold_out"]].copy()
if sold_out.empty:
    st.info("No category sold out in this history: observed sales are the true demand.")
else:
    sold_out["label"] = sold_out["event_id"].map(names) + " · " + sold_out["category"]
    hidden = (sold_out["unconstrained"] - sold_out["observed"]).sum()
    st.caption(f"{format_count(len(sold_out))} sold-out categories; about "
               f"{format_count(hidden)} buyers turned away (estimated).")
    st.plotly_chart(pricing.unconstrained_chart(sold_out.tail(20)), use_container_width=True)
