"""Property: whatever the list, the consents and the outcomes, nobody without consent for a
channel is ever allowed, exported or counted twice on it — checked against an independent,
brute-force reading of the rule."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arena.crm.prospection.channels import Channel, normalize_address
from arena.crm.prospection.consent import CONSENT_COLUMNS, ConsentCause, ConsentStatus
from arena.crm.prospection.eligibility import ExclusionReason, allowed_contacts
from arena.crm.prospection.exports import (
    brevo_email_frame,
    brevo_sms_frame,
    call_sheet_frame,
    mailchimp_frame,
    sms_gateway_frame,
)
from arena.crm.prospection.outcomes import (
    CHANNEL_OUTCOMES,
    consent_changes_from_outcomes,
)

EMAILS = ["a@club.fr", "A@club.fr ", "b@club.fr", "c@club.fr", "not-an-email", None]
PHONES = ["+33612345678", "06 12 34 56 78", "+33698765432", "0145454545", "+3361", "", None]
# Few ids, few days: collisions (two records of one customer on one day) must be frequent.
DAYS = [None, pd.Timestamp("2025-01-01"), pd.Timestamp("2025-01-02"), pd.Timestamp("2025-01-03")]
ADDRESSES = ["a@club.fr", "b@club.fr", "+33612345678", "+33698765432", None]


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[pd.DataFrame, list, list, Channel]:
    """A list, consent records and outcome events about its members (and two strangers), most
    of them on the channel under test, on few days: ties and overrides are frequent."""
    rows = draw(st.lists(st.tuples(st.sampled_from(EMAILS), st.sampled_from(PHONES)),
                         min_size=1, max_size=12))
    members = pd.DataFrame({"customer_id": list(range(len(rows))),
                            "email": [r[0] for r in rows], "phone": [r[1] for r in rows],
                            "first_name": '=HYPERLINK("http://x")', "last_name": "Martin"})
    channel = draw(st.sampled_from(list(Channel)))
    customers = st.integers(0, len(rows) + 1)
    channels = st.sampled_from([channel, channel, channel, *Channel])
    records = draw(st.lists(st.tuples(
        customers, channels, st.sampled_from(list(ConsentStatus)),
        st.sampled_from(list(ConsentCause)), st.sampled_from(DAYS), st.sampled_from(ADDRESSES),
    ), max_size=30))
    # Contradictions on the same day (a yes and a no recorded together) test the tie rule.
    for index in draw(st.lists(st.integers(0, max(len(records) - 1, 0)), max_size=4)):
        if records:
            customer, record_channel, status, _, day, _ = records[index]
            flipped = (ConsentStatus.OPT_OUT if status is ConsentStatus.OPT_IN
                       else ConsentStatus.OPT_IN)
            records.append((customer, record_channel, flipped, ConsentCause.STATED, day, None))
    events = []
    for customer, event_channel, day, address in draw(st.lists(st.tuples(
            customers, channels, st.sampled_from(DAYS[1:]), st.sampled_from(ADDRESSES)),
            max_size=10)):
        outcome = draw(st.sampled_from(sorted(CHANNEL_OUTCOMES[event_channel])))
        events.append((customer, event_channel.value, outcome.value, day, address))
    return members, records, events, channel


def consents_from(records: list[tuple[object, ...]],
                  events: list[tuple[object, ...]]) -> pd.DataFrame:
    stated = pd.DataFrame(
        [(c, ch.value, s.value, cause.value, day, "test", address)
         for c, ch, s, cause, day, address in records], columns=list(CONSENT_COLUMNS))
    outcome_events = pd.DataFrame(events, columns=["customer_id", "channel", "outcome", "at",
                                                   "address"]).assign(source="test")
    learned = consent_changes_from_outcomes(outcome_events)
    frame = pd.concat([stated, learned], ignore_index=True)
    frame["recorded_at"] = pd.to_datetime(frame["recorded_at"])
    return frame


def consents_by_rule(consents: pd.DataFrame, customer: int, channel: Channel,
                     address: str | None) -> bool:
    """The rule read literally, record by record: the newest applicable record is an opt-in;
    an undated record is older than any dated one; an opt-out wins a tie; a bounce or a wrong
    number only applies to the address that failed."""
    newest_in = newest_out = None
    found_in = found_out = False
    for record in consents.to_dict("records"):
        if record["customer_id"] != customer or record["channel"] != channel.value:
            continue
        tied = record["cause"] in {"bounced", "wrong_number"} and not pd.isna(record["address"])
        if tied and record["address"] != address:
            continue
        when = record["recorded_at"]
        rank = pd.Timestamp.min if pd.isna(when) else when
        if record["status"] == "opt_in":
            found_in, newest_in = True, max(newest_in or rank, rank)
        else:
            found_out, newest_out = True, max(newest_out or rank, rank)
    if not found_in:
        return False
    return not found_out or newest_in > newest_out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios())
def test_consent_is_never_violated(scenario: tuple[pd.DataFrame, list, list, Channel]) -> None:
    members, records, events, channel = scenario
    consents = consents_from(records, events)
    eligibility = allowed_contacts(members, channel, consents)

    # Everyone is either allowed or excluded with one reason, and the counts add up.
    allowed_ids = list(eligibility.allowed["customer_id"])
    excluded_ids = list(eligibility.excluded["customer_id"])
    assert sorted(allowed_ids + excluded_ids) == list(members["customer_id"])
    assert sum(eligibility.excluded_counts.values()) == len(excluded_ids)
    assert set(eligibility.excluded["reason"]) <= {r.value for r in ExclusionReason}

    # The allowed members are exactly those the literal rule allows, first of their address.
    expected, seen = [], set()
    for row in members.to_dict("records"):
        address = normalize_address(row["email"] if channel is Channel.EMAIL else row["phone"],
                                    channel)
        if address is None or not consents_by_rule(consents, row["customer_id"], channel,
                                                   address):
            continue
        if address not in seen:
            seen.add(address)
            expected.append(row["customer_id"])
    assert allowed_ids == expected

    # Whatever reaches a file is an allowed member's address, once.
    allowed_addresses = set(eligibility.allowed["address"])
    if channel is Channel.EMAIL:
        exported = [brevo_email_frame(eligibility)["EMAIL"],
                    mailchimp_frame(eligibility)["Email Address"]]
    elif channel is Channel.SMS:
        exported = [brevo_sms_frame(eligibility)["SMS"],
                    sms_gateway_frame(eligibility)["phone_number"]]
    else:
        exported = [call_sheet_frame(eligibility)["phone"]]
    for column in exported:
        assert set(column) <= allowed_addresses and not column.duplicated().any()
        assert len(column) == len(expected)


@settings(max_examples=100, deadline=None)
@given(scenario=scenarios(), pick=st.integers(0, 100))
def test_an_unsubscribe_after_everything_always_removes_the_contact(
        scenario: tuple[pd.DataFrame, list, list, Channel], pick: int) -> None:
    members, records, _, channel = scenario
    consents = consents_from(records, [])
    before = allowed_contacts(members, channel, consents)
    if before.allowed.empty:
        return
    customer = before.allowed["customer_id"].iloc[pick % len(before.allowed)]
    unsubscribe = pd.DataFrame([(customer, channel.value, "unsubscribed",
                                 pd.Timestamp("2025-02-01"), None)],
                               columns=["customer_id", "channel", "outcome", "at", "address"])
    after = allowed_contacts(members, channel, pd.concat(
        [consents, consent_changes_from_outcomes(unsubscribe.assign(source="entry"))],
        ignore_index=True))
    assert customer not in set(after.allowed["customer_id"])
    reason = after.excluded.set_index("customer_id").loc[customer, "reason"]
    assert reason == "unsubscribed"
