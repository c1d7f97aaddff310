"""The shared sidebar (organization picker, season and venue filters) and its accessor for pages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import streamlit as st

from arena.storage.analytics import Scope
from arena.tenancy import Organization
from arena.ui import data
from arena.ui.auth import render_login_page, signed_in_user
from arena.ui.session import (
    SessionUser,
    frame_ran,
    log_out,
    mark_frame,
    store_filters,
    stored_filters,
)

ALL = "All"


@dataclass(frozen=True)
class Filters:
    """What every page shows: one organization of the user, optionally one season and venue."""

    organization_id: int
    organization_slug: str
    organization_name: str
    season_id: int | None = None
    season_label: str | None = None
    venue_id: int | None = None
    venue_name: str | None = None

    @property
    def organization(self) -> Organization:
        """The picked organization, resolved once by the picker, as every layer takes it."""
        return Organization(self.organization_id, self.organization_slug, self.organization_name)

    @property
    def scope(self) -> Scope:
        return Scope(self.organization_id, self.season_id, self.venue_id)

    @property
    def description(self) -> str:
        """`Stade Atlantique · 2015-2016 · all venues`, for page captions."""
        return " · ".join(
            [
                self.organization_name,
                self.season_label or "all seasons",
                self.venue_name or "all venues",
            ]
        )


@contextmanager
def frame_rendered() -> Iterator[None]:
    """Wraps `navigation.run()` in app.py: pages then know the login and sidebar already ran."""
    mark_frame(True)
    try:
        yield
    finally:
        mark_frame(False)


def current_filters() -> Filters:
    """The sidebar's choice for this run, for every page.

    Streamlit runs a `pages/` script on its own (without app.py) on the first request of a
    fresh server to a page URL, and AppTest does so on reruns; the page then draws the login and
    the sidebar itself, so no page is ever reachable without a login.
    """
    filters = stored_filters()
    if frame_ran() and filters is not None:
        return filters
    user = signed_in_user()
    if user is None:
        if filters is not None:  # set directly by a page test: sessions store filters only
            return filters  # after a login, and logging out clears them
        render_login_page()
        st.stop()
    filters = render_sidebar(user)  # type: ignore[arg-type]
    if filters is None:
        render_no_organization_page()
        st.stop()
    return filters  # type: ignore[return-value]


_PERSISTENT_FILTERS = ("sidebar_organization", "sidebar_season_", "sidebar_venue_")


def render_sidebar(user: SessionUser) -> Filters | None:
    """Draw the organization picker and filters; None when the user belongs to no organization."""
    organizations = data.organizations_for(user)
    # Streamlit forgets a keyed widget's value on a run where the widget is not drawn (page
    # switches): copying the values onto themselves keeps the filters from page to page.
    for key in [k for k in st.session_state if str(k).startswith(_PERSISTENT_FILTERS)]:
        st.session_state[key] = st.session_state[key]
    with st.sidebar:
        st.markdown(f"**{user.username}**" + (" · demo" if user.via_demo else ""))
        if not organizations:
            st.warning("Your account belongs to no organization yet: ask an administrator.")
            _logout_button(user)
            return None
        by_id = {org.id: org for org in organizations}
        organization_id = st.selectbox(
            "Organization",
            list(by_id),
            format_func=lambda org_id: by_id[org_id].name,
            key="sidebar_organization",
            help="You only see the organizations your account belongs to.",
        )
        organization = by_id[organization_id]
        season = _choice("Season", data.seasons(organization.id), f"sidebar_season_{organization.id}")
        venue = _choice("Venue", data.venues(organization.id), f"sidebar_venue_{organization.id}")
        _logout_button(user)
    filters = Filters(
        organization_id=organization.id,
        organization_slug=organization.slug,
        organization_name=organization.name,
        season_id=season[0] if season else None,
        season_label=season[1] if season else None,
        venue_id=venue[0] if venue else None,
        venue_name=venue[1] if venue else None,
    )
    store_filters(filters)
    return filters


def _choice(label: str, choices: list, key: str) -> tuple[int, str] | None:  # type: ignore[type-arg]
    """A filter select box whose first option, `All`, means no filter."""
    labels = {choice.id: choice.label for choice in choices}
    # 0 stands for `All`: a None value would show Streamlit's "Choose an option" placeholder.
    picked = st.selectbox(
        label, [0, *labels], format_func=lambda value: labels.get(value, ALL), key=key,
    )
    return None if not picked else (picked, labels[picked])


def _logout_button(user: SessionUser) -> None:
    if not user.via_demo and st.button("Log out", key="sidebar_logout"):
        log_out()
        st.rerun()


def render_no_organization_page() -> None:
    """What a user who belongs to no organization sees instead of any data."""
    st.title("Arena")
    st.info("Your account belongs to no organization yet: ask an administrator to add you with "
            "`arena users add` or `arena orgs add`.")
