"""The pricing engine's tables built from tickets in SQL, and the versioned price history.

Rules, so that every figure can be traced back to tickets (see docs/pricing.md, "Database side"):
- Quantity: single tickets sold per event x category x purchase day. Season tickets and free
  tariffs (and zero-price comps) are not single sales and are left out; a ticket without a tariff
  counts as a single sale. Purchases after the event day count on day 0; purchases more than
  ``MAX_HORIZON_DAYS`` ahead are folded into that day.
- Price in force that day: the modal price paid on full-tariff tickets (all counted tickets when the
  event x category has no full-tariff ticket), else the price saved in the price history for that
  day, else the previous day's price, else the next one, else the category's list price.
- Capacity: ``event_categories.capacity`` minus the season tickets held in that category for the
  event's season; when unknown, the largest single-ticket sales of that category over the product
  line (a lower bound, flagged ``capacity_known = False``). Never below the tickets actually sold.
SQL does the grouping (one row per event x category x day x price comes back, never one row per
ticket); pandas only reshapes those aggregates.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import Engine, and_, case, func, insert, literal, or_, select

from arena.pricing.ports import (
    EVENT_LIST_COLUMNS,
    PRICE_ACTIONS,
    PriceChange,
    PricingFrames,
    ProductLine,
    UnknownEventError,
)
from arena.storage.schema import (
    APPLIED_PRICE_ACTIONS,
    event_categories,
    events,
    imports,
    organizations,
    price_decisions,
    season_tickets,
    seasons,
    seat_categories,
    tariffs,
    tickets,
    venues,
)

MAX_HORIZON_DAYS = 365
NOT_SINGLE_SALE_TARIFFS: tuple[str, ...] = ("season_ticket", "free")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class SqlPricingRepository:
    """:class:`arena.pricing.ports.PricingRepository` over the relational schema."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ------------------------------------------------------------------ identity and versions
    def _organization_id(self, organization: str) -> int:
        with self.engine.connect() as connection:
            found = connection.execute(
                select(organizations.c.id).where(organizations.c.slug == organization)
            ).scalar()
        if found is None:
            raise UnknownEventError(f"unknown organization {organization!r}")
        return int(found)

    def data_version(self, organization: str) -> str:
        org_id = self._organization_id(organization)
        with self.engine.connect() as connection:
            ticket_state = connection.execute(
                select(func.count(tickets.c.id), func.max(tickets.c.id)).where(
                    tickets.c.organization_id == org_id
                )
            ).one()
            last_import = connection.execute(
                select(func.max(imports.c.id)).where(imports.c.organization_id == org_id)
            ).scalar()
            last_decision = connection.execute(
                select(func.max(price_decisions.c.id)).where(
                    price_decisions.c.organization_id == org_id
                )
            ).scalar()
        return f"{ticket_state[0]}:{ticket_state[1]}:{last_import}:{last_decision}"

    # ------------------------------------------------------------------ catalogue
    def _catalogue(self, org_id: int) -> pd.DataFrame:
        """One row per event x category with the event's attributes (events x categories rows)."""
        query = (
            select(
                events.c.id.label("event_id"),
                events.c.name,
                events.c.starts_at,
                events.c.event_type,
                venues.c.name.label("venue"),
                seasons.c.id.label("season_id"),
                seasons.c.label.label("season"),
                seat_categories.c.id.label("category_id"),
                seat_categories.c.name.label("category"),
                seat_categories.c.rank,
                event_categories.c.capacity,
                event_categories.c.list_price,
            )
            .select_from(
                events.join(event_categories, event_categories.c.event_id == events.c.id)
                .join(seat_categories, seat_categories.c.id == event_categories.c.category_id)
                .outerjoin(venues, venues.c.id == events.c.venue_id)
                .outerjoin(seasons, seasons.c.id == events.c.season_id)
            )
            .where(events.c.organization_id == org_id)
        )
        with self.engine.connect() as connection:
            frame = pd.DataFrame(connection.execute(query).mappings().all())
        if frame.empty:
            return pd.DataFrame(columns=list(query.selected_columns.keys()) + ["line"])
        frame["event_id"] = frame["event_id"].astype(str)
        frame["starts_at"] = pd.to_datetime(frame["starts_at"])
        for column in ("capacity", "list_price", "rank"):
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
        sets = frame.groupby("event_id")["category"].agg(lambda names: "|".join(sorted(names)))
        frame["line"] = frame["event_id"].map(sets.map(_line_key))
        return frame

    def product_lines(self, organization: str) -> list[ProductLine]:
        catalogue = self._catalogue(self._organization_id(organization))
        lines = []
        for key, group in catalogue.groupby("line"):
            order = _category_order(group, None)
            venue = group["venue"].dropna()
            place = venue.mode().iloc[0] if not venue.empty else "Events"
            count = group["event_id"].nunique()
            label = f"{place}: {', '.join(order)} ({count} events)"
            lines.append(ProductLine(str(key), label, tuple(order), int(count)))
        return sorted(lines, key=lambda line: (-line.event_count, line.label))

    def resolve_event(self, organization: str, event: str) -> tuple[str, str]:
        catalogue = self._catalogue(self._organization_id(organization))
        match = catalogue[catalogue["event_id"] == str(event).strip()]
        if match.empty:
            named = catalogue[catalogue["name"].str.casefold() == str(event).strip().casefold()]
            match = named[named["starts_at"] == named["starts_at"].max()] if not named.empty \
                else named
        if match.empty:
            raise UnknownEventError(
                f"no event {event!r} with seat categories in organization {organization!r} "
                "(give its id or exact name; `arena price` needs imported tickets)"
            )
        return str(match["event_id"].iloc[0]), str(match["line"].iloc[0])

    # ------------------------------------------------------------------ the engine's frames
    def pricing_frames(
        self, organization: str, product_line: str | None = None, as_of: datetime | None = None
    ) -> PricingFrames:
        org_id = self._organization_id(organization)
        as_of = as_of or datetime.now()
        catalogue = self._catalogue(org_id)
        if catalogue.empty:
            return _empty_frames(as_of)
        if product_line is None:
            product_line = self.product_lines(organization)[0].key
        catalogue = catalogue[catalogue["line"] == product_line].copy()
        if catalogue.empty:
            raise UnknownEventError(f"unknown product line {product_line!r}")
        event_ids = sorted({int(e) for e in catalogue["event_id"]})
        daily = self._daily_sales(org_id, event_ids, as_of)
        held = self._season_tickets(org_id)
        decisions = self._applied_decisions(org_id, event_ids)
        order = _category_order(catalogue, daily)
        return build_frames(catalogue, daily, held, decisions, tuple(order), as_of)

    def _daily_sales(self, org_id: int, event_ids: list[int], as_of: datetime) -> pd.DataFrame:
        """Tickets per event x category x purchase day x (full tariff?) x price, grouped in SQL."""
        day = func.date(tickets.c.purchased_at).label("day")
        is_full = case((tariffs.c.kind == "full", literal(1)), else_=literal(0)).label("is_full")
        query = (
            select(
                tickets.c.event_id,
                seat_categories.c.name.label("category"),
                day,
                is_full,
                tickets.c.price,
                func.count(tickets.c.id).label("tickets"),
            )
            .select_from(
                tickets.join(seat_categories, seat_categories.c.id == tickets.c.category_id)
                .outerjoin(tariffs, tariffs.c.id == tickets.c.tariff_id)
            )
            .where(
                tickets.c.organization_id == org_id,
                tickets.c.event_id.in_(event_ids),
                tickets.c.purchased_at.is_not(None),
                tickets.c.purchased_at <= as_of,
                tickets.c.price > 0,
                or_(tariffs.c.kind.is_(None), tariffs.c.kind.not_in(NOT_SINGLE_SALE_TARIFFS)),
            )
            .group_by(tickets.c.event_id, seat_categories.c.name, day, is_full, tickets.c.price)
        )
        with self.engine.connect() as connection:
            frame = pd.DataFrame(
                connection.execute(query).all(),
                columns=["event_id", "category", "day", "is_full", "price", "tickets"],
            )
        frame["event_id"] = frame["event_id"].astype(str)
        frame["day"] = pd.to_datetime(frame["day"])
        frame["price"] = frame["price"].astype(float)
        frame["tickets"] = frame["tickets"].astype(int)
        return frame

    def _season_tickets(self, org_id: int) -> pd.DataFrame:
        query = (
            select(
                season_tickets.c.season_id,
                seat_categories.c.name.label("category"),
                func.count(season_tickets.c.id).label("held"),
                func.avg(season_tickets.c.price).label("average_price"),
            )
            .select_from(
                season_tickets.join(
                    seat_categories, seat_categories.c.id == season_tickets.c.category_id
                )
            )
            .where(season_tickets.c.organization_id == org_id)
            .group_by(season_tickets.c.season_id, seat_categories.c.name)
        )
        with self.engine.connect() as connection:
            frame = pd.DataFrame(
                connection.execute(query).all(),
                columns=["season_id", "category", "held", "average_price"],
            )
        frame["average_price"] = pd.to_numeric(frame["average_price"]).astype(float)
        return frame

    def _applied_decisions(self, org_id: int, event_ids: list[int]) -> pd.DataFrame:
        """Rows of each event's latest applied version (accepted, tweaked or manual)."""
        latest = (
            select(
                price_decisions.c.event_id, func.max(price_decisions.c.version).label("version")
            )
            .where(
                price_decisions.c.organization_id == org_id,
                price_decisions.c.action.in_(APPLIED_PRICE_ACTIONS),
                price_decisions.c.event_id.in_(event_ids),
            )
            .group_by(price_decisions.c.event_id)
            .subquery()
        )
        query = select(
            price_decisions.c.event_id,
            seat_categories.c.name.label("category"),
            price_decisions.c.days_before,
            price_decisions.c.price,
            price_decisions.c.decided_at,
        ).select_from(
            price_decisions.join(
                latest,
                and_(
                    latest.c.event_id == price_decisions.c.event_id,
                    latest.c.version == price_decisions.c.version,
                ),
            ).join(seat_categories, seat_categories.c.id == price_decisions.c.category_id)
        )
        with self.engine.connect() as connection:
            frame = pd.DataFrame(
                connection.execute(query).all(),
                columns=["event_id", "category", "days_before", "price", "decided_at"],
            )
        frame["event_id"] = frame["event_id"].astype(str)
        frame["price"] = frame["price"].astype(float)
        frame["decided_at"] = pd.to_datetime(frame["decided_at"], utc=True).dt.tz_localize(None)
        return frame

    # ------------------------------------------------------------------ price history
    def record_decision(
        self,
        organization: str,
        event_id: str,
        action: str,
        changes: Sequence[PriceChange],
        decided_by: str | None = None,
        note: str | None = None,
    ) -> int:
        if action not in PRICE_ACTIONS:
            raise ValueError(f"action must be one of {', '.join(PRICE_ACTIONS)}, not {action!r}")
        if not changes:
            raise ValueError("a price decision needs at least one price")
        if any(not np.isfinite(c.price) or c.price <= 0 for c in changes):
            raise ValueError("every price of a decision must be a positive amount")
        org_id = self._organization_id(organization)
        with self.engine.begin() as connection:
            event_row = connection.execute(
                select(events.c.id).where(
                    events.c.organization_id == org_id, events.c.id == int(event_id)
                )
            ).scalar()
            if event_row is None:
                raise UnknownEventError(f"no event {event_id} in organization {organization!r}")
            category_ids = dict(
                connection.execute(
                    select(seat_categories.c.name, seat_categories.c.id).where(
                        seat_categories.c.organization_id == org_id
                    )
                ).all()
            )
            unknown = sorted({c.category for c in changes} - set(category_ids))
            if unknown:
                raise ValueError(f"unknown seat category: {', '.join(unknown)}")
            version = 1 + int(
                connection.execute(
                    select(func.coalesce(func.max(price_decisions.c.version), 0)).where(
                        price_decisions.c.event_id == event_row
                    )
                ).scalar_one()
            )
            connection.execute(
                insert(price_decisions),
                [
                    {
                        "organization_id": org_id,
                        "event_id": event_row,
                        "category_id": category_ids[change.category],
                        "version": version,
                        "days_before": change.days_before,
                        "price": round(float(change.price), 2),
                        "recommended_price": None if change.recommended_price is None
                        else round(float(change.recommended_price), 2),
                        "action": action,
                        "decided_by": decided_by,
                        "note": note,
                    }
                    for change in changes
                ],
            )
        return version

    def price_history(self, organization: str, event_id: str) -> pd.DataFrame:
        org_id = self._organization_id(organization)
        columns = ["version", "decided_at", "decided_by", "action", "category", "days_before",
                   "price", "recommended_price", "note"]
        query = (
            select(
                price_decisions.c.version,
                price_decisions.c.decided_at,
                price_decisions.c.decided_by,
                price_decisions.c.action,
                seat_categories.c.name,
                price_decisions.c.days_before,
                price_decisions.c.price,
                price_decisions.c.recommended_price,
                price_decisions.c.note,
            )
            .select_from(
                price_decisions.join(
                    seat_categories, seat_categories.c.id == price_decisions.c.category_id
                )
            )
            .where(
                price_decisions.c.organization_id == org_id,
                price_decisions.c.event_id == int(event_id),
            )
            .order_by(
                price_decisions.c.version.desc(),
                seat_categories.c.name,
                price_decisions.c.days_before.desc(),
            )
        )
        with self.engine.connect() as connection:
            frame = pd.DataFrame(connection.execute(query).all(), columns=columns)
        for column in ("price", "recommended_price"):
            frame[column] = pd.to_numeric(frame[column]).astype(float)
        return frame


# ---------------------------------------------------------------------- pure reshaping
def _line_key(category_names: str) -> str:
    return hashlib.sha1(category_names.encode("utf-8")).hexdigest()[:10]


def _category_order(catalogue: pd.DataFrame, daily: pd.DataFrame | None) -> list[str]:
    """Best seat first: the categories' rank when every one has it, else the dearer first."""
    per_category = catalogue.groupby("category").agg(
        rank=("rank", "max"), list_price=("list_price", "median")
    )
    if per_category["rank"].notna().all():
        return list(per_category.sort_values("rank").index.astype(str))
    price = per_category["list_price"]
    if daily is not None and not daily.empty:
        paid = daily.groupby("category")["price"].median()
        price = price.fillna(paid.reindex(price.index))
    return list(price.fillna(0.0).sort_values(ascending=False, kind="stable").index.astype(str))


def show_key(name: str) -> str:
    """The opponent or show behind an event name, years removed, so the same fixture or
    production in two seasons (or a race's yearly edition) shares one demand effect."""
    return re.sub(r"\s+", " ", re.sub(r"\b(19|20)\d{2}\b", " ", name)).strip(" -")


def _mode_price(group: pd.DataFrame) -> float:
    ordered = group.sort_values(["tickets", "price"], ascending=[False, False])
    return float(ordered["price"].iloc[0])


def build_frames(
    catalogue: pd.DataFrame,
    daily: pd.DataFrame,
    held: pd.DataFrame,
    decisions: pd.DataFrame,
    categories: tuple[str, ...],
    as_of: datetime,
) -> PricingFrames:
    """Pure: aggregated rows in, the engine's tables out (the documented rules, module docstring)."""
    as_of_day = pd.Timestamp(as_of).normalize()
    cat = catalogue.copy()
    cat["event_day"] = cat["starts_at"].dt.normalize()
    cat = cat.merge(held, on=["season_id", "category"], how="left")
    cat["held"] = cat["held"].fillna(0.0)
    events_per_season = cat.groupby("season_id")["event_id"].nunique()
    cat["season_ticket_price"] = (
        cat["average_price"] / cat["season_id"].map(events_per_season)
    ).fillna(0.0)
    # Capacity for single sales: seats minus season tickets, when that leaves any seats.
    for_sale = cat["capacity"] - cat["held"]
    cat["capacity_for_sale"] = for_sale.where(for_sale > 0, cat["capacity"])

    daily = daily.merge(cat[["event_id", "category", "event_day"]], on=["event_id", "category"])
    daily["days_before"] = (
        (daily["event_day"] - daily["day"]).dt.days.clip(lower=0, upper=MAX_HORIZON_DAYS)
    )
    quantity = daily.groupby(["event_id", "category", "days_before"])["tickets"].sum()
    has_full = daily.groupby(["event_id", "category"])["is_full"].transform("max") > 0
    priced = daily[(daily["is_full"] > 0) | ~has_full]
    observed = priced.groupby(["event_id", "category", "days_before", "price"], as_index=False)[
        "tickets"
    ].sum().groupby(["event_id", "category", "days_before"]).apply(_mode_price)

    finals = quantity.groupby(level=[0, 1]).sum()
    fallback = finals.groupby(level=1).max()
    cat["capacity_known"] = cat["capacity_for_sale"].notna()
    cat["capacity_for_sale"] = cat["capacity_for_sale"].fillna(cat["category"].map(fallback))
    sold = pd.Series(
        [finals.get((e, c), 0.0) for e, c in zip(cat["event_id"], cat["category"], strict=True)],
        index=cat.index, dtype=float,
    )
    cat["sold"] = sold
    cat["capacity_for_sale"] = np.maximum(cat["capacity_for_sale"].fillna(0.0), sold)

    event_first_day = daily.groupby("event_id")["days_before"].max()
    rows = []
    for record in cat.itertuples(index=False):
        event_id = record.event_id
        if event_id not in event_first_day.index or record.capacity_for_sale <= 0:
            continue
        last_day = max(0, (record.event_day - as_of_day).days)
        days = np.arange(int(event_first_day[event_id]), last_day - 1, -1)
        if days.size == 0:
            continue
        rows.append(pd.DataFrame({
            "event_id": event_id, "event_date": record.starts_at, "category": record.category,
            "capacity": float(record.capacity_for_sale), "days_before": days,
            "list_price": record.list_price,
        }))
    if not rows:
        return _empty_frames(as_of, cat, categories)
    sales = pd.concat(rows, ignore_index=True)
    keys = pd.MultiIndex.from_frame(sales[["event_id", "category", "days_before"]])
    sales["quantity"] = quantity.reindex(keys).fillna(0).to_numpy(dtype=float)
    sales["price"] = observed.reindex(keys).to_numpy(dtype=float)
    sales["price"] = sales["price"].fillna(_decision_prices(decisions, sales))
    group = sales.groupby(["event_id", "category"])["price"]
    sales["price"] = group.ffill()
    sales["price"] = sales.groupby(["event_id", "category"])["price"].bfill()
    sales["price"] = sales["price"].fillna(sales["list_price"])
    sales = sales.dropna(subset=["price"])
    sales["sale_date"] = sales["event_date"].dt.normalize() - pd.to_timedelta(
        sales["days_before"], unit="D"
    )
    sales = sales[["event_id", "event_date", "category", "capacity", "sale_date", "days_before",
                   "price", "quantity"]]
    return PricingFrames(
        sales=sales.reset_index(drop=True),
        events=_events_table(cat),
        categories=categories,
        offer=_offer(cat, sales, decisions, as_of_day),
        event_list=_event_list(cat, as_of, set(sales["event_id"])),
        as_of=as_of,
    )


def _decision_prices(decisions: pd.DataFrame, sales: pd.DataFrame) -> pd.Series:
    """Price saved in the history for each sales row's day (NaN when none applies)."""
    result = pd.Series(np.nan, index=sales.index)
    if decisions.empty:
        return result
    by_key = {key: group for key, group in decisions.groupby(["event_id", "category"])}
    for (event_id, category), rows in sales.groupby(["event_id", "category"]):
        saved = by_key.get((event_id, category))
        if saved is None:
            continue
        event_day = rows["event_date"].iloc[0].normalize()
        for decision in saved.itertuples(index=False):
            if pd.isna(decision.days_before):
                # "From now on": every day from the decision's date to the event.
                since = (event_day - pd.Timestamp(decision.decided_at).normalize()).days
                applies = rows["days_before"] <= since
            else:
                applies = rows["days_before"] == int(decision.days_before)
            result.loc[rows.index[applies.to_numpy()]] = decision.price
    return result


def _events_table(cat: pd.DataFrame) -> pd.DataFrame:
    """event_id, event_date, season, name + features (weekday, month, show, venue, type)."""
    per_event = cat.drop_duplicates("event_id").copy()
    per_event["season"] = per_event["season"].fillna(per_event["starts_at"].dt.year.astype(str))
    return pd.DataFrame({
        "event_id": per_event["event_id"].to_numpy(),
        "event_date": per_event["starts_at"].to_numpy(),
        "season": per_event["season"].astype(str).to_numpy(),
        "name": per_event["name"].to_numpy(),
        "weekday": [_WEEKDAYS[d] for d in per_event["starts_at"].dt.day_of_week],
        "month": per_event["starts_at"].dt.month.astype(str).str.zfill(2).to_numpy(),
        "show": [show_key(n) for n in per_event["name"]],
        "venue": per_event["venue"].fillna("").to_numpy(),
        "event_type": per_event["event_type"].to_numpy(),
    }).reset_index(drop=True)


def _offer(cat: pd.DataFrame, sales: pd.DataFrame, decisions: pd.DataFrame,
           as_of_day: pd.Timestamp) -> pd.DataFrame:
    """Capacity and the price each category sells at now (last price in force, else saved for
    today, else list price, else the category's latest price on past events)."""
    last = sales.sort_values("days_before").groupby(["event_id", "category"])["price"].first()
    typical = sales.sort_values(["event_date", "days_before"], ascending=[False, True]) \
        .groupby("category")["price"].first()
    offer = cat[["event_id", "category", "capacity_for_sale", "list_price",
                 "season_ticket_price", "event_day"]].rename(
        columns={"capacity_for_sale": "capacity"})
    keys = list(zip(offer["event_id"], offer["category"], strict=True))
    offer["price"] = [last.get(key, np.nan) for key in keys]
    if not decisions.empty:
        # An event not on sale yet opens at the price saved for its first selling day.
        ordered = decisions.sort_values("days_before", ascending=False, na_position="first")
        saved = ordered.groupby(["event_id", "category"])["price"].first()
        offer["price"] = offer["price"].fillna(pd.Series(
            [saved.get(key, np.nan) for key in keys], index=offer.index))
    offer["price"] = offer["price"].fillna(offer["list_price"]).fillna(
        offer["category"].map(typical))
    offer["capacity"] = offer["capacity"].fillna(0.0)
    return offer[["event_id", "category", "capacity", "price", "list_price",
                  "season_ticket_price"]].reset_index(drop=True)


def _event_list(cat: pd.DataFrame, as_of: datetime, with_sales: set[str]) -> pd.DataFrame:
    per_event = cat.groupby("event_id", as_index=False).agg(
        name=("name", "first"), event_date=("starts_at", "first"), season=("season", "first"),
        venue=("venue", "first"), sold=("sold", "sum"), capacity=("capacity_for_sale", "sum"),
        capacity_known=("capacity_known", "all"),
    )
    past = per_event["event_date"] <= pd.Timestamp(as_of)
    on_sale = per_event["event_id"].isin(with_sales)
    per_event["status"] = np.where(past, "past", np.where(on_sale, "on_sale", "not_on_sale"))
    per_event["sold"] = per_event["sold"].fillna(0.0)
    return per_event.sort_values("event_date", ascending=False)[list(EVENT_LIST_COLUMNS)] \
        .reset_index(drop=True)


def _empty_frames(as_of: datetime, cat: pd.DataFrame | None = None,
                  categories: tuple[str, ...] = ()) -> PricingFrames:
    sales = pd.DataFrame(columns=["event_id", "event_date", "category", "capacity", "sale_date",
                                  "days_before", "price", "quantity"])
    event_list = (
        _event_list(cat, as_of, set()) if cat is not None
        else pd.DataFrame(columns=list(EVENT_LIST_COLUMNS))
    )
    return PricingFrames(
        sales=sales,
        events=pd.DataFrame(columns=["event_id", "event_date", "season", "name"]),
        categories=categories,
        offer=pd.DataFrame(columns=["event_id", "category", "capacity", "price", "list_price",
                                    "season_ticket_price"]),
        event_list=event_list,
        as_of=as_of,
    )

