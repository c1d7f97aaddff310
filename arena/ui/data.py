"""Cached read queries for pages; every write (import, undo) calls `forget_cached_sales()` after.

Cache keys are the database URL plus plain values (organization, filters) plus the generation of
the organization's sales data (`arena.ui.cache`), so two databases or two organizations never
share an entry, and a write to one organization leaves every other organization's entries cached.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from arena.ingest.rejections import rejected_table
from arena.storage import analytics
from arena.storage.accounts import User, organizations_of
from arena.storage.analytics import Choice, Dimension, Kpis, Scope
from arena.storage.import_history import list_imports, rejected_rows_of, warnings_of
from arena.tenancy import Organization
from arena.ui.cache import DataKind, generation, invalidate
from arena.ui.services import database_key, get_services
from arena.ui.session import SessionUser

_TTL_SECONDS = 600


def _engine():  # type: ignore[no-untyped-def]
    return get_services().engine


def organizations_for(user: SessionUser) -> list[Organization]:
    """Only the organizations the user belongs to (not cached: access must never be stale)."""
    return organizations_of(_engine(), User(user.id, user.username, user.is_admin))


@st.cache_data(ttl=_TTL_SECONDS, show_spinner=False)
def _seasons(database: str, organization_id: int, sales: int) -> list[Choice]:
    return analytics.season_choices(_engine(), organization_id)


@st.cache_data(ttl=_TTL_SECONDS, show_spinner=False)
def _venues(database: str, organization_id: int, sales: int) -> list[Choice]:
    return analytics.venue_choices(_engine(), organization_id)


@st.cache_data(ttl=_TTL_SECONDS, show_spinner=False)
def _kpis(database: str, scope: Scope, sales: int) -> Kpis:
    return analytics.kpis(_engine(), scope)


@st.cache_data(ttl=_TTL_SECONDS, show_spinner=False)
def _sales_by_day(database: str, scope: Scope, sales: int) -> pd.DataFrame:
    return analytics.sales_by_day(_engine(), scope)


@st.cache_data(ttl=_TTL_SECONDS, show_spinner=False)
def _booking_curve(database: str, scope: Scope, sales: int) -> pd.DataFrame:
    return analytics.booking_curve(_engine(), scope)


@st.cache_data(ttl=_TTL_SECONDS, show_spinner=False)
def _revenue_by(database: str, scope: Scope, dimension: Dimension, sales: int) -> pd.DataFrame:
    return analytics.revenue_by(_engine(), scope, dimension)


@st.cache_data(ttl=_TTL_SECONDS, show_spinner=False)
def _event_table(database: str, scope: Scope, sales: int) -> pd.DataFrame:
    return analytics.event_table(_engine(), scope)


@st.cache_data(ttl=_TTL_SECONDS, show_spinner=False)
def _sources(database: str, organization_id: int, sales: int) -> list[str]:
    return analytics.source_names(_engine(), organization_id)


def _sales(organization_id: int) -> int:
    return generation(database_key(), organization_id, DataKind.SALES)


def seasons(organization_id: int) -> list[Choice]:
    return _seasons(database_key(), organization_id, _sales(organization_id))


def venues(organization_id: int) -> list[Choice]:
    return _venues(database_key(), organization_id, _sales(organization_id))


def kpis(scope: Scope) -> Kpis:
    return _kpis(database_key(), scope, _sales(scope.organization_id))


def sales_by_day(scope: Scope) -> pd.DataFrame:
    return _sales_by_day(database_key(), scope, _sales(scope.organization_id))


def booking_curve(scope: Scope) -> pd.DataFrame:
    return _booking_curve(database_key(), scope, _sales(scope.organization_id))


def revenue_by(scope: Scope, dimension: Dimension) -> pd.DataFrame:
    return _revenue_by(database_key(), scope, dimension, _sales(scope.organization_id))


def event_table(scope: Scope) -> pd.DataFrame:
    return _event_table(database_key(), scope, _sales(scope.organization_id))


def sources(organization_id: int) -> list[str]:
    return _sources(database_key(), organization_id, _sales(organization_id))


def imports_of(organization: Organization) -> pd.DataFrame:
    """The import history, newest first (not cached: it must show a running import at once)."""
    return pd.DataFrame(list_imports(_engine(), organization))


def rejected_rows(organization: Organization, import_id: int) -> list[dict[str, Any]]:
    """One import's rejected rows with their reasons and original records (org-checked)."""
    return rejected_rows_of(_engine(), organization, import_id)


def warnings(organization: Organization, import_id: int) -> pd.DataFrame:
    return pd.DataFrame(warnings_of(_engine(), organization, import_id))


def undo(organization: Organization, import_id: int) -> dict[str, int]:
    """Remove what one import added, then forget that organization's cached figures."""
    removed = get_services().import_store.undo(organization, import_id).removed
    forget_cached_sales(organization)
    return removed


def flatten_rejected(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rejected rows as a table: line, reason columns, then the original record's cells."""
    return rejected_table(rows)


def forget_cached_sales(organization: Organization) -> None:
    """After an import or an undo: that organization's figures, filters and sources are
    recomputed on the next render; every other organization's stay cached."""
    invalidate(database_key(), organization.id, DataKind.SALES)
