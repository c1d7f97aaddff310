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

from arena.storage.db import create_database_engine, upgrade_database  # noqa: E402
from arena.storage.pricing_repository import SqlPricingRepository  # noqa: E402
from arena.ui import pricing  # noqa: E402
from tests.support.pricing_data import seed_club  # noqa: E402


def main() -> None:
    folder = tempfile.mkdtemp()
    url = f"sqlite:///{folder}/bench.db"
    upgrade_database(url)
    engine = create_database_engine(url)
    club = seed_club(engine, n_past=30, n_upcoming=1)
    repository = SqlPricingRepository(engine)
    started = time.perf_counter()
    frames = repository.pricing_frames(club.organization, as_of=club.as_of)
    frames_ms = (time.perf_counter() - started) * 1000
    line = repository.product_lines(club.organization)[0]
    from arena.pricing import DemandModel

    started = time.perf_counter()
    history = frames.history()
    model = DemandModel().fit(history)
    fit_ms = (time.perf_counter() - started) * 1000
    work = pricing.PricingWorkspace(club.organization, line, frames, history, model)
    print(f"frames from SQL: {frames_ms:.0f} ms, fit: {fit_ms:.0f} ms")
    for event_id in (club.upcoming_event_ids[0], club.past_event_ids[-1]):
        _time_changes(work, line, event_id)


def _time_changes(work: pricing.PricingWorkspace, line, event_id: str) -> None:  # type: ignore[no-untyped-def]
    original = pricing._workspace
    pricing._workspace = lambda *args: work  # type: ignore[assignment,misc]
    try:
        started = time.perf_counter()
        setup = pricing._event_setup.__wrapped__(  # type: ignore[attr-defined]
            "db", work.organization, line.key, "v", event_id)
        setup_ms = (time.perf_counter() - started) * 1000
    finally:
        pricing._workspace = original
    table = pricing.editable_prices(setup)
    rng = np.random.default_rng(0)
    timings = []
    for _ in range(200):
        edited = table * rng.uniform(0.8, 1.2, size=table.shape)
        started = time.perf_counter()
        result, _ = pricing.simulate_edit(setup, edited)
        pricing.comparison_table(setup, result)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    print(f"event {event_id} ({setup.status}, {len(setup.days)} days x {len(setup.categories)} "
          f"categories): set-up {setup_ms:.0f} ms; per change: median "
          f"{statistics.median(timings):.1f} ms, p95 {timings[int(0.95 * len(timings))]:.1f} ms, "
          f"max {timings[-1]:.1f} ms")

if __name__ == "__main__":
    main()
