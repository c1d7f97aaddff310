"""Purchase history input: the orders table's schema, its checks, and the per-customer summary.

Input schema (one row per order — a purchase is one order, however many tickets it holds):

| column | type | required | meaning |
|---|---|---|---|
| ``customer_id`` | any hashable | yes | the buyer |
| ``ordered_at`` | datetime or ISO text | yes | when the order was placed |
| ``amount`` | number >= 0 | for spend and value | what the order cost, all tickets together |
| ``order_id`` | any hashable | no | when given, rows sharing it are one order (amounts summed) |

Time is counted in whole days: an order placed at 23:59 belongs to its day. Only orders placed
strictly before ``as_of`` are read; the observation ends on the last day before ``as_of``.
Frequency ``x`` is the number of repeat orders, recency ``t_x`` the days from the first to the
last order, ``T`` the days from the first order to the end of observation (Fader, Hardie & Lee
2005 notation; models convert days to their own time unit).
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd

from arena.crm.scoring.errors import ScoringInputError, TooLittleHistory, require_columns

ORDER_COLUMNS = ("customer_id", "ordered_at")
DAY = pd.Timedelta(days=1)


def as_timestamp(value: date | datetime | str | pd.Timestamp) -> pd.Timestamp:
    """A day boundary (midnight) from a date, a datetime or ISO text."""
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as error:
        raise ScoringInputError(f"{value!r} is not a date (expected e.g. 2026-06-30).") from error
    if stamp is pd.NaT:
        raise ScoringInputError("The as-of date is missing.")
    return stamp.tz_localize(None).normalize() if stamp.tzinfo else stamp.normalize()


def prepare_orders(orders: pd.DataFrame, *, require_amount: bool = False) -> pd.DataFrame:
    """Checked copy of ``orders``: parsed dates, numeric amounts, one row per order.

    Raises ``ScoringInputError`` for a missing column, an unreadable date, a missing customer or
    a negative amount, naming how many rows and one example.
    """
    require_columns(orders, ORDER_COLUMNS + (("amount",) if require_amount else ()), "orders")
    frame = pd.DataFrame({"customer_id": orders["customer_id"].to_numpy()})
    if frame["customer_id"].isna().any():
        raise ScoringInputError(
            f"{int(frame['customer_id'].isna().sum())} orders have no customer_id.")
    ordered_at = pd.to_datetime(orders["ordered_at"], errors="coerce")
    if getattr(ordered_at.dt, "tz", None) is not None:
        ordered_at = ordered_at.dt.tz_localize(None)
    bad = ordered_at.isna().to_numpy()
    if bad.any():
        example = orders["ordered_at"].to_numpy()[bad][0]
        raise ScoringInputError(
            f"{int(bad.sum())} orders have no readable ordered_at date (e.g. {example!r}).")
    frame["ordered_at"] = ordered_at.to_numpy()
    if "amount" in orders.columns:
        amount = pd.to_numeric(orders["amount"], errors="coerce").to_numpy(dtype=float)
        if np.isnan(amount).any():
            raise ScoringInputError(
                f"{int(np.isnan(amount).sum())} orders have no numeric amount.")
        if (amount < 0).any():
            raise ScoringInputError(
                f"{int((amount < 0).sum())} orders have a negative amount; give refunds as "
                "their own adjustment, not as orders.")
        frame["amount"] = amount
    if "order_id" in orders.columns:
        frame["order_id"] = orders["order_id"].to_numpy()
        aggregations = {"ordered_at": ("ordered_at", "min")}
        if "amount" in frame.columns:
            aggregations["amount"] = ("amount", "sum")
        frame = frame.groupby(["customer_id", "order_id"], sort=False, as_index=False).agg(
            **aggregations).drop(columns="order_id")
    return frame


def orders_before(orders: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """The orders placed strictly before ``as_of`` (what a model dated ``as_of`` may see)."""
    return orders[orders["ordered_at"] < as_of]


def summarize_orders(orders: pd.DataFrame,
                     as_of: date | datetime | str | pd.Timestamp) -> pd.DataFrame:
    """Per customer with an order before ``as_of``: frequency, recency, T, monetary value.

    ``orders`` must come from ``prepare_orders``. Columns: ``orders``, ``frequency`` (repeat
    orders), ``recency`` and ``T`` in days, ``monetary_value`` (mean
    amount of the repeat orders, as the Gamma-Gamma model wants; NaN without a repeat),
    ``first_amount``, ``total_spend``, ``first_order``, ``last_order``. Indexed by customer_id.
    """
    end = as_timestamp(as_of)
    seen = orders_before(orders, end)
    if seen.empty:
        raise TooLittleHistory(f"No order was placed before {end.date()}.")
    days = seen["ordered_at"].dt.normalize()
    has_amount = "amount" in seen.columns
    amounts = seen["amount"] if has_amount else pd.Series(np.nan, index=seen.index)
    work = pd.DataFrame({"customer_id": seen["customer_id"].to_numpy(), "day": days.to_numpy(),
                         "stamp": seen["ordered_at"].to_numpy(), "amount": amounts.to_numpy()})
    grouped = work.groupby("customer_id", sort=True)
    first_day = grouped["day"].min()
    last_day = grouped["day"].max()
    count = grouped.size()
    if has_amount:
        # The first order is the earliest one (no global sort: cheaper on large bases).
        first_amount = pd.Series(work["amount"].to_numpy()[grouped["stamp"].idxmin().to_numpy()],
                                 index=count.index)
        total = grouped["amount"].sum()
    else:
        first_amount = total = pd.Series(np.nan, index=count.index)
    last_observed_day = end - DAY
    summary = pd.DataFrame({
        "orders": count.astype(int),
        "frequency": (count - 1).astype(int),
        "recency": (last_day - first_day).dt.days.astype(float),
        "T": (last_observed_day - first_day).dt.days.astype(float),
    })
    with np.errstate(invalid="ignore", divide="ignore"):
        repeat_mean = (total - first_amount) / summary["frequency"].where(summary["frequency"] > 0)
    summary["monetary_value"] = repeat_mean if has_amount else np.nan
    summary["first_amount"] = first_amount
    summary["total_spend"] = total if has_amount else np.nan
    summary["first_order"] = first_day
    summary["last_order"] = last_day
    summary.index.name = "customer_id"
    return summary


def purchases_between(orders: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
                      customers: pd.Index) -> np.ndarray:
    """Orders each of ``customers`` placed in [start, end) (for labels and held-out checks)."""
    window = orders[(orders["ordered_at"] >= start) & (orders["ordered_at"] < end)]
    counts = window.groupby("customer_id").size()
    return counts.reindex(customers, fill_value=0).to_numpy(dtype=int)
