"""Home: what Arena is and where to start."""

import streamlit as st

st.title("Arena")
st.write(
    "Ticketing intelligence for venues: import your ticketing exports, know your audience, "
    "price your events."
)
st.info("No data yet: import a file or load the demo with `arena demo`.")
