"""The naive forecasts of final sales every model must beat: history mean and pickup.

Weatherford & Kimes (2003), "A comparison of forecasting methods for hotel revenue management"
(IJF 19): simple booking-curve methods are hard to beat. Before the sale, the mean final sales of
past events of the same category; in flight, additive pickup (final = sold to date + the average
number of tickets past events still sold after that day) and multiplicative pickup (final = sold to
date x the average ratio final / to date). Every forecast is capped at capacity and never below
what is already sold.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


class CutoffSales:
    """Per event x category: capacity, final sales and the sales known at any cutoff.

    Built once per history (the backtest asks for many cutoffs); a forecast made ``cutoff`` days
    before the event sees the sales of earlier days only, not those of day ``cutoff`` itself;
    ``cutoff`` None means before any sale (nothing sold yet).
    """

    def __init__(self, sales: pd.DataFrame) -> None:
        pairs = sales["event_id"].astype(str) + "\x1f" + sales["category"].astype(str)
        codes, uniques = pd.factorize(pairs, sort=False)
        first = pd.Series(np.arange(len(codes))).groupby(codes).first().to_numpy()
        self._codes = codes
        self._days = sales["days_before"].to_numpy(dtype=float)
        self._quantity = sales["quantity"].to_numpy(dtype=float)
        n = len(uniques)
        capacity = np.zeros(n)
        np.maximum.at(capacity, codes, sales["capacity"].to_numpy(dtype=float))
        self.table = pd.DataFrame({
            "event_id": sales["event_id"].to_numpy()[first],
            "category": sales["category"].to_numpy()[first],
            "capacity": capacity,
            "final": np.bincount(codes, weights=self._quantity, minlength=n),
        })

    def at(self, cutoff: int | None) -> pd.DataFrame:
        """``event_id, category, capacity, final, sold`` as known ``cutoff`` days before."""
        if cutoff is None:
            return self.table.assign(sold=0.0)
        known = self._quantity * (self._days > cutoff)
        return self.table.assign(sold=np.bincount(self._codes, weights=known,
                                                  minlength=len(self.table)))


def sales_at_cutoff(sales: pd.DataFrame, cutoff: int | None) -> pd.DataFrame:
    """Per event x category: capacity, final sales and sales known ``cutoff`` days before."""
    return CutoffSales(sales).at(cutoff)


def pickup_factors(history_sales: pd.DataFrame | CutoffSales, days_before: int
                   ) -> pd.DataFrame:
    """Per category, the average remaining pickup after ``days_before`` (both flavours)."""
    table = history_sales if isinstance(history_sales, CutoffSales) \
        else CutoffSales(history_sales)
    per_event = table.at(days_before)
    totals = per_event.groupby("category", as_index=False).agg(
        final_total=("final", "sum"), to_date_total=("sold", "sum"), n=("final", "size")
    )
    totals["additive"] = (totals["final_total"] - totals["to_date_total"]) / totals["n"]
    totals["multiplicative"] = totals["final_total"] / totals["to_date_total"].clip(lower=1.0)
    return totals[["category", "additive", "multiplicative"]]


def pickup_forecast(
    history_sales: pd.DataFrame | CutoffSales, to_date: pd.DataFrame, days_before: int
) -> pd.DataFrame:
    """Additive and multiplicative pickup forecasts of final sales, capped at capacity.

    ``to_date`` has ``event_id, category, sold, capacity`` as known ``days_before`` the event.
    """
    factors = pickup_factors(history_sales, days_before)
    frame = to_date.merge(factors, on="category", how="left").fillna(
        {"additive": 0.0, "multiplicative": 1.0}
    )
    frame["additive_pickup"] = np.minimum(frame["sold"] + frame["additive"], frame["capacity"])
    frame["multiplicative_pickup"] = np.minimum(
        frame["sold"] * frame["multiplicative"], frame["capacity"]
    )
    return frame[["event_id", "category", "additive_pickup", "multiplicative_pickup"]]


def history_mean_forecast(history_sales: pd.DataFrame | CutoffSales, to_date: pd.DataFrame
                          ) -> np.ndarray:
    """Mean final sales of the category over past events, within [sold to date, capacity]."""
    table = history_sales if isinstance(history_sales, CutoffSales) \
        else CutoffSales(history_sales)
    finals = table.table.groupby("category")["final"].mean()
    mean = to_date["category"].map(finals).fillna(0.0).to_numpy(dtype=float)
    return np.clip(mean, to_date["sold"].to_numpy(float), to_date["capacity"].to_numpy(float))
