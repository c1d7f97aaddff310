"""`arena price …`: demand forecasts and price recommendations from sales files, for automation."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click
import pandas as pd

from arena.pricing.engine import MissingOfferError, offer_from_history
from arena.pricing.history import SalesHistory, SalesHistoryError, normalize_events
from arena.pricing.optimizer import InfeasibleRulesError, PriceRecommendation, PricingRules
from arena.pricing.ports import UnknownEventError
from arena.pricing.rules import event_rules
from arena.pricing.selection import STRUCTURAL, DemandForecaster
from arena.pricing.usecases import (
    FORECAST_COLUMNS,
    fit_forecaster,
    forecast_upcoming,
    recommend_upcoming,
)
from arena.pricing.workspace import NotEnoughHistoryError, PricingWorkspace, open_workspace

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
@click.option("--org", "organization", default=None,
              help="Read sales from the database for this organization (with --event) instead "
                   "of files.")
@click.option("--event", "event", default=None,
              help="With --org: the event to forecast (database id or exact name).")
@click.option("--as-of", "as_of", type=click.DateTime(), default=None,
              help="With --org: the moment sales are read up to (default: now); events after "
                   "it are upcoming.")
@click.option("--sales", "sales_path", type=existing_file, default=None,
              help="Past sales: event_id, event_date, category, capacity, sale_date, "
                   "days_before, price, quantity.")
@click.option("--events", "events_path", type=existing_file, default=None,
              help="Past events: event_id, event_date and any feature columns.")
@click.option("--upcoming", "upcoming_path", type=existing_file, default=None,
              help="Events to forecast, same columns as --events.")
@click.option("--sales-to-date", "to_date_path", type=existing_file, default=None,
              help="Sales so far of the upcoming events (sales format): in-flight forecast.")
@click.option("--categories", "categories_path", type=existing_file, default=None,
              help="Capacity and price per upcoming event x category "
                   "(event_id, category, capacity, static_price). Default: latest seen.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="CSV to write (with --org: optional, else printed).")
@click.option("--draws", default=2000, show_default=True, help="Monte Carlo draws per event.")
@click.option("--seed", default=0, show_default=True, help="Random seed (same seed, same output).")
def forecast(organization: str | None, event: str | None, as_of: datetime | None,
             sales_path: Path | None,
             events_path: Path | None, upcoming_path: Path | None, to_date_path: Path | None,
             categories_path: Path | None, out_path: Path | None, draws: int, seed: int) -> None:
    """Forecast final sales per event x category with p10/p50/p90 and sell-out probability."""
    if organization is not None:
        _forecast_from_database(organization, event, as_of, out_path, draws, seed)
        return
    _require_files(sales=sales_path, events=events_path, upcoming=upcoming_path, out=out_path)
    assert sales_path and events_path and upcoming_path and out_path
    try:
        history = SalesHistory.from_csv(sales_path, events_path)
        forecaster = fit_forecaster(history)
        upcoming = normalize_events(_read_table(upcoming_path))
        offer = (
            _offer_from_categories(_read_table(categories_path))
            if categories_path else offer_from_history(history, list(upcoming["event_id"]))
        )
        to_date = _sales_to_date(to_date_path, upcoming, history.categories)
        result = forecast_upcoming(forecaster, upcoming, offer, to_date, n_draws=draws,
                                   seed=seed)
    except EXPECTED_ERRORS as error:
        raise click.ClickException(str(error)) from None
    _warn_forecast(forecaster, result)
    result[list(FORECAST_COLUMNS)].to_csv(out_path, index=False, float_format="%.4f")
    click.echo(f"Forecast for {upcoming['event_id'].nunique()} event(s) written to {out_path}")


@price.command()
@click.option("--org", "organization", default=None,
              help="Read sales, capacities and current prices from the database for this "
                   "organization (with --event) instead of files.")
@click.option("--event", "event", default=None,
              help="With --org: the event to price (database id or exact name).")
@click.option("--as-of", "as_of", type=click.DateTime(), default=None,
              help="With --org: the moment sales are read up to (default: now); events after "
                   "it are upcoming.")
@click.option("--sales", "sales_path", type=existing_file, default=None, help="Past sales.")
@click.option("--events", "events_path", type=existing_file, default=None, help="Past events.")
@click.option("--upcoming", "upcoming_path", type=existing_file, default=None,
              help="Events to price, same columns as --events.")
@click.option("--categories", "categories_path", type=existing_file, default=None,
              help="event_id, category, capacity, static_price, pmin, pmax, max_daily_step.")
@click.option("--rules", "rules_path", type=existing_file, default=None,
              help='JSON: horizon_days, categories_best_to_worst, '
                   'min_ratio_between_adjacent_categories, monotone (none|never_down|never_up), '
                   'pmin, pmax, max_daily_step (optional season_ticket_price per category).')
@click.option("--sales-to-date", "to_date_path", type=existing_file, default=None,
              help="Sales so far of the upcoming events: re-optimize the rest of the sale.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="CSV to write (with --org: optional, else printed).")
@click.option("--explain", "explain_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Also write one explanation per event x category here.")
def recommend(organization: str | None, event: str | None, as_of: datetime | None,
              sales_path: Path | None,
              events_path: Path | None, upcoming_path: Path | None,
              categories_path: Path | None, rules_path: Path | None,
              to_date_path: Path | None, out_path: Path | None,
              explain_path: Path | None) -> None:
    """Recommend a price per category for every day of the horizon, within the venue's rules.

    With --org and --event the sales come from the database (rules.json optional: without it,
    loose rules learnt from history, with the season ticket's per-event price as a floor)."""
    if organization is not None:
        _recommend_from_database(organization, event, as_of, rules_path, out_path,
                                 explain_path)
        return
    _require_files(sales=sales_path, events=events_path, upcoming=upcoming_path,
                   categories=categories_path, rules=rules_path, out=out_path)
    assert sales_path and events_path and upcoming_path and categories_path and rules_path
    assert out_path
    try:
        config = json.loads(rules_path.read_text(encoding="utf-8"))
        order = config.get("categories_best_to_worst") or None
        sales = _read_table(sales_path)
        history = SalesHistory.from_frames(sales, _read_table(events_path), categories=order)
        forecaster = fit_forecaster(history)
        upcoming = normalize_events(_read_table(upcoming_path))
        categories = _read_table(categories_path)
        offer = _offer_from_categories(categories)

        def rules_for(event_id: str) -> PricingRules:
            return event_rules(history, categories, event_id, config=config)

        to_date = _sales_to_date(to_date_path, upcoming, history.categories)
        recommendations = recommend_upcoming(forecaster, upcoming, offer, rules_for, to_date)
    except json.JSONDecodeError as error:
        raise click.ClickException(f"rules file is not valid JSON: {error.msg}") from None
    except EXPECTED_ERRORS as error:
        raise click.ClickException(str(error)) from None
    _warn_recommend(forecaster, recommendations)
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


# ---------------------------------------------------------------------- database variant
def _require_files(**options: Path | None) -> None:
    missing = [f"--{name}" for name, value in options.items() if value is None]
    if missing:
        raise click.UsageError(
            f"Missing option(s) {', '.join(missing)} (or read the database with --org ORG "
            "--event EVENT)."
        )


def _database_workspace(organization: str, event: str | None, as_of: datetime | None
                        ) -> tuple[PricingWorkspace, str]:
    """The event's product line, its forecaster fitted on its past events, and the event id."""
    from arena.bootstrap import build_services

    if not event:
        raise click.UsageError("--org needs --event (the event's id or exact name).")
    repository = build_services().pricing_repository
    event_id, line = repository.resolve_event(organization, event)
    work = open_workspace(repository, organization, line, as_of)
    if not work.ready:
        raise NotEnoughHistoryError(work.not_ready_reason)
    return work, event_id


def _event_inputs(work: PricingWorkspace, event_id: str
                  ) -> tuple[pd.DataFrame, SalesHistory | None]:
    """The event's row and, when it is on sale, its sales to date (a past event is re-priced from
    its first selling day, as before its sale)."""
    event_row = work.frames.events[work.frames.events["event_id"] == event_id]
    to_date = work.frames.sales_to_date()
    if to_date is not None and event_id not in set(to_date.sales["event_id"]):
        to_date = None
    return event_row, to_date


def _emit_table(table: pd.DataFrame, out_path: Path | None, float_format: str) -> None:
    if out_path is None:
        click.echo(table.to_csv(index=False, float_format=float_format), nl=False)
    else:
        table.to_csv(out_path, index=False, float_format=float_format)
        click.echo(f"Written to {out_path}", err=True)


def _warn(text: str) -> None:
    click.echo(f"Warning: {text}", err=True)


def _warn_forecast(forecaster: DemandForecaster, result: pd.DataFrame) -> None:
    """On stderr (the CSV contract stays as it was): the model's failures, and which method
    made each forecast when it was not the demand model."""
    for text in forecaster.warnings():
        _warn(text)
    used = result[result["method"] != STRUCTURAL][["horizon", "method"]].drop_duplicates()
    for row in used.itertuples():
        click.echo(f"Note: {row.horizon}, the {row.method} forecast is used (it beat the demand "
                   "model on past events).", err=True)


def _warn_recommend(forecaster: DemandForecaster,
                    recommendations: list[PriceRecommendation]) -> None:
    if forecaster.model_problem_ is not None:
        _warn(f"the demand model is not used for prices: {forecaster.model_problem_}.")
    for recommendation in recommendations:
        if recommendation.held_because is not None:
            _warn(f"{recommendation.event_id}: prices kept at their current level because "
                  f"{recommendation.held_because}.")


DATABASE_ERRORS = (UnknownEventError, NotEnoughHistoryError, *EXPECTED_ERRORS)


def _forecast_from_database(organization: str, event: str | None, as_of: datetime | None,
                            out_path: Path | None,
                            draws: int, seed: int) -> None:
    try:
        work, event_id = _database_workspace(organization, event, as_of)
        assert work.forecaster is not None
        event_row, to_date = _event_inputs(work, event_id)
        result = forecast_upcoming(work.forecaster, event_row, work.frames.offer, to_date,
                                   n_draws=draws, seed=seed)
    except DATABASE_ERRORS as error:
        raise click.ClickException(str(error)) from None
    _warn_forecast(work.forecaster, result)
    _emit_table(result[list(FORECAST_COLUMNS)], out_path, "%.4f")


def _recommend_from_database(organization: str, event: str | None, as_of: datetime | None,
                             rules_path: Path | None,
                             out_path: Path | None, explain_path: Path | None) -> None:
    try:
        work, event_id = _database_workspace(organization, event, as_of)
        assert work.forecaster is not None and work.history is not None
        history, frames = work.history, work.frames
        event_row, to_date = _event_inputs(work, event_id)
        config = json.loads(rules_path.read_text(encoding="utf-8")) if rules_path else None

        def rules_for(_: str) -> PricingRules:
            return event_rules(history, frames.offer, event_id, config=config)

        recommendation = recommend_upcoming(work.forecaster, event_row, frames.offer, rules_for,
                                            to_date)[0]
    except json.JSONDecodeError as error:
        raise click.ClickException(f"rules file is not valid JSON: {error.msg}") from None
    except DATABASE_ERRORS as error:
        raise click.ClickException(str(error)) from None
    _warn_recommend(work.forecaster, [recommendation])
    _emit_table(recommendation.schedule[RECOMMEND_COLUMNS], out_path, "%.2f")
    if explain_path is not None:
        recommendation.explanations.assign(event_id=event_id).to_csv(
            explain_path, index=False, float_format="%.4f")
    click.echo(f"{event_id}: expected revenue {recommendation.expected_revenue:,.0f}", err=True)
