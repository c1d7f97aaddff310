"""Conversions found in later data, attributed to contacted and control members alike."""

from __future__ import annotations

import pandas as pd
import pytest

from arena.crm.prospection.attribution import (
    ATTRIBUTION_COLUMNS,
    CampaignGoal,
    ConversionRule,
    attribute_conversions,
)

START = pd.Timestamp("2025-05-15")
RENEWAL = ConversionRule(CampaignGoal.RENEWAL, window_days=45, season="2025-2026")

ASSIGNMENTS = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5, 6, 7, 8],
                            "group": ["contacted", "contacted", "contacted", "control",
                                      "control", "contacted", "control", "contacted"]})


def test_a_season_ticket_bought_inside_the_window_is_a_conversion_in_either_group() -> None:
    holdings = pd.DataFrame({
        "customer_id": [1, 2, 3, 4, 5, 9, 6],
        "season": ["2025-2026", "2025-2026", "2025-2026", "2025-2026", "2024-2025",
                   "2025-2026", "2025-2026"],
        "since": ["2025-05-20", "2025-07-10", "2025-05-01", "2025-06-01", "2025-05-20",
                  "2025-05-20", None],
        "amount": [420.0, 420.0, 380.0, 420.0, 420.0, 420.0, 300.0],
    })
    result = attribute_conversions(ASSIGNMENTS, start=START, rule=RENEWAL, holdings=holdings)
    assert list(result.columns) == list(ATTRIBUTION_COLUMNS)
    by_id = result.set_index("customer_id")
    # 1 in the window; 2 after it; 3 before the start; 4 (control) in the window; 5 renewed an
    # older season; 9 is not a member; 6's list has no date: counted, flagged undated.
    assert by_id["converted"].to_dict() == {1: True, 2: False, 3: False, 4: True, 5: False,
                                            6: True, 7: False, 8: False}
    assert by_id.loc[4, "group"] == "control" and by_id.loc[4, "revenue"] == 420.0
    assert by_id.loc[3, "converted_before_start"] and not by_id.loc[1, "converted_before_start"]
    assert by_id.loc[6, "evidence"] == "season_list_undated" and not by_id.loc[6, "dated"]
    assert by_id.loc[1, "converted_at"] == pd.Timestamp("2025-05-20")
    assert by_id.loc[7, "revenue"] == 0.0


def test_a_season_ticket_sold_in_the_ticket_import_counts_too_dated_by_the_purchase() -> None:
    purchases = pd.DataFrame({
        "customer_id": [7, 7, 8, 8],
        "purchased_at": ["2025-06-01 10:00", "2025-06-03", "2025-06-02", "2025-06-04"],
        "is_season_ticket": [False, True, True, True],
        "season": ["2025-2026", "2025-2026", "2024-2025", "2025-2026"],
        "amount": [35.0, 420.0, 400.0, 390.0],
    })
    holdings = pd.DataFrame({"customer_id": [8], "season": ["2025-2026"]})
    result = attribute_conversions(ASSIGNMENTS, start=START, rule=RENEWAL, purchases=purchases,
                                   holdings=holdings).set_index("customer_id")
    assert result.loc[7, "converted"] and result.loc[7, "converted_at"] == pd.Timestamp("2025-06-03")
    assert result.loc[7, "revenue"] == 420.0  # the single match ticket is no conversion
    # 8 bought a 2025-2026 season ticket on 4 June and is on the undated list: the dated
    # purchase dates the conversion.
    assert result.loc[8, "evidence"] == "purchase" and bool(result.loc[8, "dated"])


def test_an_event_campaign_counts_tickets_for_that_event_only() -> None:
    rule = ConversionRule(CampaignGoal.EVENT, window_days=20, event_id="OL-ASSE-2025")
    purchases = pd.DataFrame({
        "customer_id": [1, 2, 4, 5],
        "purchased_at": ["2025-05-16", "2025-05-16", "2025-05-20", "2025-06-30"],
        "event_id": ["OL-ASSE-2025", "OL-PSG-2025", "OL-ASSE-2025", "OL-ASSE-2025"],
        "amount": [45.0, 60.0, 45.0, 45.0],
    })
    result = attribute_conversions(ASSIGNMENTS, start=START, rule=rule, purchases=purchases)
    assert result.set_index("customer_id")["converted"].loc[[1, 2, 4, 5]].tolist() == [
        True, False, True, False]


def test_a_rule_must_say_what_counts() -> None:
    with pytest.raises(ValueError, match="target season"):
        ConversionRule(CampaignGoal.RENEWAL, window_days=30)
    with pytest.raises(ValueError, match="event"):
        ConversionRule(CampaignGoal.EVENT, window_days=30)
    with pytest.raises(ValueError, match="positive"):
        ConversionRule(CampaignGoal.CONVERSION, window_days=0, season="2025-2026")


def test_without_later_data_nobody_has_converted_yet() -> None:
    result = attribute_conversions(ASSIGNMENTS, start=START, rule=RENEWAL)
    assert not result["converted"].any() and (result["revenue"] == 0).all()
