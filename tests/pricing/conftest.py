"""Shared simulated seasons with known truth, fitted once per test session to stay fast."""

from __future__ import annotations

import pytest

from arena.pricing.model import DemandModel
from arena.pricing.simulation import SimulatedSeason, simulate_season


@pytest.fixture(scope="session")
def season() -> SimulatedSeason:
    return simulate_season(n_events=80, seed=11)


@pytest.fixture(scope="session")
def fitted_model(season: SimulatedSeason) -> DemandModel:
    return DemandModel().fit(season.history)
