"""Who may be contacted on a channel, and the reason for everyone who may not."""

from __future__ import annotations

import pandas as pd
import pytest

from arena.crm.prospection.consent import ConsentCause, ConsentRecord, consent_frame
from arena.crm.prospection.eligibility import allowed_contacts

DAY = pd.Timestamp("2025-03-01")


def members() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": [1, 2, 3, 4, 5, 6, 7, 8],
        "email": ["a@club.fr", "b@club.fr", "c@club.fr", "d@club.fr", None, "F@Club.fr",
                  "f@club.fr", "h@club.fr"],
        "phone": ["06 12 34 56 78", "+33145454545", "+33698765432", None, "+33611111111",
                  "+33622222222", "+33612345678", "+33633333333"],
    })


def consents() -> pd.DataFrame:
    return consent_frame([
        ConsentRecord(1, "email", "opt_in", DAY, "form"),
        ConsentRecord(2, "email", "opt_in", DAY, "form"),
        ConsentRecord(2, "email", "opt_out", DAY + pd.Timedelta(days=2), "outcome:brevo",
                      ConsentCause.UNSUBSCRIBED),
        ConsentRecord(3, "email", "opt_out", DAY, "form"),
        ConsentRecord(5, "email", "opt_in", DAY, "form"),
        ConsentRecord(6, "email", "opt_in", DAY, "form"),
        ConsentRecord(7, "email", "opt_in", DAY, "form"),
        ConsentRecord(8, "email", "opt_in", DAY, "form"),
        ConsentRecord(8, "email", "opt_out", DAY + pd.Timedelta(days=1), "outcome:brevo",
                      ConsentCause.BOUNCED, address="h@club.fr"),
        *[ConsentRecord(i, "sms", "opt_in", DAY, "form") for i in (1, 2, 3, 5, 7)],
        ConsentRecord(1, "phone", "opt_in", DAY, "form"),
        ConsentRecord(7, "phone", "opt_in", DAY, "form"),
        ConsentRecord(3, "phone", "opt_in", DAY, "form"),
        ConsentRecord(3, "phone", "opt_out", DAY + pd.Timedelta(days=1), "outcome:entry",
                      ConsentCause.WRONG_NUMBER, address="+33698765432"),
    ])


def test_the_ui_learns_how_many_were_excluded_and_why_on_email() -> None:
    result = allowed_contacts(members(), "email", consents())
    assert result.allowed["customer_id"].tolist() == [1, 6]
    assert result.allowed["address"].tolist() == ["a@club.fr", "f@club.fr"]
    assert result.excluded.set_index("customer_id")["reason"].to_dict() == {
        2: "unsubscribed", 3: "opted_out", 4: "no_consent_recorded", 5: "no_address",
        7: "duplicate_address", 8: "bounced"}
    assert result.summary() == {
        "channel": "email", "members": 8, "allowed": 2, "excluded": 6,
        "excluded_by_reason": {"unsubscribed": 1, "bounced": 1, "wrong_number": 0,
                               "opted_out": 1, "no_consent_recorded": 1, "no_address": 1,
                               "duplicate_address": 1}}


def test_an_sms_needs_a_mobile_number_and_the_same_number_is_texted_once() -> None:
    result = allowed_contacts(members(), "sms", consents())
    # 2 has a landline; 7's mobile is 1's mobile written another way.
    assert result.allowed["customer_id"].tolist() == [1, 3, 5]
    assert result.allowed["address"].tolist() == ["+33612345678", "+33698765432", "+33611111111"]
    reasons = result.excluded.set_index("customer_id")["reason"].to_dict()
    assert reasons[2] == "no_address" and reasons[7] == "duplicate_address"


def test_a_wrong_number_stops_calls_to_that_number() -> None:
    result = allowed_contacts(members(), "phone", consents())
    assert result.allowed["customer_id"].tolist() == [1]
    reasons = result.excluded.set_index("customer_id")["reason"].to_dict()
    assert reasons[3] == "wrong_number" and reasons[7] == "duplicate_address"


def test_a_list_with_a_customer_twice_is_refused() -> None:
    twice = pd.concat([members(), members().head(1)], ignore_index=True)
    with pytest.raises(ValueError, match="twice"):
        allowed_contacts(twice, "email", consents())


def test_without_any_consent_record_nobody_is_allowed() -> None:
    result = allowed_contacts(members(), "email", consent_frame([]))
    assert result.allowed.empty
    assert result.excluded_counts["no_consent_recorded"] == 8
