"""A write to one organization recomputes that organization's cached figures only: every other
organization's dashboard keeps its cached data (no `st.cache_data.clear()` across tenants)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from arena.storage import analytics
from arena.storage.analytics import Scope
from arena.tenancy import Organization
from arena.ui import cache, data
from arena.ui.cache import DataKind
from tests.ui.conftest import Arena


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> Counter[int]:
    """How many times the real KPI query ran, per organization id (a cache miss each time)."""
    runs: Counter[int] = Counter()
    real_kpis = analytics.kpis

    def counting_kpis(engine: Any, scope: Scope) -> analytics.Kpis:
        runs[scope.organization_id] += 1
        return real_kpis(engine, scope)

    monkeypatch.setattr(analytics, "kpis", counting_kpis)
    return runs


def test_an_import_into_one_organization_leaves_the_other_ones_cached_figures_in_place(
    two_clubs: tuple[Arena, Any, Any], computed: Counter[int]
) -> None:
    arena, _, _ = two_clubs
    nantes, pleyel = Scope(_id(arena, "nantes")), Scope(_id(arena, "pleyel"))
    before = data.kpis(nantes)
    pleyel_figures = data.kpis(pleyel)
    assert computed == {nantes.organization_id: 1, pleyel.organization_id: 1}

    report = arena.load("nantes", "weezevent.csv")
    data.forget_cached_sales(_organization(nantes))  # what the studio does after an import

    after = data.kpis(nantes)
    assert data.kpis(pleyel) == pleyel_figures
    assert computed == {nantes.organization_id: 2, pleyel.organization_id: 1}
    assert after.tickets == before.tickets + report.added["tickets"] > before.tickets

    data.undo(_organization(nantes), report.import_id)

    assert data.kpis(nantes) == before
    assert data.kpis(pleyel) == pleyel_figures
    assert computed == {nantes.organization_id: 3, pleyel.organization_id: 1}


def test_a_write_invalidates_one_organization_and_one_kind_of_data_only() -> None:
    database = "sqlite:///cache-test.db"
    keys = {
        (organization, kind): cache.generation(database, organization, kind)
        for organization in (1, 2)
        for kind in DataKind
    }

    cache.invalidate(database, 1, DataKind.SALES)

    changed = {
        key for key, old in keys.items() if cache.generation(database, *key) != old
    }
    assert changed == {(1, DataKind.SALES)}
    assert cache.generation("sqlite:///another.db", 1, DataKind.SALES) == 0


def _organization(scope: Scope) -> Organization:
    return Organization(scope.organization_id, "nantes", "Nantes")


def _id(arena: Arena, slug: str) -> int:
    return arena.organization(slug, slug.title())
