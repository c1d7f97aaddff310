"""The thread that writes chunk N while the parsing thread reads chunk N+1.

The parsing thread hands each job to one worker thread that owns the import's connection (the
drivers release the GIL while a statement runs). A job is handed over only when the worker is
idle, so at most two chunks are alive at once, which bounds memory. The worker's failure is
raised in the parsing thread at its next hand-over, or when it drains."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

Job = tuple[str, Any]


class ChunkWorker:
    """Runs `handle(kind, payload)` for each submitted job, in order, on one thread."""

    def __init__(self, handle: Callable[[str, Any], None]) -> None:
        self._handle = handle
        self._queue: queue.Queue[Job | None] = queue.Queue(maxsize=1)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def submit(self, kind: str, payload: Any) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="arena-import-writer",
                                            daemon=True)
            self._thread.start()
        while True:
            if self._error is not None:
                raise self._error
            # Hand over only when the worker is idle: one chunk loads while the next is parsed,
            # and no third one waits in memory.
            with self._queue.all_tasks_done:
                if self._queue.unfinished_tasks:
                    self._queue.all_tasks_done.wait(timeout=0.2)
                    continue
            self._queue.put((kind, payload))
            return

    def drain(self) -> None:
        """Wait until every job submitted is done; re-raise the worker's failure."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        if self._error is not None:
            raise self._error

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                self._queue.task_done()
                return
            if self._error is not None:
                self._queue.task_done()
                continue  # keep draining so the parsing thread never blocks
            kind, payload = item
            try:
                self._handle(kind, payload)
            except BaseException as error:  # handed to the parsing thread
                self._error = error
            finally:
                del item, payload
                self._queue.task_done()
