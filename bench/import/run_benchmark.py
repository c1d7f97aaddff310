"""Import benchmark: the full `arena import` against raw loads of the same file, in one run.

Baselines: PostgreSQL `COPY` of the file into one flat text table; SQLite one-transaction
`executemany` of the parsed rows into one flat text table. The full import runs as a separate
process (`arena import`), so its peak memory is measured on its own (ru_maxrss of the child).
Every integrity constraint of the schema is in force during the full import.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parents[2]
ARENA = [sys.executable, "-m", "arena.cli"]


def pg_admin(url_base: str, sql: str) -> None:
    connection = psycopg2.connect(f"{url_base}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql)
    connection.close()


def raw_copy_postgres(path: Path, dsn: str, columns: int) -> float:
    connection = psycopg2.connect(dsn)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS raw_flat")
        cursor.execute(
            "CREATE TABLE raw_flat (" + ", ".join(f"c{i} text" for i in range(columns)) + ")"
        )
        connection.commit()
        started = time.perf_counter()
        with path.open("rb") as handle:
            cursor.copy_expert(
                "COPY raw_flat FROM STDIN WITH (FORMAT csv, DELIMITER ';', HEADER true, "
                "ENCODING 'WIN1252')",
                handle,
            )
        connection.commit()
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE raw_flat")
        connection.commit()
    connection.close()
    return elapsed


def raw_executemany_sqlite(path: Path, database: Path, columns: int) -> float:
    database.unlink(missing_ok=True)
    connection = sqlite3.connect(database)
    connection.execute(
        "CREATE TABLE raw_flat (" + ", ".join(f"c{i} text" for i in range(columns)) + ")"
    )
    started = time.perf_counter()
    with path.open(encoding="cp1252", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        next(reader)
        placeholders = ", ".join("?" for _ in range(columns))
        connection.executemany(f"INSERT INTO raw_flat VALUES ({placeholders})", reader)
    connection.commit()
    elapsed = time.perf_counter() - started
    connection.close()
    database.unlink(missing_ok=True)
    return elapsed


def full_import(path: Path, database_url: str, data_dir: Path, neighbour: bool = False
                ) -> tuple[float, float, dict]:
    """Run `arena import` in a child process; return seconds, peak MB and its JSON report.
    With `neighbour`, a second organization exists in the database (bulk mode is then off on
    PostgreSQL: its locks would stop the neighbour's reads)."""
    env = {**os.environ, "ARENA_DATABASE_URL": database_url, "ARENA_DATA_DIR": str(data_dir)}
    subprocess.run([*ARENA, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([*ARENA, "orgs", "add", "bench"], env=env, check=True, capture_output=True)
    if neighbour:
        subprocess.run([*ARENA, "orgs", "add", "neighbour"], env=env, check=True,
                       capture_output=True)
    started = time.perf_counter()
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        child = subprocess.Popen(
            [*ARENA, "import", str(path), "--org", "bench", "--source", "bench",
             "--const", "currency=EUR", "--format", "json"],
            env=env, stdout=stdout, stderr=stderr,
        )
        # wait4 gives this child's own peak (RUSAGE_CHILDREN keeps the largest of all children).
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        if child.returncode != 0:
            raise SystemExit(f"arena import failed: {stderr.read()[-2000:].decode()}")
        report = json.loads(stdout.read())
    peak_kb = usage.ru_maxrss
    summary = {k: report[k] for k in ("rows_read", "rows_loaded", "rows_rejected")}
    summary["added"] = report["added"]
    summary["database_seconds_by_step"] = report["load_seconds"]
    summary["seconds_reported"] = report["seconds"]
    summary["bulk_tables"] = report.get("bulk_tables")
    return elapsed, peak_kb / 1024, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--file", type=Path, default=ROOT / "bench/out/export_cp1252.csv")
    parser.add_argument("--postgres", default="postgresql+psycopg2://postgres@127.0.0.1")
    parser.add_argument(
        "--database", default="arena_bench",
        help="PostgreSQL database to drop, create and load (on a shared server, your own)",
    )
    parser.add_argument("--engines", default="postgresql,sqlite")
    parser.add_argument(
        "--beside-another-organization", action="store_true",
        help="PostgreSQL: also import into a database where a second organization exists "
             "(no bulk mode), after the usual import, in the same run",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench/out")
    args = parser.parse_args()
    path = args.file
    with path.open(encoding="cp1252", newline="") as handle:
        columns = len(next(csv.reader(handle, delimiter=";")))
    rows = sum(1 for _ in path.open("rb")) - 1
    results: dict[str, dict] = {"file": str(path), "rows": rows}
    if "postgresql" in args.engines:
        base = args.postgres
        database_name = args.database
        pg_admin(base.replace("+psycopg2", ""), f"DROP DATABASE IF EXISTS {database_name}")
        pg_admin(base.replace("+psycopg2", ""), f"CREATE DATABASE {database_name}")
        raw = raw_copy_postgres(path, base.replace("+psycopg2", "") + f"/{database_name}", columns)
        full, peak, summary = full_import(
            path, f"{base}/{database_name}", args.out / "pg-data"
        )
        results["postgresql"] = {
            "raw_copy_s": round(raw, 2), "raw_rows_per_s": round(rows / raw),
            "import_s": round(full, 2), "import_rows_per_s": round(rows / full),
            "ratio": round(raw / full, 3), "peak_mb": round(peak), "report": summary,
        }
        print(json.dumps({"postgresql": results["postgresql"]}), flush=True)
        if args.beside_another_organization:
            pg_admin(base.replace("+psycopg2", ""), f"DROP DATABASE IF EXISTS {database_name}")
            pg_admin(base.replace("+psycopg2", ""), f"CREATE DATABASE {database_name}")
            full, peak, summary = full_import(
                path, f"{base}/{database_name}", args.out / "pg-data", neighbour=True
            )
            results["postgresql_beside_another_organization"] = {
                "import_s": round(full, 2), "import_rows_per_s": round(rows / full),
                "ratio": round(results["postgresql"]["raw_copy_s"] / full, 3),
                "peak_mb": round(peak), "report": summary,
            }
            print(json.dumps({"postgresql_beside_another_organization":
                              results["postgresql_beside_another_organization"]}), flush=True)
        # Let PostgreSQL write the import's pages out now, not during the SQLite measurement.
        pg_admin(base.replace("+psycopg2", ""), "CHECKPOINT")
    if "sqlite" in args.engines:
        database = args.out / "bench.sqlite"
        raw = raw_executemany_sqlite(path, args.out / "raw.sqlite", columns)
        database.unlink(missing_ok=True)
        full, peak, summary = full_import(path, f"sqlite:///{database}", args.out / "sqlite-data")
        results["sqlite"] = {
            "raw_executemany_s": round(raw, 2), "raw_rows_per_s": round(rows / raw),
            "import_s": round(full, 2), "import_rows_per_s": round(rows / full),
            "ratio": round(raw / full, 3), "peak_mb": round(peak), "report": summary,
        }
        print(json.dumps({"sqlite": results["sqlite"]}), flush=True)
    (args.out / "import_benchmark.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
