"""`arena demo`: generate the synthetic demo and load it through the real import pipeline."""

from __future__ import annotations

import json
from datetime import datetime

import click

from arena.bootstrap import build_services
from arena.demo.loader import DemoLoadReport, load_demo


@click.command("demo")
@click.option("--reset", is_flag=True,
              help="Delete the demo organizations, their data and the demo user, then rebuild.")
@click.option("--scale", type=click.FloatRange(min=0, min_open=True), default=1.0,
              show_default=True,
              help="Multiplies capacities, demand and customers (1 ≈ 350k tickets, 30 ≈ 10M).")
@click.option("--seed", type=int, default=42, show_default=True,
              help="Random seed: the same seed, scale and --as-of give the same data.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The demo's today (YYYY-MM-DD): the last season holds it, later events are "
                   "partly sold. Default: today, or the date of the demo already loaded.")
@click.option("--format", "output_format", type=click.Choice(["json", "text"]), default="text",
              show_default=True)
def demo_command(reset: bool, scale: float, seed: int, as_of: datetime | None,
                 output_format: str) -> None:
    """Load three synthetic organizations (a football club, a theatre, a road race).

    Exports are generated into ARENA_DATA_DIR/demo/ and imported like any user's file, then
    venues, capacities, list prices, season tickets and abonnements are added, and a `demo`
    user who sees
    the three organizations. Running it again changes nothing; --reset rebuilds from scratch.
    """
    services = build_services()
    services.upgrade_schema()
    say = click.echo if output_format == "text" else None
    report = load_demo(
        services.import_store, services.demo_catalog,
        work_dir=services.settings.data_dir / "demo", seed=seed, scale=scale,
        as_of=as_of.date() if as_of else None, reset=reset, progress=say,
    )
    if output_format == "json":
        click.echo(json.dumps(_as_json(report), ensure_ascii=False, indent=2, default=str))
        return
    click.echo(_summary(report))


def _summary(report: DemoLoadReport) -> str:
    state = "unchanged (already loaded)" if report.unchanged else "loaded"
    return (
        f"Demo {state}: {report.rows_read:,} rows read, {report.rows_loaded:,} loaded, "
        f"{report.rows_rejected:,} rejected across {len(report.exports)} exports; "
        f"{report.events} events as of {report.as_of.isoformat()}, "
        f"{report.season_tickets_added:,} new season tickets; "
        f"{report.seconds:.1f} s (generation {report.generation_seconds:.1f} s). "
        f"Log in as `demo` (passwordless on the embedded database) with `arena run`."
    )


def _as_json(report: DemoLoadReport) -> dict:
    return {
        "seed": report.seed, "scale": report.scale, "as_of": report.as_of.isoformat(),
        "out_dir": str(report.out_dir),
        "reset": report.reset, "unchanged": report.unchanged,
        "rows_read": report.rows_read, "rows_loaded": report.rows_loaded,
        "rows_rejected": report.rows_rejected, "venues": report.venues, "events": report.events,
        "season_ticket_rows": report.season_ticket_rows,
        "season_tickets_added": report.season_tickets_added,
        "season_ticket_rows_rejected": report.season_ticket_rows_rejected,
        "customers_added_from_season_tickets": report.customers_added_from_season_tickets,
        "generation_seconds": report.generation_seconds, "seconds": report.seconds,
        "exports": [export.__dict__ for export in report.exports],
    }
