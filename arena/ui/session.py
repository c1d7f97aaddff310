"""Typed accessors for the dashboard's session state, so pages never touch raw keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

_USER = "arena.user"
_FILTERS = "arena.filters"
_STUDIO = "arena.studio"
_FLASHES = "arena.flashes"
_FRAME = "arena.frame_running"


@dataclass(frozen=True)
class SessionUser:
    """Who is logged in; `via_demo` is True when the demo logged in without a password."""

    id: int
    username: str
    is_admin: bool
    via_demo: bool = False


def current_user() -> SessionUser | None:
    return st.session_state.get(_USER)


def log_in(user: SessionUser) -> None:
    st.session_state[_USER] = user


def log_out() -> None:
    for key in list(st.session_state.keys()):
        del st.session_state[key]


def store_filters(filters: Any) -> None:
    st.session_state[_FILTERS] = filters


def stored_filters() -> Any:
    return st.session_state.get(_FILTERS)


def studio_state() -> dict[str, Any]:
    """The Import studio's scratch space (chosen file, last validation, last import)."""
    return st.session_state.setdefault(_STUDIO, {})


def flash(message: str) -> None:
    """A success message to show once, on the next run (after an `st.rerun()`)."""
    st.session_state.setdefault(_FLASHES, []).append(message)


def pop_flashes() -> list[str]:
    return st.session_state.pop(_FLASHES, [])


def mark_frame(running: bool) -> None:
    st.session_state[_FRAME] = running


def frame_ran() -> bool:
    """True while app.py's navigation runs a page (login and sidebar already drawn)."""
    return bool(st.session_state.get(_FRAME))
