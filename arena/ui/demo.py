"""First-run demo: load the synthetic demo data once and let the demo user in without a password."""

from __future__ import annotations

import streamlit as st

from arena.bootstrap import Services
from arena.storage.accounts import find_user, list_organizations

DEMO_USERNAME = "demo"


def demo_login_allowed(services: Services) -> bool:
    """Passwordless demo login only on the embedded default database, never on a real server."""
    settings = services.settings
    return settings.demo_on_first_run and settings.uses_embedded_database


def ensure_demo_loaded(services: Services) -> bool:
    """True when the demo user exists, loading the demo first if this is an empty first run.

    The demo loader belongs to `arena.demo`; it is imported lazily so the dashboard still starts
    (with an explanation) on an installation that does not ship it.
    """
    if find_user(services.engine, DEMO_USERNAME) is not None:
        return True
    if not demo_login_allowed(services) or list_organizations(services.engine):
        return False  # real data already there: never mix the demo into it
    from arena.demo.loader import load_demo

    status = st.status(
        "First run: generating the synthetic demo (a football club, a theatre, a running race) "
        "and loading it through the import pipeline. This takes about a minute, once.",
        expanded=True,
    )
    with status:
        load_demo(
            services.import_store,
            services.demo_catalog,
            work_dir=services.settings.data_dir / "demo",
            progress=st.write,
        )
    status.update(label="Demo data loaded.", state="complete", expanded=False)
    return find_user(services.engine, DEMO_USERNAME) is not None
