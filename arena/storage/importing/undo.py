"""Undoing one import: remove exactly what it added. Rows it created that a later import now
relies on (an event, a customer) stay; they are counted as kept by not being removed."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, select, text, update

from arena.errors import ArenaUserError
from arena.ingest.ports import UndoResult
from arena.storage.analytics import refresh_sales_summary
from arena.storage.schema import imports, orders, tickets
from arena.tenancy import Organization


def undo_import(engine: Engine, organization: Organization, import_id: int) -> UndoResult:
    with engine.begin() as connection:
        return _undo(connection, organization, import_id)


def _undo(connection: Connection, organization: Organization, import_id: int) -> UndoResult:
    row = connection.execute(
        select(imports.c.status)
        .where(imports.c.id == import_id)
        .where(imports.c.organization_id == organization.id)
    ).first()
    if row is None:
        raise ArenaUserError(f"Import {import_id} does not exist for '{organization.slug}'.")
    if row.status != "completed":
        raise ArenaUserError(
            f"Import {import_id} is {row.status}; only a completed import can be undone."
        )
    params = {"imp": import_id, "org": organization.id}
    removed: dict[str, int] = {}

    def run(name: str, sql: str) -> None:
        removed[name] = removed.get(name, 0) + max(
            connection.execute(text(sql), params).rowcount or 0, 0
        )

    touched_events = list(connection.execute(
        select(tickets.c.event_id).where(tickets.c.import_id == import_id).distinct()
    ).scalars())
    # Whose tickets or orders this undo takes away: the customers a later step must look at.
    affected = set(connection.execute(
        select(tickets.c.customer_id).where(tickets.c.import_id == import_id)
        .where(tickets.c.customer_id.is_not(None)).distinct()
    ).scalars()) | set(connection.execute(
        select(orders.c.customer_id).where(orders.c.import_id == import_id)
        .where(orders.c.customer_id.is_not(None)).distinct()
    ).scalars())
    run("tickets", "DELETE FROM tickets WHERE import_id = :imp AND organization_id = :org")
    run("season_tickets",
        "DELETE FROM season_tickets WHERE import_id = :imp AND organization_id = :org")
    run("orders", """DELETE FROM orders WHERE import_id = :imp AND organization_id = :org
                     AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.order_id = orders.id)""")
    removed_customers = sorted(connection.execute(text(
        """DELETE FROM customers WHERE import_id = :imp AND organization_id = :org
           AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.customer_id = customers.id)
           AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = customers.id)
           AND NOT EXISTS (SELECT 1 FROM season_tickets s WHERE s.customer_id = customers.id)
           RETURNING id"""
    ), params).scalars())
    removed["customers"] = len(removed_customers)
    run("event_categories", """DELETE FROM event_categories WHERE event_id IN (
             SELECT e.id FROM events e WHERE e.import_id = :imp AND e.organization_id = :org)
           AND NOT EXISTS (SELECT 1 FROM tickets t
                           WHERE t.event_id = event_categories.event_id)""")
    run("events", """DELETE FROM events WHERE import_id = :imp AND organization_id = :org
           AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.event_id = events.id)
           AND NOT EXISTS (SELECT 1 FROM event_categories ec WHERE ec.event_id = events.id)""")
    for table, column in (("seat_categories", "category_id"), ("tariffs", "tariff_id"),
                          ("sales_channels", "channel_id")):
        extra = (
            " AND NOT EXISTS (SELECT 1 FROM event_categories ec"
            " WHERE ec.category_id = seat_categories.id)"
            " AND NOT EXISTS (SELECT 1 FROM season_tickets st"
            " WHERE st.category_id = seat_categories.id)"
            if table == "seat_categories" else ""
        )
        run(table, f"""DELETE FROM {table} WHERE import_id = :imp AND organization_id = :org
                AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.{column} = {table}.id){extra}""")
    run("seasons", """DELETE FROM seasons WHERE import_id = :imp AND organization_id = :org
           AND NOT EXISTS (SELECT 1 FROM events e WHERE e.season_id = seasons.id)
           AND NOT EXISTS (SELECT 1 FROM season_tickets st WHERE st.season_id = seasons.id)""")
    run("venues", """DELETE FROM venues WHERE import_id = :imp AND organization_id = :org
           AND NOT EXISTS (SELECT 1 FROM events e WHERE e.venue_id = venues.id)""")
    refresh_sales_summary(connection, organization.id, touched_events)
    connection.execute(update(imports).where(imports.c.id == import_id).values(status="undone"))
    return UndoResult(
        removed=removed,
        removed_customer_ids=tuple(removed_customers),
        affected_customer_ids=tuple(sorted(affected - set(removed_customers))),
    )
