"""The CDNOW data shipped with ``lifetimes``, read through importlib.resources.

``lifetimes.datasets`` imports ``pkg_resources``, which setuptools >= 82 no longer provides;
reading the files directly works with any setuptools (or none).

CDNOW sample: 2,357 customers who first bought at CDNOW in the first quarter of 1997, and every
purchase they made until 30 June 1998 (one row per customer and purchase record: date, CDs,
dollar value). Fader, Hardie & Lee (2005) calibrate on the first 39 weeks (to 30 September 1997)
and hold out the next 39, merging the records of one customer on one day into one transaction.
"""

from __future__ import annotations

import importlib.resources

import pandas as pd

CALIBRATION_END = pd.Timestamp("1997-10-01")  # as-of: the calibration ends on 30 September 1997
HOLDOUT_END = pd.Timestamp("1998-07-01")
CUSTOMERS = 2357


def _dataset(name: str) -> importlib.resources.abc.Traversable:
    return importlib.resources.files("lifetimes") / "datasets" / name


def load_cdnow_transactions() -> pd.DataFrame:
    """The CDNOW sample as orders: ``customer_id``, ``ordered_at``, ``cds``, ``amount``.

    Records of one customer on one day are merged into one order (amounts and CDs summed), as
    in the published analyses.
    """
    with _dataset("CDNOW_sample.txt").open("r", encoding="ascii") as handle:
        raw = pd.read_csv(handle, sep=r"\s+", header=None,
                          names=["master_id", "customer_id", "date", "cds", "amount"],
                          dtype={"date": str})
    raw["ordered_at"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    orders = raw.groupby(["customer_id", "ordered_at"], as_index=False).agg(
        cds=("cds", "sum"), amount=("amount", "sum"))
    return orders[["customer_id", "ordered_at", "cds", "amount"]]


def load_cdnow_summary() -> pd.DataFrame:
    """The published calibration summary (x, t_x, T in weeks, mean repeat spend ``zbar``,
    rounded to 2 decimals), indexed by customer id."""
    with _dataset("cdnow_customers_summary_with_transactions.csv").open(
            "r", encoding="ascii") as handle:
        summary = pd.read_csv(handle)
    return summary.rename(columns={"ID": "customer_id"}).set_index("customer_id")
