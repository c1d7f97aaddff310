"""The BTYD adapter: its probabilities are the models' own, on simulated and closed-form cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import gamma as gamma_function
from scipy.special import roots_genlaguerre

from arena.crm.scoring.btyd import SpendModel, TransactionModel, lifetime_value
from arena.crm.scoring.errors import NotFittedError, ScoringInputError
from arena.crm.scoring.orders import prepare_orders, summarize_orders
from arena.crm.scoring.simulation import simulate_orders

TRUE_PARETO = {"r": 0.6, "alpha": 9.0, "s": 0.8, "beta": 14.0}  # weeks


@pytest.fixture(scope="module")
def simulated() -> tuple[pd.DataFrame, pd.Timestamp]:
    orders = simulate_orders(customers=20000, seed=3, **TRUE_PARETO)
    return orders, pd.Timestamp("2024-01-01") + pd.Timedelta(weeks=78)


def _summary(x: list[float], recency_weeks: list[float], age_weeks: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"frequency": x, "recency": np.array(recency_weeks) * 7.0,
                         "T": np.array(age_weeks) * 7.0})


def test_pareto_nbd_recovers_the_parameters_of_a_simulated_base(simulated) -> None:
    orders, as_of = simulated
    summary = summarize_orders(prepare_orders(orders), as_of)
    model = TransactionModel("pareto_nbd").fit(summary)
    for name, true in TRUE_PARETO.items():
        assert model.params_[name] == pytest.approx(true, rel=0.15), name


def test_probabilities_stay_between_zero_and_one_and_grow_with_the_horizon(simulated) -> None:
    orders, as_of = simulated
    summary = summarize_orders(prepare_orders(orders), as_of)
    for kind in ("pareto_nbd", "bg_nbd", "mbg_nbd"):
        model = TransactionModel(kind).fit(summary)
        alive = model.probability_alive(summary)
        month, year = (model.probability_of_purchase(summary, h) for h in (30, 365))
        assert ((alive >= 0) & (alive <= 1)).all()
        assert ((month >= 0) & (year <= 1) & (year >= month - 1e-12)).all()
        assert (model.expected_purchases(summary, 365) >= model.expected_purchases(
            summary, 30) - 1e-12).all()


def test_pareto_nbd_chance_of_no_purchase_matches_numerical_integration() -> None:
    # alpha > beta here: the other branch of the hypergeometric formula than CDNOW's.
    model = TransactionModel.from_dict({"kind": "pareto_nbd", "time_unit_days": 7.0,
                                        "params": {"r": 0.8, "alpha": 14.0, "s": 0.5,
                                                   "beta": 6.0}})
    summary = _summary([0, 3, 7], [0.0, 20.0, 30.0], [40.0, 40.0, 35.0])
    alive = model.probability_alive(summary)
    buy = model.probability_of_purchase(summary, 26 * 7)
    r, alpha, s, beta = 0.8, 14.0, 0.5, 6.0
    for i, (x, age) in enumerate(zip([0, 3, 7], [40.0, 40.0, 35.0], strict=True)):
        # Alive at T: lambda ~ Gamma(r + x, alpha + T) and mu ~ Gamma(s, beta + T); no purchase
        # in the next 26 weeks has probability (mu + lambda e^{-(lambda+mu) 26}) / (lambda+mu).
        # Generalized Gauss-Laguerre quadrature integrates both gamma laws exactly enough.
        lam_nodes, lam_weights = roots_genlaguerre(80, r + x - 1)
        mu_nodes, mu_weights = roots_genlaguerre(80, s - 1)
        lam = lam_nodes[:, None] / (alpha + age)
        mu = mu_nodes[None, :] / (beta + age)
        none = (mu + lam * np.exp(-(lam + mu) * 26)) / (lam + mu)
        inside = lam_weights @ none @ mu_weights / (gamma_function(r + x) * gamma_function(s))
        assert 1 - buy[i] == pytest.approx(1 - alive[i] + alive[i] * inside, abs=1e-6)


def test_a_new_customer_s_chance_of_no_purchase_is_the_models_closed_form() -> None:
    # Right after the first purchase (x = 0, T = 0) the conditional chance equals the
    # unconditional one: BG/NBD (alpha/(alpha+t))^r; MBG/NBD adds leaving at the first purchase.
    params = {"r": 0.4, "alpha": 5.0, "a": 0.8, "b": 2.5}
    first_day = _summary([0], [0.0], [0.0])
    bg = TransactionModel.from_dict({"kind": "bg_nbd", "time_unit_days": 7.0, "params": params})
    mbg = TransactionModel.from_dict({"kind": "mbg_nbd", "time_unit_days": 7.0,
                                      "params": params})
    none = (5.0 / (5.0 + 10.0)) ** 0.4
    assert 1 - bg.probability_of_purchase(first_day, 70)[0] == pytest.approx(none, abs=1e-9)
    stays = 2.5 / (0.8 + 2.5)
    assert 1 - mbg.probability_of_purchase(first_day, 70)[0] == pytest.approx(
        (1 - stays) + stays * none, abs=1e-9)


def test_bg_nbd_chance_of_no_purchase_matches_a_simulation_of_its_own_story() -> None:
    rng = np.random.default_rng(11)
    n, r, alpha, a, b, age, horizon = 400_000, 0.5, 4.0, 1.0, 3.0, 30.0, 20.0
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    # Purchases of a living customer arrive at rate lam; after each, they leave with prob p.
    del p  # nobody silent since the first purchase has had a chance to leave (BG/NBD)
    first_gap = rng.exponential(1 / lam)
    silent = first_gap > age  # x = 0 at T: alive for sure
    simulated_none = np.mean(first_gap[silent] > age + horizon)
    model = TransactionModel.from_dict({"kind": "bg_nbd", "time_unit_days": 1.0,
                                        "params": {"r": r, "alpha": alpha, "a": a, "b": b}})
    predicted = 1 - model.probability_of_purchase(_summary([0], [0.0], [age / 7]), horizon)[0]
    assert predicted == pytest.approx(simulated_none, abs=0.005)


def test_bg_nbd_alive_is_one_for_one_time_buyers_by_construction() -> None:
    model = TransactionModel.from_dict({"kind": "bg_nbd", "time_unit_days": 7.0,
                                        "params": {"r": 0.24, "alpha": 4.4, "a": 0.79,
                                                   "b": 2.43}})
    assert model.probability_alive(_summary([0, 0], [0.0, 0.0], [10.0, 39.0])) == \
        pytest.approx([1.0, 1.0])


def test_a_model_used_before_fit_says_so() -> None:
    with pytest.raises(NotFittedError, match="fit"):
        TransactionModel("bg_nbd").expected_purchases(_summary([1], [2.0], [3.0]), 30)
    with pytest.raises(NotFittedError):
        _ = SpendModel().population_mean


def test_an_unknown_model_or_a_summary_without_its_columns_is_refused() -> None:
    with pytest.raises(ScoringInputError, match="pareto_nbd"):
        TransactionModel("nbd")
    with pytest.raises(ScoringInputError, match="'T'"):
        TransactionModel("bg_nbd").fit(pd.DataFrame({"frequency": [1], "recency": [1.0]}))


def test_a_fitted_model_survives_its_dict_and_reads_well(simulated) -> None:
    orders, as_of = simulated
    summary = summarize_orders(prepare_orders(orders), as_of)
    model = TransactionModel("mbg_nbd").fit(summary)
    again = TransactionModel.from_dict(model.to_dict())
    assert np.allclose(again.probability_of_purchase(summary, 90),
                       model.probability_of_purchase(summary, 90))
    assert repr(model).startswith("TransactionModel(kind='mbg_nbd'") and "alpha=" in repr(model)
    spend = SpendModel().fit(summary)
    assert np.allclose(SpendModel.from_dict(spend.to_dict()).expected_order_value(summary),
                       spend.expected_order_value(summary))


def test_lifetime_value_is_positive_and_discounting_lowers_it(simulated) -> None:
    orders, as_of = simulated
    summary = summarize_orders(prepare_orders(orders), as_of)
    model = TransactionModel("pareto_nbd").fit(summary)
    spend = SpendModel().fit(summary)
    plain = lifetime_value(model, spend, summary, years=2, annual_discount_rate=0.0)
    discounted = lifetime_value(model, spend, summary, years=2, annual_discount_rate=0.2)
    assert (plain > 0).all() and (discounted < plain).all()
    undiscounted_spend = model.expected_purchases(summary, 2 * 365.25) * \
        spend.expected_order_value(summary)
    assert np.allclose(plain, undiscounted_spend, rtol=1e-6)
