"""What only the SQL adapter must do: resolve organization slugs and refuse unknown ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select

from arena.crm.profiles import ProfileStoreUnavailable, UnknownOrganization
from arena.storage.db import create_database_engine
from arena.storage.profiles_sql import SqlProfileStore
from arena.storage.schema import organizations, profile_index_entries


def test_an_unknown_organization_is_a_clear_error(engine: Engine) -> None:
    store = SqlProfileStore(engine)

    with pytest.raises(UnknownOrganization, match="no-such-club"):
        store.put("no-such-club", "camille@exemple.fr", {"x": 1})
    with pytest.raises(UnknownOrganization):
        store.get("no-such-club", "camille@exemple.fr")


def test_erasing_a_customer_leaves_no_index_row_behind(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(insert(organizations).values(slug="club", name="Club"))
    store = SqlProfileStore(engine)
    store.put("club", "camille@exemple.fr", {}, indexes={"event_bin": ["a", "b"], "age_int": 3})

    store.delete("club", "camille@exemple.fr")

    with engine.connect() as connection:
        remaining = connection.scalar(select(func.count()).select_from(profile_index_entries))
    assert remaining == 0


def test_the_health_check_of_an_unmigrated_database_is_one_sentence(tmp_path: Path) -> None:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    store = SqlProfileStore(engine)

    with pytest.raises(ProfileStoreUnavailable, match="arena db upgrade") as raised:
        store.ping()

    assert "\n" not in str(raised.value)
    engine.dispose()
