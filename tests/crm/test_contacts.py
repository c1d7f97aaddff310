"""The contact-list rule: only those whose consent allows it, every exclusion counted with why."""

from __future__ import annotations

import pandas as pd
import pytest

from arena.crm.analysis import MissingColumns
from arena.crm.segments import Channel, ConsentPolicy, Exclusion, select_contacts

MEMBERS = pd.DataFrame({
    "customer_id": [1, 2, 3, 4, 5, 6, 7],
    "email": ["ann@example.org", "bob@example.org", None, "cleo@example.org",
              "ANN@example.org", "dan@example.org", "  "],
    "phone": ["+33 6 12 34 56 78", None, "+33612345678", None, None, "+33 7 00 00 00 01", None],
})
CONSENTS = pd.DataFrame({
    "customer_id": [1, 2, 4, 4, 5, 6, 6],
    "channel": ["email", "email", "email", "email", "email", "email", "sms"],
    "granted": [True, False, False, True, True, True, True],
    "recorded_at": pd.to_datetime(
        ["2024-01-01", "2024-01-01", "2023-01-01", "2024-05-01", "2024-01-01", "2024-01-01",
         "2024-01-01"]),
})


def _reasons(selection) -> dict[int, str]:
    return dict(zip(selection.excluded["customer_id"], selection.excluded["reason"], strict=True))


def test_with_consent_recorded_only_explicit_yes_is_exported() -> None:
    selection = select_contacts(MEMBERS, Channel.EMAIL, CONSENTS)
    assert selection.consent_checked
    assert selection.exported["customer_id"].tolist() == [1, 4, 6]
    assert _reasons(selection) == {
        2: Exclusion.OPTED_OUT.value,
        3: Exclusion.NO_ADDRESS.value,
        5: Exclusion.DUPLICATE_ADDRESS.value,  # ann again, in capitals
        7: Exclusion.NO_ADDRESS.value,  # blank
    }
    counts = selection.excluded_counts
    assert counts == {"no_address": 2, "duplicate_address": 1, "opted_out": 1,
                      "no_consent_recorded": 0}
    assert len(selection.exported) + sum(counts.values()) == selection.members == 7


def test_the_latest_decision_wins() -> None:
    later_no = pd.concat([CONSENTS, pd.DataFrame({
        "customer_id": [1], "channel": ["email"], "granted": [False],
        "recorded_at": [pd.Timestamp("2024-09-01")]})])
    selection = select_contacts(MEMBERS, Channel.EMAIL, later_no)
    assert _reasons(selection)[1] == Exclusion.OPTED_OUT.value
    assert 4 in selection.exported["customer_id"].tolist()  # said no in 2023, yes in 2024


def test_no_consent_recorded_is_excluded_under_opt_in_and_kept_under_soft_opt_in() -> None:
    consents = CONSENTS[CONSENTS["customer_id"] != 6]
    strict = select_contacts(MEMBERS, "email", consents)
    soft = select_contacts(MEMBERS, "email", consents, ConsentPolicy.SOFT_OPT_IN)
    assert _reasons(strict)[6] == Exclusion.NO_CONSENT_RECORDED.value
    assert 6 in soft.exported["customer_id"].tolist()
    assert _reasons(soft)[2] == Exclusion.OPTED_OUT.value  # a "no" is never overridden


def test_consent_is_per_channel() -> None:
    selection = select_contacts(MEMBERS, Channel.SMS, CONSENTS)
    assert selection.exported["customer_id"].tolist() == [6]
    reasons = _reasons(selection)
    assert reasons[1] == Exclusion.NO_CONSENT_RECORDED.value  # yes for email, nothing for sms
    assert reasons[2] == Exclusion.NO_ADDRESS.value


def test_phone_numbers_written_differently_are_one_address() -> None:
    selection = select_contacts(MEMBERS, Channel.SMS, None)
    assert _reasons(selection)[3] == Exclusion.DUPLICATE_ADDRESS.value


def test_without_any_consent_records_everyone_reachable_is_exported_and_flagged() -> None:
    selection = select_contacts(MEMBERS, Channel.EMAIL, None)
    assert not selection.consent_checked
    assert selection.exported["customer_id"].tolist() == [1, 2, 4, 6]
    assert selection.excluded_counts["opted_out"] == 0


def test_the_address_column_of_the_channel_is_required() -> None:
    with pytest.raises(MissingColumns, match="postal_address"):
        select_contacts(MEMBERS, Channel.POST)
