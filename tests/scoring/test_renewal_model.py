"""The renewal model: honest about time, explained per holder, clear about its limits."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from arena.crm.scoring.errors import NotFittedError, ScoringInputError, TooLittleHistory
from arena.crm.scoring.reasons import REASON_CODES, Reason
from arena.crm.scoring.renewal import RenewalModel
from arena.crm.scoring.simulation import simulate_renewals
from arena.crm.scoring.wording import reason_text, warning_text


@pytest.fixture(scope="module")
def sim():
    return simulate_renewals(holders=2500, seasons=4, seed=5)


@pytest.fixture(scope="module")
def fitted(sim) -> RenewalModel:
    return RenewalModel().fit(sim.holdings, sim.customers, season=sim.seasons[2])


def test_every_holder_of_the_scored_season_gets_a_probability_and_reasons(sim, fitted) -> None:
    scores = fitted.predict()
    holders = sim.holdings[sim.holdings["season"] == sim.seasons[2]]
    assert sorted(scores["customer_id"]) == sorted(holders["customer_id"])
    assert (scores["season"] == sim.seasons[2]).all()
    assert scores["probability"].between(0, 1, inclusive="neither").all()
    assert scores["reasons"].map(len).between(1, 3).all()
    codes = {reason.code for reasons in scores["reasons"] for reason in reasons}
    assert {"attendance", "tenure"} <= codes <= set(REASON_CODES.values())
    for reasons in scores["reasons"]:
        strengths = [abs(r.contribution) for r in reasons]
        assert strengths == sorted(strengths, reverse=True)


def test_the_season_being_scored_and_later_ones_never_reach_the_model(sim, fitted) -> None:
    scored = sim.seasons[2]
    later = sim.holdings["season"] > scored
    # Drop everyone's next season: the renewals of the scored season are what we predict.
    without_future = RenewalModel().fit(sim.holdings[~later], sim.customers, season=scored)
    pd.testing.assert_frame_equal(fitted.predict().drop(columns="reasons"),
                                  without_future.predict().drop(columns="reasons"))
    assert fitted.card_.training["last_transition"] == sim.seasons[1]


def test_the_card_gives_window_sizes_and_validation_figures(sim, fitted) -> None:
    card = fitted.card_.to_dict()
    json.dumps(card)
    training = card["training"]
    assert training["scored_season"] == sim.seasons[2]
    assert [t["season"] for t in training["transitions"]] == list(sim.seasons[:2])
    assert training["validated_on"] == f"season {sim.seasons[1]}"
    assert training["validation_holders"] == (sim.holdings["season"] == sim.seasons[1]).sum()
    for key in ("auc", "brier", "ece", "lift_top_decile"):
        assert np.isfinite(card["validation"][key]), key
    assert card["validation"]["auc"] > 0.7 and card["validation"]["lift_top_decile"] > 2
    assert {c["candidate"] for c in card["candidates"]} == {"spline_logistic",
                                                           "gradient_boosting"}
    assert card["chosen"] in {"spline_logistic", "gradient_boosting"}
    assert card["warnings"] == []


def test_the_same_data_and_seed_give_the_same_model(sim, fitted) -> None:
    again = RenewalModel().fit(sim.holdings, sim.customers, season=sim.seasons[2])
    pd.testing.assert_frame_equal(again.predict().drop(columns="reasons"),
                                  fitted.predict().drop(columns="reasons"))


def test_a_saved_model_scores_the_same_and_refuses_another_version(sim, fitted) -> None:
    document = json.loads(json.dumps(fitted.to_document()))
    again = RenewalModel.from_document(document, sim.holdings, sim.customers)
    pd.testing.assert_frame_equal(again.predict().drop(columns="reasons"),
                                  fitted.predict().drop(columns="reasons"))
    with pytest.raises(ScoringInputError, match="another version"):
        RenewalModel.from_document({**document, "version": "0.1"}, sim.holdings)


def test_boosting_reasons_are_its_shap_values_and_add_up_to_its_score(sim) -> None:
    model = RenewalModel(candidates=("gradient_boosting",)).fit(
        sim.holdings, sim.customers, season=sim.seasons[2])
    rows = model.panel_.season_rows(model.season_)
    contributions, baseline = model.model_.contributions(rows)
    assert np.allclose(baseline + contributions.sum(axis=1),
                       model.model_.decision_function(rows))
    assert model.predict()["reasons"].map(len).gt(0).all()


def test_spline_logistic_contributions_add_up_to_its_score(sim, fitted) -> None:
    model = RenewalModel(candidates=("spline_logistic",)).fit(
        sim.holdings, sim.customers, season=sim.seasons[2])
    rows = model.panel_.season_rows(model.season_)
    contributions, baseline = model.model_.contributions(rows)
    assert np.allclose(baseline + contributions.sum(axis=1),
                       model.model_.decision_function(rows))


def test_one_season_followed_is_validated_within_it_and_the_card_warns(sim) -> None:
    two = sim.holdings[sim.holdings["season"] <= sim.seasons[1]]
    model = RenewalModel().fit(two, sim.customers)
    assert model.season_ == sim.seasons[1]
    assert "single_season" in model.card_.warning_codes()
    assert model.card_.training["validated_on"].startswith("random 30 %")
    warning = model.card_.warnings[model.card_.warning_codes().index("single_season")]
    assert sim.seasons[0] in warning_text(warning, "en")


def test_a_small_club_is_warned_that_its_figures_are_uncertain() -> None:
    small = simulate_renewals(holders=150, seasons=3, seed=2)
    model = RenewalModel().fit(small.holdings, small.customers)
    assert "thin_data" in model.card_.warning_codes()
    assert warning_text(model.card_.warnings[0], "fr").startswith("Peu de données")


def test_unknown_season_one_season_and_unfitted_use_are_explained(sim) -> None:
    with pytest.raises(ScoringInputError, match="Unknown season '1999-2000'"):
        RenewalModel().fit(sim.holdings, season="1999-2000")
    with pytest.raises(TooLittleHistory, match="at least two seasons"):
        RenewalModel().fit(sim.holdings[sim.holdings["season"] == sim.seasons[0]])
    with pytest.raises(NotFittedError, match="fit"):
        RenewalModel().predict()
    with pytest.raises(ScoringInputError, match="Candidates"):
        RenewalModel(candidates=("random_forest",))
    assert "calibration='platt'" in repr(RenewalModel())


def test_reasons_read_as_sentences_in_french_and_english() -> None:
    examples = [
        (Reason("attendance", -1, -0.8, {"known": True, "attended": 4, "events": 19,
                                         "season_complete": True}),
         "a assisté à 4 matchs sur 19", "attended 4 of 19 matches"),
        (Reason("attendance", -1, -0.8, {"known": True, "attended": 1, "events": 19}),
         "a assisté à 1 match sur 19", "attended 1 of 19 matches"),
        (Reason("tenure", -1, -0.5, {"known": True, "seasons": 1}),
         "première saison", "first season"),
        (Reason("price_change", -1, -0.3, {"known": True, "change": 0.12}),
         "prix +12\u00a0% au renouvellement", "price +12 % on renewal"),
        (Reason("distance", -1, -0.2, {"known": True, "km": 85}),
         "habite à 85 km", "lives 85 km away"),
        (Reason("distance", -1, -0.2, {"known": False, "km": None}),
         "adresse non localisée", "home address not located"),
    ]
    for reason, french, english in examples:
        assert reason_text(reason, "fr") == french
        assert reason_text(reason.to_dict(), "en") == english
    shows = Reason("attendance", 1, 0.4, {"known": True, "attended": 3, "events": 4})
    assert reason_text(shows, "fr", event_noun="show") == "a assisté à 3 spectacles sur 4"
    assert reason_text(shows, "en", event_noun="show", with_effect=True) == \
        "attended 3 of 4 shows (raises the chance)"
    with pytest.raises(ValueError, match="fr or en"):
        reason_text(shows, "de")
