"""Arena's dashboard entry point: page config, login, the shared sidebar and the navigation.

Adding a page is one line in PAGES; pages stay thin and reach the domain through `arena.ui`.
"""

import streamlit as st

from arena.ui.auth import render_login_page, signed_in_user
from arena.ui.context import frame_rendered, render_no_organization_page, render_sidebar

st.set_page_config(page_title="Arena — ticketing intelligence", page_icon=":material/stadium:", layout="wide")

PAGES = {
    "Data": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("pages/import_studio.py", title="Import", icon=":material/upload_file:", url_path="import"),
        st.Page("pages/import_history.py", title="Import history", icon=":material/history:",
                url_path="import-history"),
    ],
    "Pricing": [
        st.Page("pages/pricing_demand.py", title="Demand", icon=":material/trending_up:", url_path="demand"),
        st.Page("pages/pricing_simulator.py", title="Pricing simulator", icon=":material/tune:",
                url_path="pricing-simulator"),
        st.Page("pages/pricing_backtest.py", title="Backtest", icon=":material/science:", url_path="backtest"),
    ],
}

user = signed_in_user()
if user is None:
    st.navigation([st.Page(render_login_page, title="Log in", icon=":material/login:")], position="hidden").run()
elif render_sidebar(user) is None:
    st.navigation([st.Page(render_no_organization_page, title="Arena")], position="hidden").run()
else:
    navigation = st.navigation(PAGES)
    with frame_rendered():
        navigation.run()
