"""One import at a time per organization on PostgreSQL.

New customers and orders go in with ids drawn in advance and no ON CONFLICT, so two imports of
one organization must not race on the same customer key; nothing else arbitrates them. SQLite
has a single writer anyway. The lock is transaction-scoped: it ends with the import's commit or
rollback."""

from __future__ import annotations

from sqlalchemy import Connection, text

# First key of the PostgreSQL advisory lock an import holds on its organization.
IMPORT_LOCK_NAMESPACE = 0x4152_4E41  # "ARNA"


def lock_organization_imports(connection: Connection, organization_id: int) -> None:
    """Wait until no other import of this organization runs, then hold it off until commit."""
    if connection.dialect.name != "postgresql":
        return
    connection.execute(
        text("SELECT pg_advisory_xact_lock(:namespace, :org)"),
        {"namespace": IMPORT_LOCK_NAMESPACE, "org": organization_id},
    )
