"""What only the SQL adapter must do: resolve organization slugs and refuse unknown ones."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, insert, select

from arena.crm.profiles import UnknownOrganization
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
