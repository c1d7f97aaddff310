"""The pricing pages render on a real database, say what to do when empty, and save decisions."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from arena.storage.pricing_repository import SqlPricingRepository
from arena.ui.session import SessionUser
from tests.support.pricing_data import seed_club
from tests.ui.conftest import Arena

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("pricing_demand.py", "pricing_simulator.py", "pricing_backtest.py")


def _page(name: str, user: SessionUser) -> AppTest:
    """One pricing page run on its own, as a logged-in manager (the page draws the frame)."""
    app = AppTest.from_file(str(ROOT / "pages" / name), default_timeout=90)
    app.session_state["arena.user"] = user
    return app.run()


def _club_manager(arena: Arena, n_past: int = 8) -> SessionUser:
    engine = arena.engine()
    seed_club(engine, n_past=n_past, n_upcoming=1)
    engine.dispose()
    return arena.user("manager", "club")


@pytest.mark.parametrize("page", PAGES)
def test_a_pricing_page_without_sales_says_to_import_or_load_the_demo(
    arena: Arena, page: str
) -> None:
    arena.organization("empty", "Empty club")
    app = _page(page, arena.user("newcomer", "empty"))
    assert not app.exception, app.exception
    assert any("No sales history yet" in info.value for info in app.info)


@pytest.mark.parametrize("page", PAGES)
def test_a_pricing_page_shows_charts_for_a_club_with_history(arena: Arena, page: str) -> None:
    app = _page(page, _club_manager(arena))
    assert not app.exception, app.exception
    assert not any("No sales history yet" in info.value for info in app.info)
    assert app.get("plotly_chart"), "the page shows at least one Plotly chart"


def test_the_simulator_shows_revenue_in_euros_with_its_band_and_latency(arena: Arena) -> None:
    app = _page("pricing_simulator.py", _club_manager(arena))
    assert not app.exception, app.exception
    revenue = {metric.label: metric.value for metric in app.metric}["Predicted revenue"]
    assert revenue.endswith("€") and "\u202f" in revenue  # French thousands separator
    band = next(c.value for c in app.caption if "computed in" in c.value)
    assert "p10" in band and int(band.split("computed in ")[1].split(" ms")[0]) < 200


def test_accepting_a_recommendation_adds_a_version_to_the_price_history(arena: Arena) -> None:
    app = _page("pricing_simulator.py", _club_manager(arena))
    accept = next(b for b in app.button if b.label == "Accept the recommendation")
    app = accept.click().run()
    assert not app.exception, app.exception
    assert any("version 1" in success.value for success in app.success)
    event_picker = next(box for box in app.selectbox if box.label == "Event")
    engine = arena.engine()
    history = SqlPricingRepository(engine).price_history("club", str(event_picker.value))
    engine.dispose()
    assert set(history["action"]) == {"accepted"}
    assert set(history["decided_by"]) == {"manager"}
    assert (history["price"] == history["recommended_price"]).all()
    assert any(frame.value["action"].eq("accepted").any() for frame in app.dataframe
               if "action" in frame.value.columns)
