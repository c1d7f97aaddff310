"""Sending an email campaign to a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import ssl

import pandas as pd
import pytest
import trustme

from arena.config import load_settings
from arena.crm.prospection.consent import ConsentCause, ConsentRecord, consent_frame
from arena.crm.prospection.eligibility import allowed_contacts
from arena.crm.prospection.smtp_config import SmtpConfig, SmtpConfigError, redact_url
from arena.crm.prospection.smtp_sending import (
    EmailContent,
    RateLimiter,
    SmtpCampaignSender,
    SmtpSendingError,
    may_login_without_tls,
    send_results_frame,
    sent_events,
)
from arena.crm.prospection.unsubscribe import (
    read_unsubscribe_token,
    unsubscribe_token,
    unsubscribe_url,
)
from tests.support.smtp_standin import smtp_stand_in

# The loopback tests log in without TLS on purpose (the sender allows it on 127.0.0.1 only).
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

SECRET = b"a-test-secret-of-32-bytes-length"
PASSWORD = "s3cret:p@ss/word"
NOW = pd.Timestamp("2025-06-02 10:00")


def members() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": [1, 2, 3, 4],
        "email": ["anais@example.fr", "jean-pierre@example.fr", "no-consent@example.fr",
                  "left@example.fr"],
        "first_name": ["Anaïs", "Jean-Pierre\r\nBcc: victim@example.org", "Paul", "Léa"],
        "last_name": ["Martin", "Durand", "Petit", "Roux"],
    })


def consents() -> pd.DataFrame:
    at = pd.Timestamp("2025-01-01")
    return consent_frame([
        ConsentRecord(1, "email", "opt_in", at, "ticketing"),
        ConsentRecord(2, "email", "opt_in", at, "ticketing"),
        ConsentRecord(4, "email", "opt_in", at, "ticketing"),
        ConsentRecord(4, "email", "opt_out", at + pd.Timedelta(days=30), "link",
                      ConsentCause.UNSUBSCRIBED),
    ])


CONTENT = EmailContent(
    subject="$first_name, votre abonnement 2025-2026",
    text="Bonjour $first_name,\n\nVotre place vous attend.\n",
    html="<p>Bonjour $first_name,</p><p>Votre place vous attend.</p>",
    sender_name="Olympique Loire",
    unsubscribe_mailto="desinscription@club.example.fr",
)


def link_for(row: dict) -> str:
    token = unsubscribe_token(SECRET, "olympique-loire", 7, row["customer_id"])
    return unsubscribe_url("https://billetterie.club.example.fr/desinscription?t={token}", token)


def config(port: int, scheme: str = "smtp", user: str | None = "club", password: str = PASSWORD,
           extra: str = "") -> SmtpConfig:
    auth = f"{user}:{password.replace('@', '%40').replace('/', '%2F')}@" if user else ""
    return SmtpConfig.from_url(
        f"{scheme}://{auth}127.0.0.1:{port}?from=billetterie%40club.example.fr&rate=200{extra}")


def test_each_allowed_contact_gets_one_message_and_the_others_none() -> None:
    eligibility = allowed_contacts(members(), "email", consents())
    with smtp_stand_in(user="club", password=PASSWORD) as server:
        results = SmtpCampaignSender(config(server.port)).send(
            eligibility, CONTENT, unsubscribe_link=link_for, now=lambda: NOW)
    assert [r.status for r in results] == ["sent", "sent"]
    assert server.recipients() == ["anais@example.fr", "jean-pierre@example.fr"]
    assert all(len(item.rcpt_tos) == 1 for item in server.received)
    assert server.logins == [("club", PASSWORD)]
    # Unsubscribed (4) and never asked (3) received nothing.
    assert "left@example.fr" not in server.recipients()
    assert "no-consent@example.fr" not in server.recipients()


def test_messages_carry_a_personal_unsubscribe_link_and_the_one_click_headers() -> None:
    eligibility = allowed_contacts(members(), "email", consents())
    with smtp_stand_in(user="club", password=PASSWORD) as server:
        SmtpCampaignSender(config(server.port)).send(eligibility, CONTENT,
                                                     unsubscribe_link=link_for, now=lambda: NOW)
    first = server.received[0].message
    assert first["Subject"] == "Anaïs, votre abonnement 2025-2026"
    assert first["From"] == "Olympique Loire <billetterie@club.example.fr>"
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = first["List-Unsubscribe"]
    assert header.startswith("<https://billetterie.club.example.fr/desinscription?t=")
    assert "<mailto:desinscription@club.example.fr?subject=unsubscribe>" in header
    link = header.split("<", 1)[1].split(">", 1)[0]
    request = read_unsubscribe_token(SECRET, link.split("t=", 1)[1])
    assert request is not None and request.customer_id == "1" and request.campaign_id == "7"
    text = first.get_body(("plain",)).get_content()
    html = first.get_body(("html",)).get_content()
    assert link in text and "Pour ne plus recevoir nos messages" in text
    assert f'href="{link}"' in html.replace("&amp;", "&")
    # The second recipient's link is their own.
    second_link = server.received[1].message["List-Unsubscribe"].split("<", 1)[1].split(">")[0]
    assert second_link != link


def test_a_first_name_with_line_breaks_cannot_add_headers_or_markup() -> None:
    eligibility = allowed_contacts(members(), "email", consents())
    with smtp_stand_in(user="club", password=PASSWORD) as server:
        SmtpCampaignSender(config(server.port)).send(eligibility, CONTENT,
                                                     unsubscribe_link=link_for, now=lambda: NOW)
    message = server.received[1].message
    assert message["Bcc"] is None
    assert server.received[1].rcpt_tos == ["jean-pierre@example.fr"]
    assert "\n" not in message["Subject"]


def test_a_refused_recipient_is_rejected_and_the_others_are_still_sent() -> None:
    eligibility = allowed_contacts(members(), "email", consents())
    with smtp_stand_in(user="club", password=PASSWORD) as server:
        server.refused.add("anais@example.fr")
        results = SmtpCampaignSender(config(server.port)).send(
            eligibility, CONTENT, unsubscribe_link=link_for, now=lambda: NOW)
    frame = send_results_frame(results)
    assert frame.set_index("customer_id")["status"].to_dict() == {1: "rejected", 2: "sent"}
    rejected = frame.set_index("customer_id").loc[1]
    assert rejected["smtp_code"] == 550 and "User unknown" in rejected["detail"]
    events = sent_events(results, campaign_id=7)
    assert events["customer_id"].tolist() == [2] and events["outcome"].tolist() == ["sent"]


def test_a_wrong_password_stops_before_sending_and_the_error_never_shows_it() -> None:
    eligibility = allowed_contacts(members(), "email", consents())
    with smtp_stand_in(user="club", password="the-right-one") as server:
        sender = SmtpCampaignSender(config(server.port))
        with pytest.raises(SmtpSendingError) as raised:
            sender.send(eligibility, CONTENT, unsubscribe_link=link_for, now=lambda: NOW)
    message = str(raised.value)
    assert "refused the login" in message
    assert PASSWORD not in message and "p%40ss" not in message and "***" in message
    assert server.received == []


def test_an_unreachable_relay_is_reported_without_the_password() -> None:
    with smtp_stand_in() as server:
        port = server.port  # closed once the block ends
    eligibility = allowed_contacts(members(), "email", consents())
    with pytest.raises(SmtpSendingError) as raised:
        SmtpCampaignSender(config(port)).send(eligibility, CONTENT, unsubscribe_link=link_for)
    assert "cannot reach smtp://club:***@127.0.0.1" in str(raised.value)
    assert PASSWORD not in str(raised.value)


def _tls() -> tuple[ssl.SSLContext, ssl.SSLContext]:
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_context)
    client_context = ssl.create_default_context()
    authority.configure_trust(client_context)
    return server_context, client_context


def test_starttls_is_used_when_offered_and_the_login_happens_encrypted() -> None:
    server_context, client_context = _tls()
    eligibility = allowed_contacts(members(), "email", consents())
    with smtp_stand_in(user="club", password=PASSWORD, tls_context=server_context,
                       require_starttls=True) as server:
        results = SmtpCampaignSender(config(server.port, extra="&starttls=required"),
                                     ssl_context=client_context).send(
            eligibility, CONTENT, unsubscribe_link=link_for, now=lambda: NOW)
    assert [r.status for r in results] == ["sent", "sent"]
    assert server.logins == [("club", PASSWORD)]


def test_smtps_speaks_tls_from_the_first_byte_and_checks_the_certificate() -> None:
    server_context, client_context = _tls()
    eligibility = allowed_contacts(members(), "email", consents())
    with smtp_stand_in(user="club", password=PASSWORD, tls_context=server_context,
                       implicit_tls=True) as server:
        results = SmtpCampaignSender(config(server.port, scheme="smtps"),
                                     ssl_context=client_context).send(
            eligibility, CONTENT, unsubscribe_link=link_for, now=lambda: NOW)
        assert [r.status for r in results] == ["sent", "sent"]
        # Without trusting the test authority, the relay's certificate is refused.
        with pytest.raises(SmtpSendingError, match="cannot reach"):
            SmtpCampaignSender(config(server.port, scheme="smtps")).send(
                eligibility, CONTENT, unsubscribe_link=link_for)


def test_a_password_is_never_sent_in_clear_to_a_remote_relay() -> None:
    remote = SmtpConfig("smtp", "relay.example.org", 587, "club", PASSWORD, "a@b.fr")
    assert not may_login_without_tls(remote)
    assert may_login_without_tls(SmtpConfig("smtp", "127.0.0.1", 25, "club", PASSWORD))
    assert may_login_without_tls(SmtpConfig("smtp", "relay.lan", 25, "club", PASSWORD,
                                            starttls="off"))


def test_starttls_required_but_not_offered_stops_before_any_login() -> None:
    with smtp_stand_in(user="club", password=PASSWORD) as server:
        sender = SmtpCampaignSender(config(server.port, extra="&starttls=required"))
        with pytest.raises(SmtpSendingError, match="does not offer STARTTLS"):
            sender.send(allowed_contacts(members(), "email", consents()), CONTENT,
                        unsubscribe_link=link_for)
    assert server.logins == [] and server.received == []


def test_the_control_group_can_never_be_emailed() -> None:
    listed = members().assign(group=["contacted", "control", "contacted", "contacted"])
    eligibility = allowed_contacts(listed, "email", consents())
    with smtp_stand_in() as server, pytest.raises(ValueError, match="control"):
        SmtpCampaignSender(config(server.port, user=None)).send(
            eligibility, CONTENT, unsubscribe_link=link_for)
    assert server.received == []


def test_sending_pauses_between_messages_to_respect_the_rate() -> None:
    clock = {"now": 100.0}
    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        clock["now"] += seconds

    limiter = RateLimiter(4.0, clock=lambda: clock["now"], sleep=sleep)
    for _ in range(5):
        limiter.wait()
        clock["now"] += 0.05  # the send itself
    assert len(pauses) == 4 and all(abs(p - 0.2) < 1e-9 for p in pauses)


def test_after_repeated_failures_the_rest_is_not_attempted_but_listed() -> None:
    many = pd.DataFrame({"customer_id": range(10),
                         "email": [f"p{i}@example.fr" for i in range(10)]})
    agreed = consent_frame([ConsentRecord(i, "email", "opt_in", None, "t") for i in range(10)])
    eligibility = allowed_contacts(many, "email", agreed)
    with smtp_stand_in() as server:
        server.try_later = True  # 451 to every recipient: the relay is throttling
        sender = SmtpCampaignSender(config(server.port, user=None), max_consecutive_failures=3)
        results = sender.send(eligibility, CONTENT, unsubscribe_link=link_for)
    assert [r.status for r in results] == ["failed"] * 3 + ["not_attempted"] * 7
    assert results[0].smtp_code == 451
    assert [r.customer_id for r in results] == list(range(10))
    assert server.received == []


def test_the_smtp_url_setting_is_read_and_validated() -> None:
    settings = load_settings({"ARENA_SMTP_URL": "smtps://u:p@mail.example.org?from=a%40b.fr"})
    parsed = SmtpConfig.from_settings(settings)
    assert parsed is not None and parsed.port == 465 and parsed.sender == "a@b.fr"
    assert "p@" not in repr(parsed) and "password" not in repr(parsed)
    assert SmtpConfig.from_settings(load_settings({})) is None
    with pytest.raises(SmtpConfigError) as raised:
        SmtpConfig.from_url("http://u:hunter2@mail.example.org")
    assert "hunter2" not in str(raised.value)
    with pytest.raises(SmtpConfigError):
        SmtpConfig.from_url("smtp://mail.example.org?sender=x")
    assert redact_url("smtp://u:hunter2@h:25") == "smtp://u:***@h:25"
