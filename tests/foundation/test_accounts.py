"""Users log in with a hashed password and only ever see the organizations they belong to."""

import pytest
from sqlalchemy import Engine, select

from arena.errors import ArenaUserError
from arena.storage.accounts import (
    add_user,
    authenticate,
    ensure_organization,
    organizations_of,
)
from arena.storage.schema import users


def test_a_user_sees_only_their_organizations(engine: Engine) -> None:
    with engine.begin() as connection:
        ensure_organization(connection, "club-a", "Club A")
        ensure_organization(connection, "theatre-b", "Théâtre B")
    alice = add_user(engine, "alice", "correct horse battery", ["club-a"])
    assert [org.slug for org in organizations_of(engine, alice)] == ["club-a"]


def test_passwords_are_stored_hashed_and_checked(engine: Engine) -> None:
    with engine.begin() as connection:
        ensure_organization(connection, "club-a")
    add_user(engine, "bob", "s3cret-password", ["club-a"])
    with engine.connect() as connection:
        stored = connection.execute(select(users.c.password_hash)).scalar_one()
    assert "s3cret-password" not in stored and stored.startswith("$argon2id$")
    assert authenticate(engine, "bob", "s3cret-password") is not None
    assert authenticate(engine, "bob", "wrong-password") is None
    assert authenticate(engine, "nobody", "s3cret-password") is None


def test_a_user_for_an_unknown_organization_is_refused(engine: Engine) -> None:
    with pytest.raises(ArenaUserError, match="No organization 'ghost'"):
        add_user(engine, "carol", "long enough pw", ["ghost"])
    assert authenticate(engine, "carol", "long enough pw") is None


def test_ensure_organization_is_idempotent(engine: Engine) -> None:
    with engine.begin() as connection:
        first = ensure_organization(connection, "club-a", "Club A")
        again = ensure_organization(connection, "club-a", "Club A")
    assert first == again
