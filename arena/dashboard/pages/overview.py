"""Overview: what sold, for how much, when, and how full the events were."""

import streamlit as st

from arena.ui import charts, data
from arena.ui.components import empty_state, event_table_config
from arena.ui.context import current_filters
from arena.ui.formatting import format_count, format_euros, format_percent

filters = current_filters()
st.title("Overview")
st.caption(filters.description)

kpis = data.kpis(filters.scope)
if kpis.tickets == 0:
    empty_state(
        "No data yet: import a file or load the demo.",
        "Import a ticketing export on the **Import** page (or run `arena demo` in a terminal); "
        "if you picked a season or a venue in the sidebar, try **All**.",
    )
    st.stop()

tickets, revenue, average, buyers, fill = st.columns(5)
tickets.metric("Tickets sold", format_count(kpis.tickets), help="Tickets in the selection.")
revenue.metric("Revenue", format_euros(kpis.revenue, 0), help="Sum of ticket prices paid.")
average.metric("Average price", format_euros(kpis.average_price))
buyers.metric("Distinct buyers", format_count(kpis.buyers), help="Customers with a ticket.")
fill.metric(
    "Fill rate",
    format_percent(kpis.fill_rate),
    help="Seats sold or held by season tickets over capacity, for past events whose capacity "
    "is known.",
)

over_time, curve = st.columns(2)
sales = data.sales_by_day(filters.scope)
if sales.empty:
    over_time.info("The imported files carry no purchase dates: no sales timeline.")
else:
    over_time.plotly_chart(charts.sales_over_time(sales), width="stretch")
    curve.plotly_chart(
        charts.booking_curve(data.booking_curve(filters.scope)), width="stretch"
    )

st.subheader("Revenue breakdown")
for column, (dimension, label) in zip(
    st.columns(3),
    [("category", "Seat category"), ("tariff", "Tariff"), ("channel", "Sales channel")],
    strict=True,
):
    column.plotly_chart(
        charts.revenue_breakdown(data.revenue_by(filters.scope, dimension), label),
        width="stretch",
    )

st.subheader(f"Events ({format_count(kpis.events)})")
st.dataframe(
    data.event_table(filters.scope),
    column_config=event_table_config(),
    hide_index=True,
    width="stretch",
)
