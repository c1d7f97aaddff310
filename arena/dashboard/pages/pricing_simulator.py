"""Pricing simulator: recommended vs current prices, edit them, see sales and revenue at once."""

import streamlit as st

from arena.ui import pricing
from arena.ui.context import current_filters
from arena.ui.formatting import format_count, format_euros, format_percent

filters = current_filters()
st.title("Pricing simulator")
st.caption(filters.description)

work = pricing.choose_workspace(filters.organization_slug)

events = work.frames.event_list
choices = [e for e in events["event_id"] if e in set(work.frames.events["event_id"])
           and (e in set(work.frames.upcoming_event_ids()) or e in set(work.history.event_ids))]
labels = events.set_index("event_id")
status_text = {"past": "past · replay", "on_sale": "on sale", "not_on_sale": "not on sale yet"}
event_id = st.selectbox(
    "Event", choices, index=choices.index(pricing.selected_event(choices[0]))
    if pricing.selected_event(choices[0]) in choices else 0,
    format_func=lambda e: f"{labels.loc[e, 'name']} · {labels.loc[e, 'event_date']:%d/%m/%Y} "
                          f"({status_text[labels.loc[e, 'status']]})",
)
pricing.remember_event(event_id)
setup = pricing.event_setup(work, event_id)
if setup.status == "past":
    st.caption("A past event: demand is replayed as it really came; the current policy is the "
               "prices actually charged.")

if setup.recommendation is None:
    st.warning(f"No recommendation: {setup.recommendation_error}")
else:
    if setup.recommendation.held_because:
        st.warning(f"Prices kept at their current level: {setup.recommendation.held_because}.")
    with st.expander("Why these prices", expanded=False):
        for text in setup.recommendation.explanations["explanation"]:
            st.markdown(f"- {text}")

st.subheader("Prices per category and period (€)")
st.caption("Start from the recommendation; edit any cell, the forecast updates at once.")
edited = st.data_editor(
    pricing.editable_prices(setup), key=f"prices_{event_id}", use_container_width=True,
    column_config={column: st.column_config.NumberColumn(column, min_value=0.01, format="%.2f €")
                   for column in pricing.editable_prices(setup).columns},
)
try:
    result, elapsed_ms = pricing.simulate_edit(setup, edited)
except ValueError as problem:
    st.error(f"{problem}.")
    st.stop()

comparison = pricing.comparison_table(setup, result)
mine = comparison.iloc[-1]
base = comparison.iloc[0]
revenue, tickets, fill = st.columns(3)
revenue.metric("Predicted revenue", format_euros(mine["revenue"], 0),
               delta=format_euros(mine["revenue"] - base["revenue"], 0) + " vs current",
               help=f"80 % band: {format_euros(mine['revenue_p10'], 0)} – "
                    f"{format_euros(mine['revenue_p90'], 0)}")
tickets.metric("Predicted tickets", format_count(mine["tickets"]))
fill.metric("Fill rate", format_percent(mine["fill_rate"]))
st.caption(f"Revenue band (p10 – p90): {format_euros(mine['revenue_p10'], 0)} – "
           f"{format_euros(mine['revenue_p90'], 0)} · computed in {elapsed_ms:.0f} ms")

st.dataframe(
    comparison, hide_index=True, use_container_width=True,
    column_config={
        "policy": "Policy",
        "revenue": st.column_config.NumberColumn("Revenue (€)", format="euro"),
        "revenue_p10": st.column_config.NumberColumn("Low (p10)", format="euro"),
        "revenue_p90": st.column_config.NumberColumn("High (p90)", format="euro"),
        "tickets": st.column_config.NumberColumn("Tickets", format="localized"),
        "fill_rate": st.column_config.ProgressColumn("Fill rate", format="percent",
                                                     min_value=0.0, max_value=1.0),
    },
)
st.dataframe(
    result.by_category[["category", "sales", "sales_p10", "sales_p90", "revenue",
                        "sellout_probability"]],
    hide_index=True, use_container_width=True,
    column_config={
        "sales": st.column_config.NumberColumn("Tickets", format="localized"),
        "sales_p10": st.column_config.NumberColumn("Low (p10)", format="localized"),
        "sales_p90": st.column_config.NumberColumn("High (p90)", format="localized"),
        "revenue": st.column_config.NumberColumn("Revenue (€)", format="euro"),
        "sellout_probability": st.column_config.ProgressColumn(
            "Sell-out risk", format="percent", min_value=0.0, max_value=1.0),
    },
)
st.plotly_chart(pricing.schedule_chart(setup, pricing.schedule_from_table(setup, edited)),
                use_container_width=True)

st.subheader("Decide")
note = st.text_input("Note (optional)", key=f"note_{event_id}")
accept, tweak, reject = st.columns(3)
action = None
if accept.button("Accept the recommendation", disabled=setup.recommendation is None):
    action, table = "accepted", pricing.editable_prices(setup)
if tweak.button("Save my prices"):
    action, table = "tweaked", edited
if reject.button("Reject the recommendation", disabled=setup.recommendation is None):
    action, table = "rejected", edited
if action is not None:
    version = pricing.save_decision(work, setup, action, table, note)
    st.success(f"Saved as version {version} of this event's prices ({action}).")

st.subheader("Price history")
history = pricing.price_history(work, event_id)
if history.empty:
    st.info("No saved decision for this event yet: accept, save or reject above.")
else:
    st.dataframe(history, hide_index=True, use_container_width=True, column_config={
        "decided_at": st.column_config.DatetimeColumn("When", format="DD/MM/YYYY HH:mm"),
        "price": st.column_config.NumberColumn("Price (first day)", format="euro"),
        "recommended_price": st.column_config.NumberColumn("Recommended", format="euro"),
    })
