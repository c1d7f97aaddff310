"""The customers of one import: new ones bulk-inserted with ids drawn in advance, known ones
found in memory or looked up once by key, their empty fields filled, never overwritten.

Each field of a customer takes the first value the file gives it (in line order), so the result
does not depend on where chunks are cut. The ids of every customer the import touched (created
or met) are kept, for what must follow an import customer by customer (`touched_ids`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from arena.storage.importing.geography import Places
from arena.storage.importing.ids import IdAllocator
from arena.storage.importing.session import ImportSession
from arena.storage.known_rows import (
    CUSTOMER_COLUMNS,
    CUSTOMER_FIELDS,
    CUSTOMER_FILLABLE,
    CUSTOMER_GAP_COLUMNS,
    GAP_SOURCE_COLUMNS,
    KnownCustomers,
)


class CustomerWriter:
    def __init__(self, session: ImportSession, ids: IdAllocator, places: Places,
                 customers_before: int) -> None:
        self._session = session
        self._ids = ids
        self._places = places
        self._customers_before = customers_before
        self._known = KnownCustomers()

    def touched_ids(self) -> np.ndarray:
        """Ids of the customers this import created or met, sorted, each once."""
        return self._known.ids()

    def load(self, rows: pd.DataFrame) -> pd.Series:
        """Write the chunk's customers; return the customer id of every row (index aligned).
        A known customer costs a statement only when the chunk fills one of their empty
        fields."""
        codes, distinct = pd.factorize(rows["customer_key"])
        if not len(distinct):
            return pd.Series(pd.array([pd.NA] * len(rows), dtype="Int64"), index=rows.index)
        identified = codes >= 0
        keys = pd.Series(np.asarray(distinct, dtype=object))
        at = self._known.positions(keys)
        if (at < 0).any() and self._customers_before:
            # Customers of earlier imports, met for the first time in this one.
            self._known.remember(self._session.fetch_by_keys(
                KnownCustomers.returned_columns("t"), "customers",
                "t.organization_id = :org", "t.customer_key", keys[at < 0],
            ))
            at = self._known.positions(keys)
        # Only new customers, and known ones with an empty field this chunk has values for,
        # need their fields gathered: a loyal buyer with a full record costs a lookup.
        offered = np.array([rows[GAP_SOURCE_COLUMNS[c]].notna().any()
                            for c in CUSTOMER_GAP_COLUMNS])
        wanted = (at < 0) | self._known.may_fill(at, offered)
        if wanted.any():
            self._write(rows, codes, keys, at, wanted)
        return pd.Series(self._known.ids_at(np.where(identified, at[codes], -1)),
                         index=rows.index)

    def _write(self, rows: pd.DataFrame, codes: np.ndarray, keys: pd.Series, at: np.ndarray,
               wanted: np.ndarray) -> None:
        """Insert the wanted customers that are new, fill the known ones' empty fields; `at`
        (positions per distinct key) is completed in place."""
        chosen = (codes >= 0) & wanted[np.maximum(codes, 0)]
        # One row per customer, its first value for each field in line order.
        firsts = rows.loc[chosen, CUSTOMER_FIELDS[1:]].groupby(codes[chosen], sort=True).first()
        chosen_codes = firsts.index.to_numpy()
        firsts = firsts.reset_index(drop=True)
        firsts.insert(0, "customer_key", keys.to_numpy()[chosen_codes])
        firsts = pd.concat([firsts, self._places.ids(firsts)], axis=1)
        firsts["birth_date"] = pd.to_datetime(firsts["birth_date"]).dt.date
        positions = at[chosen_codes]
        unknown = positions < 0
        known = firsts[~unknown]
        fills = self._known.needs_fill(known, positions[~unknown])
        if unknown.any():
            params = self._session.params
            new = firsts[unknown].assign(id=self._ids.allocate("customers", int(unknown.sum())),
                                         organization_id=params["org"], import_id=params["imp"])
            self._session.bulk_insert("customers", new[CUSTOMER_COLUMNS])
            positions[unknown] = self._known.add(new)
        if fills.any():
            filling = known[fills]
            self._session.restage("arena_stage_customers", filling)
            fill = ", ".join(
                f"{column} = COALESCE(customers.{column}, s.{column})"
                for column in CUSTOMER_FILLABLE
            )
            self._session.run(
                f"""UPDATE customers SET {fill} FROM arena_stage_customers s
                    WHERE customers.organization_id = :org
                      AND customers.customer_key = s.customer_key"""
            )
            self._known.filled(filling, positions[~unknown][fills])
        at[chosen_codes] = positions
