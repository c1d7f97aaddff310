"""The pricing use cases run on the database without Streamlit: what the pages and CLI share."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import Engine

from arena.pricing.backtest import charged_schedule
from arena.pricing.decisions import price_versions, record_decision
from arena.pricing.what_if import editable_prices, prepare_event
from arena.pricing.workspace import PricingWorkspace, open_workspace
from arena.storage.pricing_repository import SqlPricingRepository
from tests.support.pricing_data import SeededClub, seed_club


@pytest.fixture
def club(engine: Engine) -> SeededClub:
    return seed_club(engine, n_past=8, n_upcoming=1, seed=4)


@pytest.fixture
def work(engine: Engine, club: SeededClub) -> PricingWorkspace:
    return open_workspace(SqlPricingRepository(engine), club.organization, as_of=club.as_of)


def test_a_workspace_needs_three_completed_events(engine: Engine) -> None:
    club = seed_club(engine, n_past=2, n_upcoming=1, slug="young")
    work = open_workspace(SqlPricingRepository(engine), club.organization, as_of=club.as_of)
    assert not work.ready
    assert "at least 3" in work.not_ready_reason


def test_a_past_event_is_replayed_at_the_prices_it_was_charged(work: PricingWorkspace,
                                                               club: SeededClub) -> None:
    assert work.ready and work.history is not None
    event_id = club.past_event_ids[-1]
    setup = prepare_event(work, event_id, draws=100)
    _, charged, _ = charged_schedule(work.history, event_id, work.model.categories_)
    assert setup.status == "past"
    assert np.array_equal(setup.current, charged)
    assert setup.recommendation is not None or setup.recommendation_error


def test_rejecting_records_the_recommendation_itself_and_no_price_in_force(
    engine: Engine, work: PricingWorkspace, club: SeededClub,
) -> None:
    setup = prepare_event(work, club.upcoming_event_ids[0], draws=100)
    assert setup.recommendation is not None
    edited = editable_prices(setup) * 1.5
    repository = SqlPricingRepository(engine)
    version = record_decision(repository, work, setup, "rejected", edited, note="too dear",
                              decided_by="manager")
    assert version == 1
    saved = price_versions(repository.price_history(club.organization, setup.event_id))
    assert set(saved["action"]) == {"rejected"}
    assert (saved["price"] == saved["recommended_price"]).all()
    assert set(saved["note"]) == {"too dear"}
