"""The buy-till-you-die models reproduce the published CDNOW results, from the raw orders."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from arena.crm.scoring.btyd import SpendModel, TransactionModel
from arena.crm.scoring.cdnow import (
    CALIBRATION_END,
    CUSTOMERS,
    load_cdnow_summary,
    load_cdnow_transactions,
)
from arena.crm.scoring.orders import prepare_orders, summarize_orders


@pytest.fixture(scope="module")
def calibration_summary() -> pd.DataFrame:
    """The 39-week calibration summary built by our own code from the CDNOW orders (days)."""
    return summarize_orders(prepare_orders(load_cdnow_transactions()), CALIBRATION_END)


def test_our_summary_of_the_cdnow_orders_is_the_published_one(calibration_summary) -> None:
    published = load_cdnow_summary()
    ours = calibration_summary.reindex(published.index)
    assert len(calibration_summary) == CUSTOMERS == 2357
    assert (ours["frequency"].to_numpy() == published["x"].to_numpy()).all()
    # The published file rounds weeks to 2 decimals.
    assert np.abs(ours["recency"] / 7 - published["t_x"]).max() < 0.005 + 1e-9
    assert np.abs(ours["T"] / 7 - published["T"]).max() < 0.005 + 1e-9
    repeat = published["x"] > 0
    assert np.abs(ours.loc[repeat, "monetary_value"] - published.loc[repeat, "zbar"]).max() \
        < 0.005 + 1e-9


def test_bg_nbd_reproduces_fader_hardie_lee_2005(calibration_summary) -> None:
    model = TransactionModel("bg_nbd", time_unit_days=7).fit(calibration_summary)
    fitted = {k: round(v, 3) for k, v in model.params_.items()}
    assert fitted == {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    assert round(model.log_likelihood_, 1) == -9582.4


def test_pareto_nbd_reproduces_the_published_parameters(calibration_summary) -> None:
    model = TransactionModel("pareto_nbd", time_unit_days=7).fit(calibration_summary)
    fitted = {k: round(v, 3) for k, v in model.params_.items()}
    assert fitted == {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    assert round(model.log_likelihood_, 1) == -9595.0  # FHL (2005), table 1


def test_gamma_gamma_reproduces_fader_hardie_2013(calibration_summary) -> None:
    model = SpendModel().fit(calibration_summary)
    assert model.customers_ == 946
    fitted = {k: round(v, 2) for k, v in model.params_.items()}
    assert fitted == {"p": 6.25, "q": 3.74, "gamma": 15.44}


def test_parameters_are_the_same_whatever_time_unit_the_summary_is_read_in(
        calibration_summary) -> None:
    weeks = TransactionModel("bg_nbd", time_unit_days=7).fit(calibration_summary)
    days = TransactionModel("bg_nbd", time_unit_days=1).fit(calibration_summary)
    assert days.params_["r"] == pytest.approx(weeks.params_["r"], rel=1e-3)
    assert days.params_["alpha"] == pytest.approx(weeks.params_["alpha"] * 7, rel=1e-3)
    expected_weeks = weeks.expected_purchases(calibration_summary, 273)
    expected_days = days.expected_purchases(calibration_summary, 273)
    assert np.allclose(expected_weeks, expected_days, rtol=1e-3)


def test_cdnow_files_load_without_pkg_resources(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "pkg_resources", None)
    monkeypatch.delitem(sys.modules, "lifetimes.datasets", raising=False)
    with pytest.raises(ImportError):
        import lifetimes.datasets  # noqa: F401  (what breaks with setuptools >= 82)
    assert len(load_cdnow_transactions()["customer_id"].unique()) == CUSTOMERS
