"""The ProfileStore on a relational table: JSON on SQLite (embedded default), JSONB on PostgreSQL.

Documents live in ``profile_documents`` keyed by (organization_id, email), their secondary-index
entries in ``profile_index_entries`` with Riak 2i semantics (``*_bin`` text, ``*_int`` integers).
The ``version`` column is a counter; a write names the version it read and an UPDATE guarded by
``version = :expected`` turns a lost update into ``ConcurrencyConflict``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from arena.crm.profiles import (
    ANY_VERSION,
    ConcurrencyConflict,
    ExpectedVersion,
    IndexInput,
    IndexValue,
    IndexValues,
    ProfileDocument,
    ProfileStoreUnavailable,
    UnknownOrganization,
    UpdateByReadModifyWrite,
    as_utc,
    check_range_index,
    normalize_data,
    normalize_email,
    normalize_index_name,
    normalize_index_value,
    normalize_indexes,
    normalize_organization,
    utc_now,
)
from arena.storage.schema import organizations, profile_documents, profile_index_entries

documents = profile_documents.c
entries = profile_index_entries.c


class SqlProfileStore(UpdateByReadModifyWrite):
    """Profile documents in the relational database (SQLite JSON or PostgreSQL JSONB)."""

    def __init__(self, engine: Engine, *, key_page_size: int = 1000) -> None:
        self.engine = engine
        self.key_page_size = key_page_size

    def __repr__(self) -> str:
        return f"SqlProfileStore({self.engine.url.render_as_string(hide_password=True)!r})"

    # --- reads ------------------------------------------------------------------------------

    def get(self, organization: str, email: str) -> ProfileDocument | None:
        slug, key = normalize_organization(organization), normalize_email(email)
        with self.engine.connect() as connection:
            organization_id = _organization_id(connection, slug)
            row = connection.execute(
                select(documents.document, documents.version, documents.updated_at).where(
                    documents.organization_id == organization_id, documents.email == key
                )
            ).one_or_none()
            if row is None:
                return None
            indexes = _indexes_of(connection, organization_id, key)
        return ProfileDocument(
            organization=slug,
            email=key,
            data=dict(row.document),
            indexes=indexes,
            version=str(row.version),
            updated_at=as_utc(row.updated_at),
        )

    def query(self, organization: str, index_name: str, value: IndexValue) -> list[str]:
        name = normalize_index_name(index_name)
        value = normalize_index_value(name, value)
        column = entries.value_int if name.endswith("_int") else entries.value_bin
        return self._emails_where(organization, name, column == value)

    def query_range(self, organization: str, index_name: str, low: int, high: int) -> list[str]:
        name = check_range_index(index_name, low, high)
        return self._emails_where(organization, name, entries.value_int.between(low, high))

    def keys(self, organization: str) -> Iterator[str]:
        slug = normalize_organization(organization)
        after = ""
        while True:
            # Keyset pagination: no long-lived cursor, no OFFSET scans on big organizations.
            with self.engine.connect() as connection:
                organization_id = _organization_id(connection, slug)
                page = connection.scalars(
                    select(documents.email)
                    .where(documents.organization_id == organization_id, documents.email > after)
                    .order_by(documents.email)
                    .limit(self.key_page_size)
                ).all()
            yield from page
            if len(page) < self.key_page_size:
                return
            after = page[-1]

    def ping(self) -> None:
        """Healthy means the profile table can be read (the database answers and is migrated)."""
        try:
            with self.engine.connect() as connection:
                connection.execute(select(documents.email).limit(1))
        except DBAPIError as error:
            reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
            raise ProfileStoreUnavailable(
                f"The profile table of {self!r} cannot be read ({reason}); check "
                "ARENA_DATABASE_URL and run `arena db upgrade`."
            ) from error

    # --- writes -----------------------------------------------------------------------------

    def put(
        self,
        organization: str,
        email: str,
        data: Mapping[str, Any],
        *,
        indexes: IndexInput | None = None,
        expected_version: ExpectedVersion = ANY_VERSION,
    ) -> ProfileDocument:
        slug, key = normalize_organization(organization), normalize_email(email)
        document, index_values = normalize_data(data), normalize_indexes(indexes)
        now = utc_now()
        try:
            with self.engine.begin() as connection:
                organization_id = _organization_id(connection, slug)
                version = _write_document(
                    connection, organization_id, key, document, expected_version, now
                )
                _replace_indexes(connection, organization_id, key, index_values)
        except IntegrityError as error:
            # Two creators raced for the same key: the loser sees the primary key violation.
            raise ConcurrencyConflict(f"{key} was created concurrently in {slug}") from error
        return ProfileDocument(slug, key, document, index_values, str(version), now)

    def delete(self, organization: str, email: str) -> bool:
        slug, key = normalize_organization(organization), normalize_email(email)
        with self.engine.begin() as connection:
            organization_id = _organization_id(connection, slug)
            # Index entries first: SQLite only cascades when foreign keys are switched on.
            connection.execute(
                delete(profile_index_entries).where(
                    entries.organization_id == organization_id, entries.email == key
                )
            )
            result = connection.execute(
                delete(profile_documents).where(
                    documents.organization_id == organization_id, documents.email == key
                )
            )
        return result.rowcount > 0

    # --- helpers ----------------------------------------------------------------------------

    def _emails_where(self, organization: str, index_name: str, condition: Any) -> list[str]:
        slug = normalize_organization(organization)
        with self.engine.connect() as connection:
            organization_id = _organization_id(connection, slug)
            emails = connection.scalars(
                select(entries.email)
                .where(
                    entries.organization_id == organization_id,
                    entries.index_name == index_name,
                    condition,
                )
                .distinct()
                .order_by(entries.email)
            ).all()
        return list(emails)


def _organization_id(connection: Connection, slug: str) -> int:
    organization_id = connection.scalar(
        select(organizations.c.id).where(organizations.c.slug == slug)
    )
    if organization_id is None:
        raise UnknownOrganization(f"no organization has the slug {slug!r}")
    return int(organization_id)


def _write_document(
    connection: Connection,
    organization_id: int,
    key: str,
    document: dict[str, Any],
    expected_version: ExpectedVersion,
    now: Any,
) -> int:
    """Insert or conditionally update one document; returns the new version counter."""
    owner = and_(documents.organization_id == organization_id, documents.email == key)
    if expected_version is ANY_VERSION:
        overwritten = connection.execute(
            update(profile_documents)
            .where(owner)
            .values(document=document, version=documents.version + 1, updated_at=now)
            .returning(documents.version)
        ).scalar_one_or_none()
        if overwritten is not None:
            return int(overwritten)
        expected_version = None
    if expected_version is None:
        if connection.scalar(select(documents.version).where(owner)) is not None:
            raise ConcurrencyConflict(f"{key} already has a profile document")
        connection.execute(
            insert(profile_documents).values(
                organization_id=organization_id,
                email=key,
                document=document,
                version=1,
                updated_at=now,
            )
        )
        return 1
    expected = _parse_version(str(expected_version))
    changed = connection.execute(
        update(profile_documents)
        .where(owner, documents.version == expected)
        .values(document=document, version=expected + 1, updated_at=now)
    ).rowcount
    if changed != 1:
        raise ConcurrencyConflict(
            f"{key} changed since version {expected_version} was read (or was deleted)"
        )
    return expected + 1


def _parse_version(version: str) -> int:
    try:
        return int(version)
    except ValueError:
        # A version from another store can never match this one.
        raise ConcurrencyConflict(f"{version!r} is not a version of this store") from None


def _replace_indexes(
    connection: Connection, organization_id: int, key: str, indexes: dict[str, IndexValues]
) -> None:
    connection.execute(
        delete(profile_index_entries).where(
            entries.organization_id == organization_id, entries.email == key
        )
    )
    rows = [
        {
            "organization_id": organization_id,
            "email": key,
            "index_name": name,
            "value_bin": value if isinstance(value, str) else None,
            "value_int": value if isinstance(value, int) else None,
        }
        for name, values in indexes.items()
        for value in values
    ]
    if rows:
        connection.execute(insert(profile_index_entries), rows)


def _indexes_of(connection: Connection, organization_id: int, key: str) -> dict[str, IndexValues]:
    found: dict[str, list[IndexValue]] = {}
    for name, value_bin, value_int in connection.execute(
        select(entries.index_name, entries.value_bin, entries.value_int).where(
            entries.organization_id == organization_id, entries.email == key
        )
    ):
        found.setdefault(name, []).append(value_int if name.endswith("_int") else value_bin)
    return {name: tuple(sorted(values)) for name, values in sorted(found.items())}  # type: ignore[misc]
