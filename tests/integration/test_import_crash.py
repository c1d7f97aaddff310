"""Killing `arena import` in the middle leaves the database exactly as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine, func, select

from arena.storage.accounts import ensure_organization
from arena.storage.schema import customers, events, imports, tickets
from tests.support.synthetic_export import write_synthetic_export


def _counts(engine: Engine) -> tuple[int, int, int, int]:
    with engine.connect() as connection:
        return tuple(  # type: ignore[return-value]
            connection.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (tickets, customers, events, imports)
        )


def test_killing_an_import_midway_leaves_the_database_as_before(
    tmp_path: Path, engine: Engine, database_url: str
) -> None:
    with engine.begin() as connection:
        ensure_organization(connection, "club")
    path = tmp_path / "big.csv"
    write_synthetic_export(path, rows=60_000, encoding="utf-8")
    before = _counts(engine)
    environment = {
        **os.environ,
        "ARENA_DATABASE_URL": database_url,
        "ARENA_DATA_DIR": str(tmp_path / "data"),
        "ARENA_IMPORT_CHUNK_ROWS": "2000",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "arena.cli", "import", str(path), "--org", "club",
         "--const", "currency=EUR", "--progress"],
        env=environment, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )
    assert process.stderr is not None
    progress_lines = 0
    for line in process.stderr:
        if line.startswith("progress"):
            progress_lines += 1
            if progress_lines == 1:  # rows are being staged inside the open transaction
                process.send_signal(signal.SIGKILL)
                break
    process.wait(timeout=60)
    assert progress_lines == 1, "the import finished before it could be killed"
    assert process.returncode == -signal.SIGKILL

    engine.dispose()  # forget pooled connections: the next ones see what really is stored
    assert _counts(engine) == before

    again = subprocess.run(
        [sys.executable, "-m", "arena.cli", "import", str(path), "--org", "club",
         "--const", "currency=EUR", "--format", "json"],
        env=environment, capture_output=True, text=True, timeout=300,
    )
    assert again.returncode == 0, again.stderr
    assert _counts(engine)[0] == 60_000
