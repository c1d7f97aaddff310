"""A real database for page tests: a migrated SQLite file, users, organizations and tickets
loaded through the real import pipeline, with Streamlit's caches emptied between tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from arena.ingest.mapping import Mapping
from arena.ingest.service import ImportReport
from arena.storage.accounts import add_user, ensure_organization
from arena.storage.db import create_database_engine
from arena.storage.importing import SqlImportStore
from arena.ui.session import SessionUser
from tests.support.imports import import_file

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
SAMPLES = ROOT / "arena" / "data" / "samples" / "vendors"
PASSWORD = "correct horse battery"


@dataclass
class Arena:
    """The test installation: its database URL and folder, and how to put data in it."""

    url: str
    data_dir: Path

    def engine(self):  # type: ignore[no-untyped-def]
        return create_database_engine(self.url)

    def organization(self, slug: str, name: str) -> int:
        engine = self.engine()
        with engine.begin() as connection:
            organization = ensure_organization(connection, slug, name)
        engine.dispose()
        return organization.id

    def user(self, username: str, *orgs: str) -> SessionUser:
        engine = self.engine()
        user = add_user(engine, username, PASSWORD, list(orgs))
        engine.dispose()
        return SessionUser(user.id, user.username, user.is_admin)

    def load(self, organization: str, sample: str, **constants: str) -> ImportReport:
        """Import a bundled vendor sample through the real pipeline."""
        engine = self.engine()
        report = import_file(SAMPLES / sample, SqlImportStore(engine), organization,
                             source=Path(sample).stem, constants=constants, user="tests")
        engine.dispose()
        return report

    def app(self, user: SessionUser | None, page: str | None = None) -> AppTest:
        """The dashboard as `user` sees it, optionally switched to one page, already run."""
        app = AppTest.from_file(str(APP), default_timeout=60)
        if user is not None:
            app.session_state["arena.user"] = user
        app.run()
        # Streamlit's AppTest reruns a page script on its own after the first run (the page then
        # draws the frame itself, see current_filters); run once more so that every widget a
        # test touches belongs to that steady state.
        app.run()
        if page is not None:
            app.switch_page(page).run()
        return app


@pytest.fixture
def arena(sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Arena]:
    database = tmp_path / "arena.db"
    shutil.copyfile(sqlite_template, database)
    url = f"sqlite:///{database}"
    monkeypatch.setenv("ARENA_DATABASE_URL", url)
    monkeypatch.setenv("ARENA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ARENA_DEMO_ON_FIRST_RUN", "0")
    st.cache_data.clear()
    st.cache_resource.clear()
    yield Arena(url, tmp_path / "data")
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def two_clubs(arena: Arena) -> tuple[Arena, SessionUser, SessionUser]:
    """Two organizations with their own tickets; alice sees only the first, bob only the second."""
    arena.organization("nantes", "Stade de Nantes")
    arena.organization("pleyel", "Salle Pleyel")
    arena.load("nantes", "njuko.csv", event_date="05/10/2014 09:30")
    arena.load("pleyel", "shotgun.csv")
    return arena, arena.user("alice", "nantes"), arena.user("bob", "pleyel")


__all__ = ["APP", "PASSWORD", "SAMPLES", "Arena", "Mapping"]
