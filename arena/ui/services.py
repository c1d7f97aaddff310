"""The process-wide services for the dashboard, built once per database and cached by Streamlit."""

from __future__ import annotations

import streamlit as st

from arena.bootstrap import Services, build_services
from arena.config import Settings, load_settings


@st.cache_resource(show_spinner=False)
def _services_for(database_url: str, data_dir: str) -> Services:
    """Keyed by URL and folder so that tests (and a changed environment) get their own engine."""
    services = build_services(load_settings())
    services.upgrade_schema()
    return services


def get_services() -> Services:
    """The services of the database the environment points at, schema migrated on first use."""
    settings = load_settings()
    return _services_for(settings.database_url, str(settings.data_dir))


def get_settings() -> Settings:
    return get_services().settings


def database_key() -> str:
    """A cheap, hashable identity of the current database for `st.cache_data` keys."""
    return load_settings().database_url
