"""The orders of one import: new ones bulk-inserted with ids drawn in advance; an order an
earlier import loaded is left as it is.

An order belongs to the customer of its first line that names one, and is dated by its earliest
purchase, wherever chunks are cut: an order whose lines straddle a chunk boundary is completed
later, and only an order that changes costs a statement."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from arena.storage.importing.ids import IdAllocator
from arena.storage.importing.session import ImportSession
from arena.storage.known_rows import ORDER_COLUMNS, ImportOrders, arrow_strings, lookup_ids


class OrderWriter:
    def __init__(self, session: ImportSession, ids: IdAllocator,
                 source_had_orders: bool) -> None:
        self._session = session
        self._ids = ids
        # Only a source that already has orders can meet an order of an earlier import;
        # otherwise this import's own orders are all there is.
        self._source_had_orders = source_had_orders
        self._orders = ImportOrders()

    def load(self, rows: pd.DataFrame, customer_ids: pd.Series) -> pd.Series:
        """Write the chunk's new orders; return the order id of every row (index aligned)."""
        with_order = rows["order_ref"].notna()
        if not with_order.any():
            return pd.Series(pd.array([pd.NA] * len(rows), dtype="Int64"), index=rows.index)
        grouped = (
            pd.DataFrame({
                "order_ref": rows.loc[with_order, "order_ref"],
                "customer_id": customer_ids[with_order],
                "ordered_at": rows.loc[with_order, "purchased_at"],
            })
            .groupby("order_ref", sort=False)
            .agg(customer_id=("customer_id", "first"), ordered_at=("ordered_at", "min"))
            .reset_index()
        )
        refs = arrow_strings(grouped["order_ref"])
        at = self._orders.positions(refs)
        ids = np.full(len(grouped), -1, dtype=np.int64)
        mine = at >= 0
        ids[mine] = self._orders.ids[at[mine]]
        unseen = ~mine
        if unseen.any() and self._source_had_orders:
            older = self._session.fetch_by_keys(
                "t.order_ref, t.id", "orders",
                "t.organization_id = :org AND t.source_id = :src", "t.order_ref",
                grouped.loc[unseen, "order_ref"],
            )
            if len(older):
                ids[unseen] = lookup_ids(
                    grouped.loc[unseen, "order_ref"], arrow_strings(older["order_ref"]),
                    older["id"].to_numpy(np.int64),
                ).to_numpy(dtype=np.int64, na_value=-1)
                unseen &= ids < 0
        if unseen.any():
            params = self._session.params
            new = grouped[unseen].assign(
                id=self._ids.allocate("orders", int(unseen.sum())),
                organization_id=params["org"], source_id=params["src"], import_id=params["imp"],
            )
            self._session.bulk_insert("orders", new[ORDER_COLUMNS])
            new_ids = new["id"].to_numpy(np.int64)
            self._orders.add(refs.filter(pa.array(unseen)), new_ids, new["customer_id"],
                             new["ordered_at"])
            ids[unseen] = new_ids
        if mine.any():
            self._complete(grouped[mine], at[mine])
        return pd.Series(lookup_ids(rows["order_ref"], refs, ids), index=rows.index)

    def _complete(self, seen: pd.DataFrame, at: np.ndarray) -> None:
        """Orders this import began in an earlier chunk: give them a customer they lacked, or
        an earlier purchase date."""
        changes = self._orders.complete(at, seen["customer_id"], seen["ordered_at"])
        if not changes.any():
            return
        self._session.restage("arena_stage_orders", seen.loc[changes, [
            "order_ref", "customer_id", "ordered_at"]])
        self._session.run(
            """UPDATE orders SET
                   customer_id = COALESCE(orders.customer_id, s.customer_id),
                   ordered_at = CASE WHEN orders.ordered_at IS NULL
                                       OR s.ordered_at < orders.ordered_at
                                     THEN s.ordered_at ELSE orders.ordered_at END
               FROM arena_stage_orders s
               WHERE orders.organization_id = :org AND orders.source_id = :src
                 AND orders.order_ref = s.order_ref AND orders.import_id = :imp"""
        )
