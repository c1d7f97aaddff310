"""One product line of an organization ready to price: its tables, history and judged forecaster.

The dashboard caches a workspace per data version; the CLI opens one per command. Both get the
same forecaster (structural model + backtest verdict) from the same tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from arena.pricing.history import SalesHistory
from arena.pricing.model import DemandModel
from arena.pricing.ports import PricingFrames, PricingRepository, ProductLine
from arena.pricing.selection import DemandForecaster
from arena.pricing.usecases import fit_forecaster

MIN_PAST_EVENTS = 3


class NotEnoughHistoryError(ValueError):
    """Too few completed events with sales in a product line to learn anything from."""


@dataclass(frozen=True)
class PricingWorkspace:
    """One product line's frames, its completed-event history and the forecaster fitted on it
    (``history`` and ``forecaster`` are None below ``MIN_PAST_EVENTS`` completed events)."""

    organization: str
    line: ProductLine
    frames: PricingFrames
    history: SalesHistory | None
    forecaster: DemandForecaster | None

    @property
    def ready(self) -> bool:
        return self.forecaster is not None

    @property
    def model(self) -> DemandModel:
        """The structural model (also when its verdict keeps prices held: it still draws the
        curves and the what-if)."""
        if self.forecaster is None:
            raise NotEnoughHistoryError(self.not_ready_reason)
        return self.forecaster.model_ or self.forecaster.structural_fit_

    @property
    def not_ready_reason(self) -> str:
        count = len(self.frames.past_event_ids())
        return (f"only {count} completed event(s) with sales in this product line: import more "
                f"past sales before pricing (at least {MIN_PAST_EVENTS}).")


def open_workspace(
    repository: PricingRepository,
    organization: str,
    line_key: str | None = None,
    as_of: datetime | None = None,
    fit: Callable[[SalesHistory], DemandForecaster] = fit_forecaster,
) -> PricingWorkspace:
    """Read one product line (the biggest when ``line_key`` is None) and fit its forecaster."""
    lines = {line.key: line for line in repository.product_lines(organization)}
    frames = repository.pricing_frames(organization, line_key, as_of)
    key = line_key if line_key is not None else next(iter(lines), "")
    line = lines.get(key) or ProductLine(key, key, frames.categories, len(frames.event_list))
    if len(frames.past_event_ids()) < MIN_PAST_EVENTS:
        return PricingWorkspace(organization, line, frames, None, None)
    history = frames.history()
    return PricingWorkspace(organization, line, frames, history, fit(history))
