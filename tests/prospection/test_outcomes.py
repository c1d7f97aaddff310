"""Outcomes: the vocabulary, precedence, append-only events entered by several callers, the
outcome file, and their effect on consent."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from arena.crm.prospection.channels import Channel
from arena.crm.prospection.consent import consent_frame
from arena.crm.prospection.eligibility import allowed_contacts
from arena.crm.prospection.outcome_files import read_outcome_file, read_outcome_word
from arena.crm.prospection.outcomes import (
    Outcome,
    OutcomeEvent,
    check_outcome,
    consent_changes_from_outcomes,
    contact_flags,
    current_outcomes,
    events_frame,
    may_overwrite,
)

T0 = pd.Timestamp("2025-06-02 09:00")


def at(minutes: int) -> pd.Timestamp:
    return T0 + pd.Timedelta(minutes=minutes)


def call(customer: int, outcome: str, minutes: int, caller: str = "alice") -> OutcomeEvent:
    return OutcomeEvent(7, customer, Channel.PHONE, Outcome(outcome), at(minutes), caller,
                        address="+33612345678")


def test_an_outcome_must_belong_to_its_channel() -> None:
    assert check_outcome("email", "opened") is Outcome.OPENED
    with pytest.raises(ValueError, match="not an outcome of the phone channel"):
        OutcomeEvent(7, 1, Channel.PHONE, Outcome.OPENED, T0, "alice")
    with pytest.raises(ValueError):
        check_outcome("sms", "opened")  # an SMS has no open tracking


@pytest.mark.parametrize(("current", "new", "later", "expected"), [
    ("no_answer", "reached", True, True),
    ("reached", "no_answer", True, False),  # a later missed call does not undo a conversation
    ("interested", "refused", True, True),  # the same step: the latest word wins
    ("refused", "interested", True, True),
    ("interested", "refused", False, False),
    ("converted", "refused", True, False),  # nothing replaces a conversion
    ("delivered", "bounced", True, True),  # a bounce reported after the delivery
    ("opened", "delivered", True, False),
    ("clicked", "unsubscribed", True, True),
])
def test_which_outcome_a_later_one_may_replace(current: str, new: str, later: bool,
                                               expected: bool) -> None:
    new_at = at(10) if later else at(-10)
    assert may_overwrite(current, at(0), new, new_at) is expected


def test_two_callers_entering_outcomes_never_overwrite_each_other() -> None:
    alice = call(1, "call_back", 0, "alice")
    bob = call(1, "call_back", 0, "bob")  # the same contact, the same minute
    assert alice.event_key != bob.event_key
    # The same entry recorded twice (a retried request) is the same event.
    assert call(1, "call_back", 0, "alice").event_key == alice.event_key
    events = events_frame([alice, bob])
    assert events["event_key"].is_unique and len(events) == 2


def test_the_status_does_not_depend_on_the_order_events_arrive_in() -> None:
    events = [call(1, "no_answer", 0), call(1, "call_back", 60, "bob"),
              call(1, "interested", 120), call(1, "refused", 180, "bob"),
              call(1, "no_answer", 240), call(2, "no_answer", 0), call(2, "reached", 5),
              call(3, "wrong_number", 0), call(4, "converted", 0), call(4, "refused", 30)]
    expected = {1: "refused", 2: "reached", 3: "wrong_number", 4: "converted"}
    for seed in range(20):
        shuffled = events[:]
        random.Random(seed).shuffle(shuffled)
        status = current_outcomes(events_frame(shuffled)).set_index("customer_id")["outcome"]
        assert status.to_dict() == expected


def test_the_funnel_flags_remember_every_step_a_contact_reached() -> None:
    email = [OutcomeEvent(7, 1, Channel.EMAIL, o, at(i), "import:brevo", "brevo")
             for i, o in enumerate([Outcome.SENT, Outcome.DELIVERED, Outcome.OPENED,
                                    Outcome.CLICKED, Outcome.UNSUBSCRIBED])]
    flags = contact_flags(events_frame([*email, call(2, "no_answer", 0),
                                        call(2, "interested", 5)]))
    one = flags.set_index("customer_id").loc[1]
    assert one[["attempted", "reached", "opened", "reacted", "unsubscribed"]].all()
    assert one["status"] == "unsubscribed"
    two = flags.set_index("customer_id").loc[2]
    assert two["reached"] and two["reacted"] and two["interested"] and not two["refused"]


def test_unsubscribes_bounces_and_wrong_numbers_become_opt_outs() -> None:
    events = events_frame([
        OutcomeEvent(7, 1, Channel.EMAIL, Outcome.UNSUBSCRIBED, at(0), "import", "brevo",
                     "a@club.fr"),
        OutcomeEvent(7, 2, Channel.EMAIL, Outcome.BOUNCED, at(0), "import", "brevo", "b@club.fr"),
        OutcomeEvent(7, 3, Channel.EMAIL, Outcome.SOFT_BOUNCED, at(0), "import", "brevo"),
        call(4, "wrong_number", 0), call(5, "refused", 0),
    ])
    changes = consent_changes_from_outcomes(events)
    changes["address"] = changes["address"].fillna("")
    assert changes[["customer_id", "channel", "status", "cause", "address"]].values.tolist() == [
        [1, "email", "opt_out", "unsubscribed", ""],
        [2, "email", "opt_out", "bounced", "b@club.fr"],
        [4, "phone", "opt_out", "wrong_number", "+33612345678"],
        [4, "sms", "opt_out", "wrong_number", "+33612345678"],
    ]
    assert set(changes["source"]) == {"outcome:brevo", "outcome:entry"}


@pytest.mark.parametrize(("word", "outcome"), [
    ("Pas de réponse", "no_answer"), ("répondeur", "no_answer"), ("NRP", "no_answer"),
    ("Rappeler", "call_back"), ("à rappeler", "call_back"), ("joint", "reached"),
    ("Intéressé", "interested"), ("pas intéressé", "refused"), ("Refus", "refused"),
    ("Converti", "converted"), ("réabonné", "converted"), ("Faux numéro", "wrong_number"),
    ("Ne plus appeler", "unsubscribed"), ("no_answer", "no_answer"), ("Call back", "call_back"),
    ("NPAI", "bounced"), ("ouvert", "opened"),
])
def test_outcome_words_are_read_in_french_and_english(word: str, outcome: str) -> None:
    assert read_outcome_word(word) is Outcome(outcome)


MEMBERS = pd.DataFrame({"customer_id": [1, 2, 3],
                        "email": ["anais@club.fr", "jp@club.fr", "lea@club.fr"],
                        "phone": ["+33612345678", "06 98 76 54 32", None]})


def outcome_file() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_email": ["anais@club.fr", "JP@club.fr ", "stranger@club.fr", "lea@club.fr",
                           "anais@club.fr", "lea@club.fr", "jp@club.fr", "anais@club.fr"],
        "outcome": ["Pas de réponse", "Faux numéro", "joint", "peut-être", "intéressé",
                    "ouvert", "rappeler", "Pas de réponse"],
        "at": ["02/06/2025 10:00", "2025-06-02 10:05", "02/06/2025", "02/06/2025", "03/06/2025",
               "02/06/2025", "31/06/2025", "02/06/2025 10:00"],
    })


def test_an_outcome_file_loads_every_row_or_says_why_not() -> None:
    result = read_outcome_file(outcome_file(), MEMBERS, campaign_id=7, channel="phone",
                               recorded_by="import:appels.csv",
                               now=pd.Timestamp("2025-06-10"))
    assert result.events[["line", "customer_id", "outcome"]].values.tolist() == [
        [2, 1, "no_answer"], [3, 2, "wrong_number"], [6, 1, "interested"]]
    # A wrong number is about the number dialled, in E.164.
    assert result.events.set_index("line").loc[3, "address"] == "+33698765432"
    assert result.problems[["line", "code"]].values.tolist() == [
        [4, "not_in_campaign"], [5, "unknown_outcome"], [7, "outcome_not_for_channel"],
        [8, "invalid_date"], [9, "duplicate_row"]]
    assert len(result.events) + len(result.problems) == len(outcome_file())


def test_reimporting_an_outcome_file_gives_the_same_event_keys() -> None:
    first = read_outcome_file(outcome_file(), MEMBERS, campaign_id=7, channel="phone",
                              recorded_by="import:appels.csv", now=pd.Timestamp("2025-06-10"))
    again = read_outcome_file(outcome_file(), MEMBERS, campaign_id=7, channel="phone",
                              recorded_by="import:appels.csv", now=pd.Timestamp("2025-06-10"))
    assert first.events["event_key"].tolist() == again.events["event_key"].tolist()


def test_an_outcome_dated_in_the_future_is_refused() -> None:
    future = pd.DataFrame({"customer_email": ["anais@club.fr"], "outcome": ["joint"],
                           "at": ["01/01/2030"]})
    result = read_outcome_file(future, MEMBERS, campaign_id=7, channel="phone", recorded_by="x",
                               now=pd.Timestamp("2025-06-10"))
    assert result.events.empty and result.problems["code"].tolist() == ["date_in_future"]


def test_a_file_without_the_contract_columns_is_refused_with_their_names() -> None:
    with pytest.raises(ValueError, match="customer_email, outcome, at"):
        read_outcome_file(pd.DataFrame({"email": ["x"]}), MEMBERS, campaign_id=7,
                          channel="phone", recorded_by="x", now=T0)


def test_a_wrong_number_entered_by_a_caller_keeps_the_number_off_the_next_sms() -> None:
    result = read_outcome_file(outcome_file(), MEMBERS, campaign_id=7, channel="phone",
                               recorded_by="import:appels.csv", now=pd.Timestamp("2025-06-10"))
    agreed = consent_frame([]).pipe(lambda f: pd.concat([f, pd.DataFrame({
        "customer_id": [1, 2], "channel": "sms", "status": "opt_in", "cause": "stated",
        "recorded_at": pd.Timestamp("2025-01-01"), "source": "form", "address": None})]))
    before = allowed_contacts(MEMBERS, "sms", agreed)
    after = allowed_contacts(MEMBERS, "sms", pd.concat(
        [agreed, consent_changes_from_outcomes(result.events)], ignore_index=True))
    assert before.allowed["customer_id"].tolist() == [1, 2]
    assert after.allowed["customer_id"].tolist() == [1]
    assert after.excluded.set_index("customer_id").loc[2, "reason"] == "wrong_number"
