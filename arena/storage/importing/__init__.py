"""The import pipeline's storage: one transaction per import, chunk by chunk, set-based.

`store.SqlImportStore` is the adapter of `arena.ingest.ports.ImportStore`; `writer` runs one
import with the parts below, each owning one job:

- `session`: the import's connection (SQLite pragmas, PostgreSQL COPY pipe), its statements,
  stages and bulk writes; `ids` draws ids in advance; `advisory_lock` serializes the imports
  of one organization;
- `worker`: the thread that writes chunk N while the parser reads chunk N+1;
- `catalogues` (venues, seasons, events, seat categories, tariffs, channels), `geography`
  (countries, postal codes, départements, cities), `customers`, `orders`, `tickets`,
  `summaries` (the Overview's sales summaries): one entity family each;
- `undo`: removes what one import added.
"""

from arena.storage.importing.store import SqlImportStore

__all__ = ["SqlImportStore"]
