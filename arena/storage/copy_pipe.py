"""COPY statements that run behind the import's Python work, on the import's own connection.

An import's writer spends its time in two places: preparing a chunk in Python (keys, ids,
CSV text) and waiting for PostgreSQL to ingest it. Run one after the other, the server sits
idle while Python works and Python sits idle while the server works. Here each COPY is handed
to a thread of its own, so the server ingests chunk N's tickets while the writer prepares
chunk N+1 (psycopg2 releases the GIL while it sends the data).

The connection is still used by one thread at a time: anything else that runs a statement
first calls `wait()`, which returns once every COPY handed over has finished, and raises the
first failure. Statements therefore reach the server in the order the writer issued them, so
the transaction sees exactly what a synchronous writer would have written.
"""

from __future__ import annotations

import queue
import threading
from typing import Any, Protocol

# COPYs allowed to wait for their turn; each holds one table's CSV text of one chunk, so this
# bounds the memory the pipe adds (a few megabytes per 50,000 tickets).
PENDING_COPIES = 2


class Readable(Protocol):
    def read(self, size: int = -1) -> bytes: ...


class CopyPipe:
    """COPY ... FROM STDIN statements run in order on a helper thread."""

    def __init__(self, dbapi_connection: Any) -> None:
        self._connection = dbapi_connection
        self._queue: queue.Queue[tuple[str, Readable] | None] = queue.Queue(maxsize=PENDING_COPIES)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._skip = False

    def submit(self, statement: str, data: Readable) -> None:
        """Queue one COPY of the CSV text `data` yields; blocks while `PENDING_COPIES` others
        wait."""
        self._raise_failure()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="arena-import-copy",
                                            daemon=True)
            self._thread.start()
        self._queue.put((statement, data))

    def wait(self) -> None:
        """Return once every queued COPY has run; raise the first one that failed."""
        if self._thread is not None:
            self._queue.join()
        self._raise_failure()

    def close(self, run_pending: bool = True) -> None:
        """Stop the helper thread, after the queued COPYs or skipping them (a rollback follows).
        A failure is not raised here: `close` runs on the way out, often because of it."""
        if self._thread is not None:
            self._skip = not run_pending
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def _raise_failure(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                if self._error is None and not self._skip:  # a failure loses the transaction
                    statement, data = item
                    cursor = self._connection.cursor()
                    try:
                        cursor.copy_expert(statement, data)
                    finally:
                        cursor.close()
            except BaseException as error:  # handed to the writer by `wait` or `submit`
                self._error = error
            finally:
                del item
                self._queue.task_done()
