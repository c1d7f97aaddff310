"""Renewal input: the season-ticket holdings schema, its checks, and each holder's features.

``holdings``: one row per season ticket (or abonnement) and season.

| column | type | required | meaning |
|---|---|---|---|
| ``customer_id`` | any hashable | yes | the holder (the same id across seasons) |
| ``season`` | text starting with the 4-digit start year (``2024-2025``, ``2024``) | yes | the season held |
| ``category`` | text | no | seat category (empty for a theatre abonnement) |
| ``price`` | number >= 0 | no | what the holder paid for the season |
| ``holder_since`` | season label or year | no | the first season the person held one (tenure) |
| ``events_included`` | integer | no | matches or shows the season ticket covers |
| ``events_past`` | integer | no | of those, already played (defaults to ``events_included``) |
| ``events_attended`` | integer | no | of the past ones, attended (counted from ticket scans) |
| ``renewed_at`` | datetime | no | when this season's ticket was bought or renewed |
| ``single_tickets`` | integer | no | single tickets the holder bought besides, that season |
| ``group_size`` | integer | no | holders on the same order (1 = alone) |

``customers`` (optional): one row per ``customer_id`` with ``distance_km`` (home to venue),
``birth_date`` (or ``birth_year``, or ``age`` now), ``gender`` (``M``/``F``).

A holder "renews" when the same ``customer_id`` holds a season ticket in the next season of the
data. Every feature of season t uses only what was known during season t: tenure, attendance of
the matches played so far, the price change from t-1 to t, the category change from t-1 to t,
how early they bought t compared with the other holders of t.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from arena.crm.scoring.errors import ScoringInputError, require_columns

HOLDING_COLUMNS = ("customer_id", "season")
OPTIONAL_HOLDING_COLUMNS = ("category", "price", "holder_since", "events_included",
                            "events_past", "events_attended", "renewed_at", "single_tickets",
                            "group_size")
CUSTOMER_COLUMNS = ("customer_id", "distance_km", "birth_date", "birth_year", "age", "gender")
_YEAR = re.compile(r"^\s*(\d{4})")

# Model inputs, each with the reason code it speaks through (see ``reasons``). Every input must
# mean the same thing from one season to the next: the price paid enters relative to the
# season's usual price for the category (``price_level``) and as its change since last season,
# never in euros, which drift upwards every season and would push next season's scores off.
NUMERIC_FEATURES = ("tenure", "attendance_rate", "price_change", "price_level",
                    "distance_km", "age", "single_tickets", "group_size", "renewal_rank")
FLAG_FEATURES = ("category_changed", "gender_female")
CATEGORY_FEATURE = "category"


def season_start_year(label: object) -> int:
    """2024 from ``2024-2025``, ``2024/25``, ``2024`` or 2024."""
    if isinstance(label, int | np.integer):
        return int(label)
    match = _YEAR.match(str(label))
    if not match:
        raise ScoringInputError(
            f"The season {label!r} does not start with its four-digit year (e.g. 2024-2025).")
    return int(match.group(1))


def _years(values: pd.Series) -> np.ndarray:
    """Start year of each label (NaN when missing), parsing each distinct label once."""
    present = values.dropna()
    years = {label: season_start_year(label) for label in present.unique()}
    return values.map(years).to_numpy(dtype=float)


def _numeric(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    return values


@dataclass(frozen=True)
class HolderPanel:
    """Every holder x season with features, the seasons in order, and the renewal outcome
    (``renewed``: NaN for the last season of the data, whose future is unknown)."""

    rows: pd.DataFrame
    seasons: tuple[str, ...]
    provided: frozenset[str]  # input columns the data actually carries

    def season_rows(self, season: str) -> pd.DataFrame:
        return self.rows[self.rows["season"] == season]


def _one_row_per_holder(holdings: pd.DataFrame) -> pd.DataFrame:
    """Several season tickets of one person in one season become one row: the dearest seat's
    category, prices summed, the earliest purchase and tenure, the best attendance."""
    duplicated = holdings.duplicated(["customer_id", "season"], keep=False)
    if not duplicated.any():
        return holdings.assign(tickets=1)
    ordered = holdings.sort_values("price", ascending=False, kind="stable") \
        if "price" in holdings.columns else holdings
    grouped = ordered.groupby(["customer_id", "season"], sort=False, as_index=False)
    aggregations: dict[str, tuple[str, str]] = {"tickets": ("season", "size")}
    for column in holdings.columns:
        if column in HOLDING_COLUMNS:
            continue
        how = {"price": "sum", "renewed_at": "min", "holder_since_year": "min",
               "events_attended": "max", "events_included": "max", "events_past": "max",
               "single_tickets": "max", "group_size": "max"}.get(column, "first")
        aggregations[column] = (column, how)
    return grouped.agg(**aggregations)


def prepare_holdings(holdings: pd.DataFrame,
                     customers: pd.DataFrame | None = None) -> HolderPanel:
    """Checked holdings with every feature and outcome the renewal model reads.

    Raises ``ScoringInputError`` for a missing required column, an unreadable season label or
    an impossible attendance (more attended than played).
    """
    require_columns(holdings, HOLDING_COLUMNS, "season-ticket holdings")
    if holdings.empty:
        raise ScoringInputError("There is no season-ticket holding to score.")
    if holdings["customer_id"].isna().any():
        raise ScoringInputError(
            f"{int(holdings['customer_id'].isna().sum())} holdings have no customer_id.")
    provided = frozenset(c for c in OPTIONAL_HOLDING_COLUMNS
                         if c in holdings.columns and holdings[c].notna().any())
    frame = holdings[[c for c in (*HOLDING_COLUMNS, *OPTIONAL_HOLDING_COLUMNS)
                      if c in holdings.columns]].copy()
    frame["season"] = frame["season"].astype(str)
    frame["season_year"] = _years(frame["season"]).astype(int)
    if "holder_since" in frame.columns:
        frame["holder_since_year"] = _years(frame["holder_since"])
        frame = frame.drop(columns="holder_since")
    if "renewed_at" in frame.columns:
        frame["renewed_at"] = pd.to_datetime(frame["renewed_at"], errors="coerce")
    if "category" in frame.columns:
        frame["category"] = frame["category"].astype("string")
    for column in ("price", "events_included", "events_past", "events_attended",
                   "single_tickets", "group_size"):
        if column in frame.columns:
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    frame = _one_row_per_holder(frame)
    seasons = tuple(sorted(frame["season"].unique(), key=lambda s: (season_start_year(s), s)))
    position = {season: i for i, season in enumerate(seasons)}
    frame["season_index"] = frame["season"].map(position).astype(int)
    frame = frame.sort_values(["season_index", "customer_id"], kind="stable").reset_index(
        drop=True)
    _add_history_features(frame, seasons)
    _add_attendance(frame)
    _add_customer_features(frame, customers, seasons)
    return HolderPanel(frame, seasons, provided)


def _add_history_features(frame: pd.DataFrame, seasons: tuple[str, ...]) -> None:
    """Tenure, the previous season's price and category, and the outcome (holds t+1)."""
    key = pd.MultiIndex.from_frame(frame[["customer_id", "season_index"]])
    next_key = pd.MultiIndex.from_arrays([frame["customer_id"], frame["season_index"] + 1])
    previous_key = pd.MultiIndex.from_arrays([frame["customer_id"], frame["season_index"] - 1])
    last = len(seasons) - 1
    frame["renewed"] = np.where(frame["season_index"].to_numpy() < last,
                                next_key.isin(key).astype(float), np.nan)
    frame["held_previous_season"] = previous_key.isin(key)
    # Row of each holder's previous season (-1: none), to carry price, category and tenure.
    position = pd.Series(np.arange(len(frame)), index=key)
    previous_row = position.reindex(previous_key).fillna(-1).to_numpy(dtype=int)
    has_previous = previous_row >= 0
    merged = pd.DataFrame(index=frame.index)
    for column in ("price", "category"):
        if column in frame.columns:
            values = frame[column].to_numpy()
            carried = np.empty(len(frame), dtype=values.dtype if column == "price" else object)
            carried[:] = np.nan if column == "price" else None
            carried[has_previous] = values[previous_row[has_previous]]
            merged[f"previous_{column}"] = carried
    years = frame["season_year"].to_numpy(dtype=float)
    if "holder_since_year" in frame.columns:
        since = frame["holder_since_year"].to_numpy(dtype=float)
    else:
        since = np.full(len(frame), np.nan)
    # Without holder_since, tenure counts the consecutive seasons held in the data (it cannot
    # see further back: the card warns). Rows are sorted by season, so one pass suffices.
    run = np.ones(len(frame))
    for season_index in range(1, len(seasons)):
        rows = np.flatnonzero((frame["season_index"].to_numpy() == season_index) & has_previous)
        run[rows] = run[previous_row[rows]] + 1
    tenure = np.where(np.isnan(since), run, years - since + 1)
    frame["tenure"] = np.maximum(tenure, 1.0)
    if "price" in frame.columns:
        price = frame["price"].to_numpy(dtype=float)
        previous_price = merged["previous_price"].to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            change = np.where(previous_price > 0, price / previous_price - 1, np.nan)
        frame["price_change"] = change
        frame["previous_price"] = previous_price
        group = ["season", "category"] if "category" in frame.columns and frame[
            "category"].notna().any() else ["season"]
        typical = frame.groupby(group, dropna=False)["price"].transform("median").to_numpy(
            dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            frame["price_level"] = np.where(typical > 0, price / typical, np.nan)
    if "category" in frame.columns:
        previous_category = merged["previous_category"]
        changed = previous_category.notna() & frame["category"].notna() & (
            previous_category.astype("string") != frame["category"])
        frame["category_changed"] = np.where(frame["held_previous_season"],
                                             changed.to_numpy(dtype=float), np.nan)
        frame["previous_category"] = previous_category.to_numpy()
    if "renewed_at" in frame.columns:
        frame["renewal_rank"] = frame.groupby("season")["renewed_at"].rank(pct=True).to_numpy()


def _add_attendance(frame: pd.DataFrame) -> None:
    attended = _numeric(frame, "events_attended")
    included = _numeric(frame, "events_included")
    past = _numeric(frame, "events_past")
    past = np.where(np.isnan(past), included, past)
    if np.any(attended > past):
        raise ScoringInputError(
            f"{int(np.sum(attended > past))} holdings attended more events than were played.")
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["attendance_rate"] = np.where(past > 0, attended / past, np.nan)
    frame["events_counted"] = past


def _add_customer_features(frame: pd.DataFrame, customers: pd.DataFrame | None,
                           seasons: tuple[str, ...]) -> None:
    for column in ("distance_km", "age", "gender_female", "gender"):
        frame[column] = np.nan
    if customers is None or customers.empty:
        return
    require_columns(customers, ("customer_id",), "customer features")
    people = customers.drop_duplicates("customer_id").set_index("customer_id")
    aligned = people.reindex(frame["customer_id"])
    if "distance_km" in people.columns:
        distance = pd.to_numeric(aligned["distance_km"], errors="coerce").to_numpy(dtype=float)
        frame["distance_km"] = np.where(distance >= 0, distance, np.nan)
    years = frame["season_year"].to_numpy(dtype=float)
    if "birth_date" in people.columns or "birth_year" in people.columns:
        birth = (pd.to_datetime(aligned["birth_date"], errors="coerce").dt.year.to_numpy(
            dtype=float) if "birth_date" in people.columns
            else pd.to_numeric(aligned["birth_year"], errors="coerce").to_numpy(dtype=float))
        age = years - birth
    elif "age" in people.columns:
        # An age given "now" is the age during the data's last season.
        latest = season_start_year(seasons[-1])
        age = pd.to_numeric(aligned["age"], errors="coerce").to_numpy(dtype=float) - (
            latest - years)
    else:
        age = np.full(len(frame), np.nan)
    frame["age"] = np.where((age >= 0) & (age < 120), age, np.nan)
    if "gender" in people.columns:
        gender = aligned["gender"].astype("string").str.strip().str.upper().str[:1]
        frame["gender"] = gender.where(gender.isin(["M", "F"])).to_numpy(dtype=object)
        frame["gender_female"] = np.where(gender.isin(["M", "F"]).fillna(False).to_numpy(
            dtype=bool), (gender == "F").fillna(False).to_numpy(dtype=float), np.nan)
