"""Write the import benchmark's export: 1M rows by default, one cp1252 and one UTF-8 copy.

`;`-separated, French headers, French number and date formats, ~200k distinct customers,
~300 events over 8 venues, 5 seat categories (the generator lives in
tests/support/synthetic_export.py so tests can use smaller copies).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.support.synthetic_export import write_synthetic_export  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for encoding, name in (("cp1252", "export_cp1252.csv"), ("utf-8", "export_utf8.csv")):
        write_synthetic_export(args.out / name, args.rows, encoding)
        print(args.out / name)


if __name__ == "__main__":
    main()
