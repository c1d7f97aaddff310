"""Hostile files at full size: time and peak memory of `arena import --dry-run` on a ~100 MB
file whose every row is rejected, and on a 100 MB record with no line break.

    .venv/bin/python bench/import/run_hostile.py            # files in bench/out/, JSON lines out
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARENA = [sys.executable, "-m", "arena.cli"]
HEADER = "Manifestation;Date séance;N° billet;Commande;Prix;Email;Nom;Prénom;Ville\n"


def every_row_rejected(path: Path, megabytes: int) -> None:
    line = "Gala de printemps;12/08/2023 20:30;T{0};O{0};gratuit ?;client{0}@example.org;" \
           "Lefèvre;Anaïs;Saint-Étienne\n"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEADER)
        written, i = 0, 0
        while written < megabytes << 20:
            text = "".join(line.format(n) for n in range(i, i + 10_000))
            handle.write(text)
            written += len(text.encode())
            i += 10_000


def one_endless_record(path: Path, megabytes: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEADER + "Gala;12/08/2023 20:30;T1;O1;20,00;")
        block = "x" * (1 << 20)
        for _ in range(megabytes):
            handle.write(block)


def dry_run(path: Path, data_dir: Path) -> dict:
    env = {**os.environ, "ARENA_DATA_DIR": str(data_dir)}
    env.pop("ARENA_DATABASE_URL", None)
    subprocess.run([*ARENA, "orgs", "add", "bench"], env=env, check=True, capture_output=True)
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen([*ARENA, "import", str(path), "--org", "bench", "--dry-run",
                                  "--format", "json"], env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read().decode(errors="replace").strip()
    result = {"file": path.name, "mb": round(path.stat().st_size / 2**20),
              "seconds": round(elapsed, 1), "peak_mb": round(usage.ru_maxrss / 1024),
              "exit": os.waitstatus_to_exitcode(status),
              "stderr_lines": len(stderr.splitlines()), "stderr": stderr[-300:]}
    if result["exit"] == 0:
        # The report's head holds the counts; the whole JSON can weigh more than the file (an
        # older Arena printed every rejected record), so it is not parsed.
        head = stdout[:400].decode()
        result.update({key: int(re.search(rf'"{key}": (\d+)', head).group(1))  # type: ignore[union-attr]
                       for key in ("rows_read", "rows_rejected")})
        result["report_mb"] = round(len(stdout) / 2**20, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "bench/out")
    parser.add_argument("--megabytes", type=int, default=100)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rejected, endless = args.out / "all-rejected.csv", args.out / "endless-record.csv"
    if not rejected.exists():
        every_row_rejected(rejected, args.megabytes)
    if not endless.exists():
        one_endless_record(endless, args.megabytes)
    for path in (rejected, endless):
        with tempfile.TemporaryDirectory() as data_dir:
            print(json.dumps(dry_run(path, Path(data_dir))), flush=True)


if __name__ == "__main__":
    main()
