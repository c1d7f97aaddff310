"""Logging in: a username and an Argon2id-checked password, or the passwordless demo user."""

from __future__ import annotations

import streamlit as st

from arena.storage.accounts import authenticate, find_user
from arena.ui.demo import DEMO_USERNAME, demo_login_allowed, ensure_demo_loaded
from arena.ui.services import get_services
from arena.ui.session import SessionUser, current_user, log_in


def try_demo_login() -> SessionUser | None:
    """Log in as the demo user when the demo runs on the embedded database (no prompt)."""
    services = get_services()
    if not demo_login_allowed(services) or not ensure_demo_loaded(services):
        return None
    user = find_user(services.engine, DEMO_USERNAME)
    if user is None:
        return None
    session_user = SessionUser(user.id, user.username, user.is_admin, via_demo=True)
    log_in(session_user)
    return session_user


def signed_in_user() -> SessionUser | None:
    """The logged-in user, logging the demo user in automatically where that is allowed."""
    return current_user() or try_demo_login()


def render_login_page() -> None:
    """The only page an anonymous visitor sees."""
    st.title("Arena")
    st.caption("Ticketing intelligence for venues: your exports, your audience, your prices.")
    left, _ = st.columns([1, 2])
    with left, st.form("login"):
        st.subheader("Log in")
        username = st.text_input("Username", key="login_username")
        password = st.text_input("Password", type="password", key="login_password")
        submitted = st.form_submit_button("Log in", type="primary")
    if submitted:
        user = authenticate(get_services().engine, username.strip(), password)
        if user is None:
            st.error("Unknown username or wrong password.")
        else:
            log_in(SessionUser(user.id, user.username, user.is_admin))
            st.rerun()
    st.caption("No account yet? An administrator creates one with `arena users add NAME --org ORG`.")
