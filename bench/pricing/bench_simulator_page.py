"""Per-change latency of the Pricing simulator: table -> schedule -> simulate -> comparison.

Seeds a club in a temporary SQLite database (tests.support.pricing_data), fits the model once, then
times what one edit of the price table costs (the page's code path, without Streamlit drawing).
Run from the repository root: PYTHONPATH=. .venv/bin/python bench/pricing/bench_simulator_page.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from arena.pricing.what_if import (  # noqa: E402
    EventSetup,
    comparison_table,
    editable_prices,
    prepare_event,
    simulate_edit,
)
from arena.pricing.workspace import PricingWorkspace, open_workspace  # noqa: E402
from arena.storage.db import create_database_engine, upgrade_database  # noqa: E402
from arena.storage.pricing_repository import SqlPricingRepository  # noqa: E402
from tests.support.pricing_data import seed_club  # noqa: E402


def main() -> None:
    folder = tempfile.mkdtemp()
    url = f"sqlite:///{folder}/bench.db"
    upgrade_database(url)
    engine = create_database_engine(url)
    club = seed_club(engine, n_past=30, n_upcoming=1)
    repository = SqlPricingRepository(engine)
    started = time.perf_counter()
    repository.pricing_frames(club.organization, as_of=club.as_of)
    frames_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    work = open_workspace(repository, club.organization, as_of=club.as_of)
    fit_ms = (time.perf_counter() - started) * 1000
    print(f"frames from SQL: {frames_ms:.0f} ms; frames + forecaster fit and backtest: "
          f"{fit_ms:.0f} ms")
    for event_id in (club.upcoming_event_ids[0], club.past_event_ids[-1]):
        _time_changes(work, event_id)


def _time_changes(work: PricingWorkspace, event_id: str) -> None:
    started = time.perf_counter()
    setup: EventSetup = prepare_event(work, event_id)
    setup_ms = (time.perf_counter() - started) * 1000
    table = editable_prices(setup)
    rng = np.random.default_rng(0)
    timings = []
    for _ in range(200):
        edited = table * rng.uniform(0.8, 1.2, size=table.shape)
        started = time.perf_counter()
        result, _ = simulate_edit(setup, edited)
        comparison_table(setup, result)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    print(f"event {event_id} ({setup.status}, {len(setup.days)} days x {len(setup.categories)} "
          f"categories): set-up {setup_ms:.0f} ms; per change: median "
          f"{statistics.median(timings):.1f} ms, p95 {timings[int(0.95 * len(timings))]:.1f} ms, "
          f"max {timings[-1]:.1f} ms")


if __name__ == "__main__":
    main()
