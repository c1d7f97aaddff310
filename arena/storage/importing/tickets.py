"""The tickets of one import, bulk-inserted with every foreign key resolved in memory (COPY on
PostgreSQL, one executemany on SQLite); tickets already loaded are left as they are. A
validated row is either a new ticket or one already present: never lost."""

from __future__ import annotations

import pandas as pd

from arena.storage.bulk import rows_violations
from arena.storage.importing.catalogues import Catalogues
from arena.storage.importing.ids import IdAllocator
from arena.storage.importing.session import ImportSession
from arena.storage.importing.values import price_text
from arena.storage.known_rows import is_in
from arena.storage.sales_tally import SalesTally


class BrokenForeignKeys(RuntimeError):
    """Rows an import wrote point at rows that do not exist (a defect, never a user error)."""

    @classmethod
    def check(cls, broken: list[str]) -> None:
        if broken:
            raise cls("the import broke foreign keys: " + "; ".join(broken))


class TicketWriter:
    def __init__(self, session: ImportSession, ids: IdAllocator, catalogues: Catalogues,
                 sales: SalesTally, source_had_tickets: bool) -> None:
        self._session = session
        self._ids = ids
        self._catalogues = catalogues
        self._sales = sales
        # A first import of a source cannot meet its own tickets again (validation rejects a
        # repeated ticket id), so only a source that already has tickets needs the check.
        self._source_had_tickets = source_had_tickets

    def load(self, rows: pd.DataFrame, event_ids: pd.Series, customer_ids: pd.Series,
             order_ids: pd.Series) -> int:
        """Insert the chunk's new tickets; the number inserted."""
        new = rows
        if self._source_had_tickets:
            existing = set(self._session.fetch_by_keys(
                "t.ticket_ref", "tickets", "t.organization_id = :org AND t.source_id = :src",
                "t.ticket_ref", rows["ticket_ref"],
            )["ticket_ref"])
            if existing:
                new = rows[~is_in(rows["ticket_ref"], pd.Series(sorted(existing)))]
            if len(new) + len(existing) != len(rows):
                raise RuntimeError("validated rows could not be matched to tickets one to one")
        if new.empty:
            return 0
        session, params = self._session, self._session.params
        frame = pd.DataFrame(
            {
                "organization_id": params["org"],
                "source_id": params["src"],
                "ticket_ref": new["ticket_ref"],
                "event_id": event_ids[new.index],
                "category_id": self._catalogues.lookup("category", new),
                "tariff_id": self._catalogues.lookup("tariff", new),
                "channel_id": self._catalogues.lookup("channel", new),
                "order_id": order_ids[new.index],
                "customer_id": customer_ids[new.index],
                "price": price_text(new["price_cents"]) if session.postgres
                else new["price_cents"].astype("int64") / 100,
                "currency": new["currency"],
                "purchased_at": pd.to_datetime(new["purchased_at"]),
                "seat": new["seat"],
                "import_id": params["imp"],
            },
            index=new.index,
        )
        if session.postgres:
            session.bulk_insert("tickets", frame)
        else:
            # Explicit ids, so the chunk's rows can be checked at once, while the parser works
            # on the next chunk, instead of in one long scan before commit.
            ids = self._ids.allocate("tickets", len(frame))
            session.bulk_insert("tickets", frame.assign(id=ids))
            BrokenForeignKeys.check(rows_violations(
                session.connection, "tickets", int(ids[0]), int(ids[-1])
            ))
        self._sales.add(frame, new["price_cents"])
        return len(frame)
