"""The pricing frames rebuilt from tickets match what was sold, and decisions keep a history."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import Engine, insert, update

from arena.pricing.model import DemandModel
from arena.pricing.ports import PriceChange, UnknownEventError
from arena.storage.pricing_repository import SqlPricingRepository, show_key
from arena.storage.schema import event_categories, organizations, price_decisions
from tests.support.pricing_data import CATEGORIES, SeededClub, seed_club


@pytest.fixture
def club(engine: Engine) -> SeededClub:
    return seed_club(engine, n_past=6, n_upcoming=1, seed=3)


@pytest.fixture
def repository(engine: Engine) -> SqlPricingRepository:
    return SqlPricingRepository(engine)


def _joined(repository: SqlPricingRepository, club: SeededClub) -> pd.DataFrame:
    frames = repository.pricing_frames(club.organization, as_of=club.as_of)
    return frames.sales.merge(club.truth, on=["event_id", "category", "days_before"],
                              how="outer", suffixes=("", "_true"), indicator=True)


def test_daily_quantities_count_single_tickets_only(repository, club) -> None:
    joined = _joined(repository, club)
    assert (joined["_merge"] == "both").all(), "one sales row per event x category x selling day"
    # reduced tickets count as sales; invitations and season tickets written on D-3 do not
    assert (joined["quantity"] == joined["quantity_true"]).all()


def test_the_price_in_force_is_the_modal_full_tariff_price(repository, club) -> None:
    joined = _joined(repository, club)
    sold = joined[joined["quantity_true"] > 0]
    assert (sold["price"] == sold["price_true"]).all()
    assert (joined["price"] > 0).all(), "zero-sale days carry the price forward, never blank"


def test_capacity_excludes_the_season_tickets_held(repository, club) -> None:
    frames = repository.pricing_frames(club.organization, as_of=club.as_of)
    capacity = frames.sales.groupby("category")["capacity"].max()
    expected = {name: float(seats) for name, seats, *_ in CATEGORIES}
    assert capacity.to_dict() == expected
    offer = frames.offer.set_index(["event_id", "category"])
    assert (offer.xs("Tribune", level="category")["season_ticket_price"] > 0).all()


def test_upcoming_events_only_show_sales_up_to_now(repository, club) -> None:
    frames = repository.pricing_frames(club.organization, as_of=club.as_of)
    upcoming = club.upcoming_event_ids[0]
    status = frames.event_list.set_index("event_id")["status"]
    assert status[upcoming] == "on_sale"
    assert set(frames.past_event_ids()) == set(club.past_event_ids)
    to_date = frames.sales_to_date()
    assert to_date is not None
    days_left = (pd.Timestamp(frames.events.set_index("event_id").loc[upcoming, "event_date"])
                 .normalize() - pd.Timestamp(club.as_of).normalize()).days
    assert to_date.sales["days_before"].min() == days_left


def test_categories_come_best_seat_first_and_features_ignore_the_year(repository, club) -> None:
    frames = repository.pricing_frames(club.organization, as_of=club.as_of)
    assert frames.categories == tuple(name for name, *_ in CATEGORIES)
    assert show_key("Marathon de Garonne 2023") == show_key("Marathon de Garonne 2024")
    assert {"weekday", "show", "month"} <= set(frames.events.columns)


def test_the_frames_fit_a_demand_model(repository, club) -> None:
    frames = repository.pricing_frames(club.organization, as_of=club.as_of)
    model = DemandModel().fit(frames.history())
    assert model.categories_ == frames.categories
    assert (model.price_sensitivity_ > 0).all(), "dearer seats sell less"


def test_an_unknown_capacity_falls_back_to_the_largest_sales_and_is_flagged(
    engine: Engine, repository, club
) -> None:
    with engine.begin() as connection:
        connection.execute(update(event_categories).values(capacity=None))
    frames = repository.pricing_frames(club.organization, as_of=club.as_of)
    assert not frames.event_list["capacity_known"].any()
    finals = frames.sales.groupby(["event_id", "category"]).agg(
        sold=("quantity", "sum"), capacity=("capacity", "max"))
    assert (finals["capacity"] >= finals["sold"]).all()


def test_each_decision_is_a_new_version_and_the_old_ones_stay(repository, club) -> None:
    event_id = club.upcoming_event_ids[0]
    first = repository.record_decision(
        club.organization, event_id, "accepted",
        [PriceChange("Tribune", 45.0, None, 45.0)], decided_by="ines", note="derby")
    second = repository.record_decision(
        club.organization, event_id, "tweaked",
        [PriceChange("Tribune", 48.5, None, 45.0)], decided_by="marc")
    history = repository.price_history(club.organization, event_id)
    assert (first, second) == (1, 2)
    assert list(history["version"]) == [2, 1], "newest first"
    assert list(history["decided_by"]) == ["marc", "ines"]
    assert history.loc[history["version"] == 1, "note"].item() == "derby"


def test_a_saved_price_fills_a_day_without_sales_but_a_rejection_does_not(
    repository, club
) -> None:
    quiet = club.truth[(club.truth["quantity"] == 0)
                       & club.truth["event_id"].isin(club.past_event_ids)].iloc[0]
    day = int(quiet["days_before"])
    repository.record_decision(club.organization, quiet["event_id"], "manual",
                               [PriceChange(quiet["category"], 99.0, day)], decided_by="ines")
    repository.record_decision(club.organization, quiet["event_id"], "rejected",
                               [PriceChange(quiet["category"], 77.0, day)], decided_by="ines")
    sales = repository.pricing_frames(club.organization, as_of=club.as_of).sales.set_index(
        ["event_id", "category", "days_before"])
    assert sales.loc[(quiet["event_id"], quiet["category"], day), "price"] == 99.0


def test_the_data_version_changes_when_a_price_is_saved(repository, club) -> None:
    before = repository.data_version(club.organization)
    repository.record_decision(club.organization, club.upcoming_event_ids[0], "manual",
                               [PriceChange("Virage", 11.0)])
    assert repository.data_version(club.organization) != before


def test_decisions_are_checked_before_anything_is_written(engine: Engine, repository,
                                                          club) -> None:
    event_id = club.upcoming_event_ids[0]
    with pytest.raises(ValueError, match="action"):
        repository.record_decision(club.organization, event_id, "approved",
                                   [PriceChange("Virage", 11.0)])
    with pytest.raises(ValueError, match="positive"):
        repository.record_decision(club.organization, event_id, "manual",
                                   [PriceChange("Virage", 0.0)])
    with pytest.raises(ValueError, match="unknown seat category"):
        repository.record_decision(club.organization, event_id, "manual",
                                   [PriceChange("Loge", 99.0)])
    with engine.begin() as connection:
        connection.execute(insert(organizations).values(slug="rival", name="Rival"))
    with pytest.raises(UnknownEventError):
        repository.record_decision("rival", event_id, "manual", [PriceChange("Virage", 11.0)])
    with engine.connect() as connection:
        assert connection.execute(price_decisions.select()).all() == []


def test_events_are_found_by_id_or_by_name(repository, club) -> None:
    event_id = club.upcoming_event_ids[0]
    line = repository.product_lines(club.organization)[0]
    assert repository.resolve_event(club.organization, event_id) == (event_id, line.key)
    frames = repository.pricing_frames(club.organization, as_of=club.as_of)
    name = frames.event_list.set_index("event_id").loc[event_id, "name"]
    latest = frames.event_list[frames.event_list["name"] == name]["event_date"].max()
    found, _ = repository.resolve_event(club.organization, name)
    assert frames.event_list.set_index("event_id").loc[found, "event_date"] == latest
    with pytest.raises(UnknownEventError):
        repository.resolve_event(club.organization, "Club - Nobody")


def test_an_organization_without_tickets_has_no_product_line(engine: Engine, repository) -> None:
    with engine.begin() as connection:
        connection.execute(insert(organizations).values(slug="empty", name="Empty"))
    assert repository.product_lines("empty") == []
    assert repository.pricing_frames("empty").sales.empty
