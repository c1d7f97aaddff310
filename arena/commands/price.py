"""`arena price …`: demand forecasts and price recommendations from sales files, for automation."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pandas as pd

from arena.pricing.engine import (
    MissingOfferError,
    forecast_events,
    offer_from_history,
    recommend_events,
)
from arena.pricing.history import SalesHistory, SalesHistoryError, normalize_events
from arena.pricing.model import DemandModel
from arena.pricing.optimizer import InfeasibleRulesError, PricingRules

FORECAST_COLUMNS = ["event_id", "category", "p10", "p50", "p90", "unconstrained",
                    "sellout_probability"]
RECOMMEND_COLUMNS = ["event_id", "category", "days_before", "price"]
EXPECTED_ERRORS = (InfeasibleRulesError, SalesHistoryError, MissingOfferError, ValueError,
                   KeyError, OSError)

existing_file = click.Path(exists=True, dir_okay=False, path_type=Path)


def _read_table(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"event_id": str, "category": str})


def _offer_from_categories(categories: pd.DataFrame) -> pd.DataFrame:
    missing = {"event_id", "category", "capacity", "static_price"} - set(categories.columns)
    if missing:
        raise SalesHistoryError(f"categories file is missing column(s): {', '.join(sorted(missing))}")
    return categories.rename(columns={"static_price": "price"})[
        ["event_id", "category", "capacity", "price"]
    ]


def _sales_to_date(path: Path | None, upcoming: pd.DataFrame, order: tuple[str, ...]
                   ) -> SalesHistory | None:
    if path is None:
        return None
    return SalesHistory.from_frames(_read_table(path), upcoming, categories=order)


@click.group()
def price() -> None:
    """Yield management: forecast demand and recommend prices per category and day."""


@price.command()
@click.option("--sales", "sales_path", type=existing_file, required=True,
              help="Past sales: event_id, event_date, category, capacity, sale_date, "
                   "days_before, price, quantity.")
@click.option("--events", "events_path", type=existing_file, required=True,
              help="Past events: event_id, event_date and any feature columns.")
@click.option("--upcoming", "upcoming_path", type=existing_file, required=True,
              help="Events to forecast, same columns as --events.")
@click.option("--sales-to-date", "to_date_path", type=existing_file, default=None,
              help="Sales so far of the upcoming events (sales format): in-flight forecast.")
@click.option("--categories", "categories_path", type=existing_file, default=None,
              help="Capacity and price per upcoming event x category "
                   "(event_id, category, capacity, static_price). Default: latest seen.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--draws", default=2000, show_default=True, help="Monte Carlo draws per event.")
@click.option("--seed", default=0, show_default=True, help="Random seed (same seed, same output).")
def forecast(sales_path: Path, events_path: Path, upcoming_path: Path, to_date_path: Path | None,
             categories_path: Path | None, out_path: Path, draws: int, seed: int) -> None:
    """Forecast final sales per event x category with p10/p50/p90 and sell-out probability."""
    try:
        history = SalesHistory.from_csv(sales_path, events_path)
        model = DemandModel().fit(history)
        upcoming = normalize_events(_read_table(upcoming_path))
        offer = (
            _offer_from_categories(_read_table(categories_path))
            if categories_path else offer_from_history(history, list(upcoming["event_id"]))
        )
        to_date = _sales_to_date(to_date_path, upcoming, model.categories_)
        result = forecast_events(model, upcoming, offer, to_date, n_draws=draws, seed=seed)
    except EXPECTED_ERRORS as error:
        raise click.ClickException(str(error)) from None
    result[FORECAST_COLUMNS].to_csv(out_path, index=False, float_format="%.4f")
    click.echo(f"Forecast for {upcoming['event_id'].nunique()} event(s) written to {out_path}")


@price.command()
@click.option("--sales", "sales_path", type=existing_file, required=True, help="Past sales.")
@click.option("--events", "events_path", type=existing_file, required=True, help="Past events.")
@click.option("--upcoming", "upcoming_path", type=existing_file, required=True,
              help="Events to price, same columns as --events.")
@click.option("--categories", "categories_path", type=existing_file, required=True,
              help="event_id, category, capacity, static_price, pmin, pmax, max_daily_step.")
@click.option("--rules", "rules_path", type=existing_file, required=True,
              help='JSON: horizon_days, categories_best_to_worst, '
                   'min_ratio_between_adjacent_categories, monotone (none|never_down|never_up), '
                   'pmin, pmax, max_daily_step (optional season_ticket_price per category).')
@click.option("--sales-to-date", "to_date_path", type=existing_file, default=None,
              help="Sales so far of the upcoming events: re-optimize the rest of the sale.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--explain", "explain_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Also write one explanation per event x category here.")
def recommend(sales_path: Path, events_path: Path, upcoming_path: Path, categories_path: Path,
              rules_path: Path, to_date_path: Path | None, out_path: Path,
              explain_path: Path | None) -> None:
    """Recommend a price per category for every day of the horizon, within the venue's rules."""
    try:
        config = json.loads(rules_path.read_text(encoding="utf-8"))
        order = config.get("categories_best_to_worst") or None
        sales = _read_table(sales_path)
        history = SalesHistory.from_frames(sales, _read_table(events_path), categories=order)
        model = DemandModel().fit(history)
        upcoming = normalize_events(_read_table(upcoming_path))
        categories = _read_table(categories_path)
        offer = _offer_from_categories(categories)

        def rules_for(event_id: str) -> PricingRules:
            own = categories[categories["event_id"].astype(str) == event_id]
            return PricingRules.from_config(config, own, model.categories_)

        to_date = _sales_to_date(to_date_path, upcoming, model.categories_)
        recommendations = recommend_events(model, upcoming, offer, rules_for, to_date)
    except json.JSONDecodeError as error:
        raise click.ClickException(f"rules file is not valid JSON: {error.msg}") from None
    except EXPECTED_ERRORS as error:
        raise click.ClickException(str(error)) from None
    schedule = pd.concat([r.schedule for r in recommendations], ignore_index=True)
    schedule[RECOMMEND_COLUMNS].to_csv(out_path, index=False, float_format="%.2f")
    if explain_path is not None:
        explanations = pd.concat(
            [r.explanations.assign(event_id=r.event_id) for r in recommendations],
            ignore_index=True,
        )
        explanations.to_csv(explain_path, index=False, float_format="%.4f")
    for recommendation in recommendations:
        click.echo(
            f"{recommendation.event_id}: expected revenue {recommendation.expected_revenue:,.0f}"
        )
    click.echo(f"Schedule written to {out_path}")
