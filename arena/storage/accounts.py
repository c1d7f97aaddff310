"""Organizations, users and who may see which organization."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, func, insert, select

from arena.errors import ArenaUserError
from arena.security import hash_password, verify_password
from arena.storage.schema import organizations, user_organizations, users
from arena.tenancy import Organization

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


@dataclass(frozen=True)
class User:
    id: int
    username: str
    is_admin: bool


def ensure_organization(connection: Connection, slug: str, name: str | None = None) -> Organization:
    """Return the organization with this slug, creating it when it does not exist yet."""
    if not _SLUG.match(slug):
        raise ArenaUserError(
            f"'{slug}' is not a valid organization id: use lower-case letters, digits and dashes."
        )
    row = connection.execute(select(organizations).where(organizations.c.slug == slug)).first()
    if row is None:
        new_id = connection.execute(
            insert(organizations).values(slug=slug, name=name or slug).returning(organizations.c.id)
        ).scalar_one()
        return Organization(new_id, slug, name or slug)
    return Organization(row.id, row.slug, row.name)


def find_organization(connection: Connection, slug: str) -> Organization:
    row = connection.execute(select(organizations).where(organizations.c.slug == slug)).first()
    if row is None:
        raise ArenaUserError(f"No organization '{slug}' exists.")
    return Organization(row.id, row.slug, row.name)


def add_organization(engine: Engine, slug: str, name: str | None = None) -> Organization:
    """Create the organization (or return it when it exists), in a transaction of its own."""
    with engine.begin() as connection:
        return ensure_organization(connection, slug, name)


def organization_by_slug(engine: Engine, slug: str) -> Organization:
    """The organization a user named (`--org`), resolved once where a command starts."""
    with engine.connect() as connection:
        return find_organization(connection, slug)


def list_organizations(engine: Engine) -> list[Organization]:
    with engine.connect() as connection:
        rows = connection.execute(select(organizations).order_by(organizations.c.name)).all()
    return [Organization(r.id, r.slug, r.name) for r in rows]


def add_user(
    engine: Engine, username: str, password: str, org_slugs: list[str], *, is_admin: bool = False
) -> User:
    """Create a user who belongs to the given organizations (each must exist)."""
    try:
        password_hash = hash_password(password)
    except ValueError as error:
        raise ArenaUserError(str(error)) from error
    with engine.begin() as connection:
        exists = connection.execute(
            select(func.count()).select_from(users).where(users.c.username == username)
        ).scalar_one()
        if exists:
            raise ArenaUserError(f"A user named '{username}' already exists.")
        user_id = connection.execute(
            insert(users)
            .values(username=username, password_hash=password_hash, is_admin=is_admin)
            .returning(users.c.id)
        ).scalar_one()
        for slug in org_slugs:
            org = find_organization(connection, slug)
            connection.execute(insert(user_organizations).values(user_id=user_id, organization_id=org.id))
    return User(user_id, username, is_admin)


def grant_organization(engine: Engine, username: str, org_slug: str) -> None:
    with engine.begin() as connection:
        user = connection.execute(select(users).where(users.c.username == username)).first()
        if user is None:
            raise ArenaUserError(f"No user named '{username}' exists.")
        org = find_organization(connection, org_slug)
        already = connection.execute(
            select(func.count())
            .select_from(user_organizations)
            .where(user_organizations.c.user_id == user.id)
            .where(user_organizations.c.organization_id == org.id)
        ).scalar_one()
        if not already:
            connection.execute(
                insert(user_organizations).values(user_id=user.id, organization_id=org.id)
            )


def authenticate(engine: Engine, username: str, password: str) -> User | None:
    with engine.connect() as connection:
        row = connection.execute(select(users).where(users.c.username == username)).first()
    if row is None or not verify_password(row.password_hash, password):
        return None
    return User(row.id, row.username, bool(row.is_admin))


def find_user(engine: Engine, username: str) -> User | None:
    with engine.connect() as connection:
        row = connection.execute(select(users).where(users.c.username == username)).first()
    return None if row is None else User(row.id, row.username, bool(row.is_admin))


def organizations_of(engine: Engine, user: User) -> list[Organization]:
    """The organizations a user may see: only those they belong to (admins included)."""
    query = (
        select(organizations)
        .join(user_organizations, user_organizations.c.organization_id == organizations.c.id)
        .where(user_organizations.c.user_id == user.id)
        .order_by(organizations.c.name)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [Organization(r.id, r.slug, r.name) for r in rows]
