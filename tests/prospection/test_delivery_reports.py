"""Delivery reports of Brevo, Mailchimp and SMS gateways, in their export columns, turned into
outcome events and, for unsubscribes and hard bounces, into opt-outs."""

from __future__ import annotations

import pandas as pd
import pytest

from arena.crm.prospection.consent import ConsentRecord, consent_frame
from arena.crm.prospection.delivery_reports import (
    detect_report_tool,
    read_delivery_report,
    read_mailchimp_export,
    report_events,
)
from arena.crm.prospection.eligibility import allowed_contacts
from arena.crm.prospection.outcomes import consent_changes_from_outcomes, contact_flags

MEMBERS = pd.DataFrame({
    "customer_id": [1, 2, 3, 4],
    "email": ["anais@club.fr", "jp@club.fr", "lea@club.fr", "paul@club.fr"],
    "phone": ["+33612345678", "+33698765432", "+33611111111", None],
})


def brevo_marketing() -> pd.DataFrame:
    """Columns of Brevo's marketing event export (the marketing webhook's attributes)."""
    rows = [
        ("anais@club.fr", "delivered", "2025-06-02 10:00:05", 1748851205),
        ("anais@club.fr", "opened", "2025-06-02 10:31:00", 1748853060),
        ("anais@club.fr", "click", "2025-06-02 10:31:40", 1748853100),
        ("jp@club.fr", "hard_bounce", "2025-06-02 10:00:09", 1748851209),
        ("lea@club.fr", "delivered", "2025-06-02 10:00:06", 1748851206),
        ("lea@club.fr", "proxy_open", "2025-06-02 10:00:07", 1748851207),
        ("lea@club.fr", "unsubscribe", "2025-06-03 08:12:00", 1748931120),
        ("paul@club.fr", "spam", "2025-06-04 20:00:00", 1749060000),
        ("other@club.fr", "delivered", "2025-06-02 10:00:05", 1748851205),
        ("anais@club.fr", "list_addition", "2025-06-01 09:00:00", 1748761200),
        ("anais@club.fr", "teleported", "2025-06-01 09:00:00", 1748761200),
    ]
    return pd.DataFrame([{"id": 900 + i, "camp_id": 12, "email": email,
                          "campaign name": "Réabonnement 2025", "date_sent": "2025-06-02 10:00:00",
                          "date_event": local, "event": event, "tag": "", "ts_sent": 1748851200,
                          "ts_event": ts, "ts": ts} for i, (email, event, local, ts) in
                         enumerate(rows)])


def test_a_brevo_marketing_report_becomes_events_and_every_other_row_a_reason() -> None:
    report = read_delivery_report(brevo_marketing())
    assert report.tool == "brevo"
    result = report_events(report, MEMBERS, campaign_id=7, recorded_by="import:brevo.csv")
    got = result.events[["customer_id", "outcome"]].values.tolist()
    assert got == [[1, "delivered"], [1, "opened"], [1, "clicked"], [2, "bounced"],
                   [3, "delivered"], [3, "unsubscribed"], [4, "unsubscribed"]]
    assert result.events.set_index("line").loc[9, "detail"] == "complaint"
    assert result.problems[["line", "code"]].values.tolist() == [
        [7, "proxy_open_not_counted"], [10, "not_in_campaign"], [11, "not_a_delivery_event"],
        [12, "unknown_event"]]
    assert len(result.events) + len(result.problems) == len(brevo_marketing())
    flags = contact_flags(result.events).set_index("customer_id")
    assert flags.loc[1, "reacted"] and not flags.loc[3, "opened"]  # a proxy open is no open


def test_brevo_unix_times_are_read_as_utc_when_there_is_no_local_date() -> None:
    frame = brevo_marketing().drop(columns=["date_event"]).rename(columns={"ts_event": "x"})
    report = read_delivery_report(frame)
    # ts 1748851205 is 2025-06-02 08:00:05 UTC, 10:00:05 in Paris (summer time).
    assert report.rows["at"].iloc[0] == pd.Timestamp("2025-06-02 10:00:05")


def test_a_brevo_transactional_log_uses_its_camel_case_events() -> None:
    frame = pd.DataFrame({"email": ["anais@club.fr", "jp@club.fr", "lea@club.fr", "paul@club.fr"],
                          "event": ["requests", "hardBounces", "softBounces", "unsubscribed"],
                          "date": ["2025-06-02T10:00:00+02:00"] * 4,
                          "messageId": ["<1@x>", "<2@x>", "<3@x>", "<4@x>"]})
    report = read_delivery_report(frame)
    assert report.rows["outcome"].tolist() == ["sent", "bounced", "soft_bounced", "unsubscribed"]
    assert report.rows["at"].iloc[0] == pd.Timestamp("2025-06-02 10:00")


def test_reimporting_a_report_gives_the_same_events() -> None:
    first = report_events(read_delivery_report(brevo_marketing()), MEMBERS, campaign_id=7,
                          recorded_by="import:brevo.csv")
    again = report_events(read_delivery_report(brevo_marketing()), MEMBERS, campaign_id=7,
                          recorded_by="import:brevo.csv")
    assert first.events["event_key"].tolist() == again.events["event_key"].tolist()


def test_mailchimp_unsubscribed_and_cleaned_files_are_dated_by_their_own_columns() -> None:
    unsubscribed = pd.DataFrame({
        "Email Address": ["anais@club.fr", "jp@club.fr"], "First Name": ["Anaïs", "Jean"],
        "Last Name": ["Martin", "Durand"], "MEMBER_RATING": [2, 3],
        "OPTIN_TIME": ["2024-01-01 10:00:00", ""], "UNSUB_TIME": ["2025-06-03 07:00:00",
                                                                  "2025-06-04 07:00:00"],
        "UNSUB_CAMPAIGN_TITLE": ["Réabonnement", "Réabonnement"],
        "UNSUB_CAMPAIGN_ID": ["a8d0ad03b7", "a8d0ad03b7"],
        "UNSUB_REASON": ["I no longer want to receive these emails", ""],
        "UNSUB_REASON_OTHER": ["", ""], "LEID": [1, 2], "EUID": ["x", "y"]})
    report = read_delivery_report(unsubscribed)
    assert report.tool == "mailchimp"
    assert report.rows["outcome"].tolist() == ["unsubscribed", "unsubscribed"]
    # Mailchimp writes these times in UTC; Arena's clock is Paris time.
    assert report.rows["at"].tolist() == [pd.Timestamp("2025-06-03 09:00"),
                                          pd.Timestamp("2025-06-04 09:00")]
    assert report.rows["detail"].iloc[0] == "I no longer want to receive these emails"
    cleaned = pd.DataFrame({"Email Address": ["lea@club.fr"], "CLEAN_TIME": ["2025-06-02 12:00:00"],
                            "CLEAN_CAMPAIGN_TITLE": ["Réabonnement"]})
    assert read_delivery_report(cleaned).rows["outcome"].tolist() == ["bounced"]


def test_a_mailchimp_activity_list_needs_to_be_told_what_happened() -> None:
    opened = pd.DataFrame({"Email Address": ["anais@club.fr", "not an email"],
                           "First Name": ["Anaïs", "?"]})
    with pytest.raises(ValueError, match="give the activity"):
        read_mailchimp_export(opened)
    report = read_mailchimp_export(opened, activity="opened",
                                   observed_at=pd.Timestamp("2025-06-05"))
    assert report.rows[["address", "outcome"]].values.tolist() == [["anais@club.fr", "opened"]]
    assert report.problems["code"].tolist() == ["invalid_email"]


def test_an_sms_gateway_report_reads_smpp_statuses_and_dates() -> None:
    frame = pd.DataFrame({
        "msisdn": ["33612345678", "+33 6 98 76 54 32", "0611111111", "33612345678", "12"],
        "stat": ["DELIVRD", "UNDELIV", "STOP", "ENROUTE", "DELIVRD"],
        "done date": ["2506021005", "2025-06-02 10:06", "2025-06-03T08:00:00Z",
                      "2506021001", "2506021005"],
        "err": ["000", "001", "000", "000", "000"],
    })
    assert detect_report_tool(frame) == "sms_gateway"
    report = read_delivery_report(frame)
    assert report.rows[["address", "outcome", "at"]].values.tolist() == [
        ["+33612345678", "delivered", pd.Timestamp("2025-06-02 10:05")],
        ["+33698765432", "bounced", pd.Timestamp("2025-06-02 10:06")],
        ["+33611111111", "unsubscribed", pd.Timestamp("2025-06-03 10:00")],
        ["+33612345678", "sent", pd.Timestamp("2025-06-02 10:01")],
    ]
    assert report.problems[["line", "code"]].values.tolist() == [[6, "invalid_phone"]]
    events = report_events(report, MEMBERS, campaign_id=8, recorded_by="import:sms.csv").events
    assert events[["customer_id", "channel"]].values.tolist() == [
        [1, "sms"], [2, "sms"], [3, "sms"], [1, "sms"]]


def test_an_imported_report_keeps_unsubscribed_and_bounced_people_off_the_next_list() -> None:
    agreed = consent_frame([ConsentRecord(i, "email", "opt_in", pd.Timestamp("2025-01-01"),
                                          "form") for i in (1, 2, 3, 4)])
    result = report_events(read_delivery_report(brevo_marketing()), MEMBERS, campaign_id=7,
                           recorded_by="import:brevo.csv")
    after = allowed_contacts(MEMBERS, "email", pd.concat(
        [agreed, consent_changes_from_outcomes(result.events)], ignore_index=True))
    assert after.allowed["customer_id"].tolist() == [1]
    assert after.excluded.set_index("customer_id")["reason"].to_dict() == {
        2: "bounced", 3: "unsubscribed", 4: "unsubscribed"}


def test_a_file_no_tool_wrote_is_refused() -> None:
    with pytest.raises(ValueError, match="not a Brevo, Mailchimp or SMS gateway report"):
        read_delivery_report(pd.DataFrame({"foo": [1]}))
