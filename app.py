"""Arena's dashboard entry point: page config and navigation (pages/ are thin views)."""

import streamlit as st

st.set_page_config(page_title="Arena — ticketing intelligence", page_icon="🏟️", layout="wide")

navigation = st.navigation(
    {"Data": [st.Page("pages/home.py", title="Home", icon="🏠", default=True)]}
)
navigation.run()
