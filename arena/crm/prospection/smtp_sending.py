"""Sending an email campaign through an SMTP relay: one message per contact, rate-limited, with
an unsubscribe link and RFC 8058 one-click headers, and a result for every recipient.

Only a `ContactEligibility` for the email channel is sent — the consent rule applied with the
consents of the moment — so an unsubscribe recorded a minute ago is honoured. One message per
recipient (never a long ``To:`` or ``Bcc:``): each carries its own unsubscribe link and name,
and a refusal by the relay concerns one person only.

What can go wrong and what happens:
- the relay refuses the login or the sender: nothing is sent, `SmtpSendingError` (redacted);
- the relay refuses one recipient (5xx): that recipient is ``rejected``, the others go on;
- the connection drops: one reconnection, then the message is ``failed``;
- several failures in a row (the relay is down or throttling): sending stops and the rest are
  ``not_attempted``, to be sent again later — never silently dropped.

A ``rejected`` recipient is not turned into a bounce: a relay can refuse for its own reasons
(policy, quota); real bounces arrive in the tool's delivery report.
"""

from __future__ import annotations

import html
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from string import Template

import pandas as pd

from arena.crm.prospection.channels import CUSTOMER_ID, Channel
from arena.crm.prospection.control_groups import GROUP_CONTROL
from arena.crm.prospection.eligibility import ContactEligibility
from arena.crm.prospection.outcomes import EVENT_COLUMNS, Outcome, with_event_keys
from arena.crm.prospection.smtp_config import SmtpConfig
from arena.crm.prospection.unsubscribe import list_unsubscribe_headers

DEFAULT_FOOTER = {"fr": "Pour ne plus recevoir nos messages : $unsubscribe_url",
                  "en": "To stop receiving our messages: $unsubscribe_url"}
DEFAULT_LINK_TEXT = {"fr": "Se désinscrire", "en": "Unsubscribe"}
MAX_CONSECUTIVE_FAILURES = 5


class SmtpSendingError(RuntimeError):
    """Sending could not start or had to stop; the message never holds the password."""


@dataclass(frozen=True)
class EmailContent:
    """The campaign's message. ``subject``, ``text`` and ``html`` may use ``$first_name``,
    ``$last_name`` and ``$unsubscribe_url``; a body without the link gets a footer with it."""

    subject: str
    text: str
    html: str | None = None
    sender: str | None = None  # overrides the URL's ``from``
    sender_name: str | None = None  # "Olympique Loire"
    reply_to: str | None = None
    unsubscribe_mailto: str | None = None
    language: str = "fr"


SEND_STATUSES = ("sent", "rejected", "failed", "not_attempted")


@dataclass(frozen=True)
class SendResult:
    customer_id: object
    address: str
    status: str  # one of SEND_STATUSES
    smtp_code: int | None
    detail: str | None
    message_id: str | None
    at: pd.Timestamp


def local_now() -> pd.Timestamp:
    """The current time on the venue's clock, naive like every time in a campaign."""
    return pd.Timestamp.now(tz="Europe/Paris").tz_localize(None)


class RateLimiter:
    """At most ``rate`` messages per second: each send waits for its slot."""

    def __init__(self, rate_per_second: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = 1.0 / rate_per_second
        self.clock, self.sleep = clock, sleep
        self._next: float | None = None

    def wait(self) -> None:
        now = self.clock()
        if self._next is not None and now < self._next:
            self.sleep(self._next - now)
            now = self._next
        self._next = now + self.interval


def _clean(value: object) -> str:
    """A personal field safe in a header or a body: no line breaks, no NUL."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return " ".join(str(value).replace("\x00", "").split())


def build_message(content: EmailContent, recipient: dict[str, object], *, sender: str,
                  unsubscribe_link: str, now: pd.Timestamp) -> EmailMessage:
    """One personalized message with its List-Unsubscribe headers."""
    fields = {"first_name": _clean(recipient.get("first_name")),
              "last_name": _clean(recipient.get("last_name")),
              "unsubscribe_url": unsubscribe_link}
    message = EmailMessage()
    message["From"] = formataddr((content.sender_name, sender)) if content.sender_name else sender
    message["To"] = str(recipient["address"])
    message["Subject"] = _clean(Template(content.subject).safe_substitute(fields))
    stamp = pd.Timestamp(now)
    if stamp.tzinfo is None:  # Arena's times are the venue's local time
        stamp = stamp.tz_localize("Europe/Paris")
    message["Date"] = format_datetime(stamp.to_pydatetime())
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    if content.reply_to:
        message["Reply-To"] = content.reply_to
    for name, value in list_unsubscribe_headers(unsubscribe_link,
                                                content.unsubscribe_mailto).items():
        message[name] = value
    text = Template(content.text).safe_substitute(fields)
    if unsubscribe_link not in text:
        footer = Template(DEFAULT_FOOTER.get(content.language, DEFAULT_FOOTER["en"]))
        text = f"{text.rstrip()}\n\n-- \n{footer.safe_substitute(fields)}\n"
    message.set_content(text)
    if content.html is not None:
        escaped = {key: html.escape(value, quote=True) for key, value in fields.items()}
        body = Template(content.html).safe_substitute(escaped)
        if escaped["unsubscribe_url"] not in body:
            label = DEFAULT_LINK_TEXT.get(content.language, DEFAULT_LINK_TEXT["en"])
            body += f'\n<p><a href="{escaped["unsubscribe_url"]}">{label}</a></p>\n'
        message.add_alternative(body, subtype="html")
    return message


def may_login_without_tls(config: SmtpConfig) -> bool:
    """Whether credentials may cross an unencrypted connection: only to this machine, or when
    the administrator said the link is private (``starttls=off``)."""
    return config.is_loopback or config.starttls == "off"


class SmtpCampaignSender:
    """Sends a campaign's messages through the relay of ``ARENA_SMTP_URL``."""

    def __init__(self, config: SmtpConfig, *, ssl_context: ssl.SSLContext | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep,
                 max_consecutive_failures: int = MAX_CONSECUTIVE_FAILURES) -> None:
        self.config = config
        # Tests pass a context trusting their own authority; production verifies the relay's
        # certificate against the system's authorities.
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.limiter = RateLimiter(config.rate_per_second, clock, sleep)
        self.max_consecutive_failures = max_consecutive_failures

    def send(self, eligibility: ContactEligibility, content: EmailContent, *,
             unsubscribe_link: Callable[[dict[str, object]], str],
             now: Callable[[], pd.Timestamp] | None = None) -> list[SendResult]:
        """Send one message per allowed contact; ``unsubscribe_link(recipient)`` gives each
        recipient's link (see `arena.crm.prospection.unsubscribe`). One result per contact.
        ``now`` gives the venue's local time (Paris by default, whatever the server's zone)."""
        now = now or local_now
        if eligibility.channel is not Channel.EMAIL:
            raise ValueError("only a list checked for the email channel can be emailed")
        recipients = eligibility.allowed
        if "group" in recipients.columns and (recipients["group"] == GROUP_CONTROL).any():
            raise ValueError("the list holds control-group members, who are never contacted")
        sender = content.sender or self.config.sender or (
            self.config.username if self.config.username and "@" in self.config.username
            else None)
        if not sender:
            raise SmtpSendingError("no sender address: give one in the campaign or as from= in "
                                   "ARENA_SMTP_URL")
        results: list[SendResult] = []
        rows = recipients.to_dict("records")
        connection = self._connect()
        failures = 0
        try:
            for position, row in enumerate(rows):
                if failures >= self.max_consecutive_failures:
                    results.extend(self._not_attempted(
                        rows[position:], now(), f"stopped after {failures} failures in a row"))
                    break
                self.limiter.wait()
                message = build_message(content, row, sender=sender,
                                        unsubscribe_link=unsubscribe_link(row), now=now())
                result, connection, stop = self._send_one(connection, message, sender, row, now)
                results.append(result)
                if stop:
                    results.extend(self._not_attempted(rows[position + 1:], now(),
                                                       result.detail or "stopped"))
                    break
                failures = failures + 1 if result.status == "failed" else 0
        finally:
            self._quit(connection)
        return results

    # --- one connection, one message ----------------------------------------------------------

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        try:
            smtp: smtplib.SMTP
            if config.uses_implicit_tls:
                smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout_s,
                                        context=self.ssl_context)
            else:
                smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout_s)
            smtp.ehlo()
            encrypted = config.uses_implicit_tls
            if not encrypted and config.starttls != "off" and smtp.has_extn("starttls"):
                smtp.starttls(context=self.ssl_context)
                smtp.ehlo()
                encrypted = True
            if not encrypted and config.starttls == "required":
                smtp.close()
                raise SmtpSendingError(f"{config.redacted_url()} does not offer STARTTLS")
            if config.username:
                if not encrypted and not may_login_without_tls(config):
                    smtp.close()
                    raise SmtpSendingError(
                        f"{config.redacted_url()} offers no encryption: the password is not "
                        "sent in clear (use smtps://, or starttls=off for a private link)")
                smtp.login(config.username, config.password or "")
            return smtp
        except SmtpSendingError:
            raise
        except smtplib.SMTPAuthenticationError as error:
            raise SmtpSendingError(
                f"{config.redacted_url()} refused the login ({error.smtp_code})") from None
        except (smtplib.SMTPException, OSError) as error:
            raise SmtpSendingError(
                f"cannot reach {config.redacted_url()}: {config.redact(str(error))}") from None

    def _send_one(self, connection: smtplib.SMTP, message: EmailMessage, sender: str,
                  row: dict[str, object], now: Callable[[], pd.Timestamp]
                  ) -> tuple[SendResult, smtplib.SMTP, bool]:
        """The result for one recipient, the connection to go on with, and whether to stop
        (the relay refuses the sender itself: a quota, a sender it does not accept)."""
        address = str(row["address"])
        customer = row[CUSTOMER_ID]
        for attempt in (1, 2):
            try:
                connection.send_message(message, from_addr=sender, to_addrs=[address])
                return SendResult(customer, address, "sent", 250, None,
                                  str(message["Message-ID"]), now()), connection, False
            except smtplib.SMTPRecipientsRefused as error:
                code, reply = error.recipients.get(address, (550, b""))
                return self._refused(customer, address, code, reply, now), connection, False
            except smtplib.SMTPSenderRefused as error:
                detail = self.config.redact(
                    f"the relay refuses the sender {sender}: {error.smtp_code} "
                    f"{_reply_text(error.smtp_error)}")
                return (SendResult(customer, address, "failed", int(error.smtp_code), detail,
                                   None, now()), connection, True)
            except smtplib.SMTPDataError as error:
                return (self._refused(customer, address, error.smtp_code, error.smtp_error,
                                      now), connection, False)
            except (smtplib.SMTPException, OSError) as error:
                if attempt == 2:
                    detail = self.config.redact(str(error)) or type(error).__name__
                    return (SendResult(customer, address, "failed", None, detail, None, now()),
                            connection, False)
                self._quit(connection)
                try:
                    connection = self._connect()
                except SmtpSendingError as reconnect_error:
                    return (SendResult(customer, address, "failed", None, str(reconnect_error),
                                       None, now()), connection, False)
        raise AssertionError("unreachable")

    def _refused(self, customer: object, address: str, code: int, reply: bytes | str,
                 now: Callable[[], pd.Timestamp]) -> SendResult:
        text = _reply_text(reply)
        status = "rejected" if 500 <= int(code) < 600 else "failed"
        return SendResult(customer, address, status, int(code), self.config.redact(text), None,
                          now())

    def _not_attempted(self, rows: list[dict[str, object]], at: pd.Timestamp,
                       detail: str) -> list[SendResult]:
        return [SendResult(row[CUSTOMER_ID], str(row["address"]), "not_attempted", None, detail,
                           None, at) for row in rows]

    @staticmethod
    def _quit(connection: smtplib.SMTP) -> None:
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()


def _reply_text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def send_results_frame(results: list[SendResult]) -> pd.DataFrame:
    """Per-recipient results as a frame, for the UI and the campaign's history."""
    return pd.DataFrame([r.__dict__ for r in results],
                        columns=[CUSTOMER_ID, "address", "status", "smtp_code", "detail",
                                 "message_id", "at"])


def sent_events(results: list[SendResult], *, campaign_id: object,
                recorded_by: str = "smtp") -> pd.DataFrame:
    """``sent`` outcome events (``EVENT_COLUMNS``) for the messages the relay accepted."""
    rows = [{"event_key": "", "campaign_id": campaign_id, CUSTOMER_ID: r.customer_id,
             "channel": Channel.EMAIL.value, "outcome": Outcome.SENT.value, "at": r.at,
             "recorded_by": recorded_by, "source": "smtp", "address": r.address,
             "detail": r.message_id} for r in results if r.status == "sent"]
    frame = pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
    frame["at"] = pd.to_datetime(frame["at"])
    return with_event_keys(frame) if len(frame) else frame
