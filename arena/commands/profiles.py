"""`arena profiles …`: the customer-profile document store, checked the way the app will use it."""

from __future__ import annotations

import time

import click

from arena.bootstrap import build_services
from arena.crm.profiles import ProfileStoreUnavailable


@click.group("profiles")
def profiles_group() -> None:
    """Customer-profile documents: a table of the database, or Riak KV when ARENA_RIAK_URL is set."""


@profiles_group.command("check")
@click.option(
    "--wait",
    default=0.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Keep trying for up to this many seconds while the store is unreachable or starting.",
)
def check_command(wait: float) -> None:
    """Open the profile store and prove that it reads and writes; one sentence when it cannot."""
    deadline = time.monotonic() + wait
    while True:
        try:
            services = build_services()
            store = services.profile_store  # opening a Riak store checks its bucket type
            store.ping()
            break
        except ProfileStoreUnavailable:
            if time.monotonic() >= deadline:
                raise
            time.sleep(1.0)
    click.echo(f"Profile store ready: {store!r}.")
