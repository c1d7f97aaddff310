"""Delivery reports of mailing and SMS tools read into outcome events.

Read as the tools write them (checked against their documentation):

- **Brevo (Sendinblue)** event exports and webhook logs: one row per event, columns ``email``,
  ``event`` and the time as ``date_event`` (the account's local time), ``date``, or ``ts_event``
  / ``ts`` (Unix seconds, UTC). Marketing events are ``delivered``, ``opened``, ``click``,
  ``hard_bounce``, ``soft_bounce``, ``unsubscribe``, ``spam``, ``proxy_open``; transactional
  ones ``request``, ``delivered``, ``opened``/``uniqueOpened``, ``clicks``, ``hardBounces``,
  ``softBounces``, ``blocked``, ``invalid``, ``deferred``, ``error``, ``unsubscribed``,
  ``loadedByProxy``.
- **Mailchimp** audience exports: ``Email Address`` with ``UNSUB_TIME`` (the unsubscribed
  members' file) or ``CLEAN_TIME`` (the cleaned, i.e. hard-bounced, members' file); and the
  activity lists of a campaign report (opened, clicked, bounced…), which carry ``Email Address``
  but not the activity, given by the caller.
- **SMS gateways**: a CSV of delivery receipts with the number, the SMPP status
  (``DELIVRD``, ``UNDELIV``, ``REJECTD``, ``EXPIRED``, ``DELETED``, ``UNKNOWN``, ``ENROUTE``,
  ``ACCEPTD``) or its plain-word equivalent, and the status date (SMPP ``done date`` as
  ``YYMMDDhhmm`` included).

Every row is an event or a problem with its reason. Opens by mail-client proxies are not counted
(they open every message); permanent failures are bounces and stop the address (the safe side:
Brevo's ``blocked`` and the SMS ``REJECTD`` are read as bounces too).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from arena.crm.folding import fold_text
from arena.crm.prospection.channels import Channel, normalize_email_address, phone_to_e164
from arena.crm.prospection.matching import match_customers
from arena.crm.prospection.outcome_files import OutcomeImport
from arena.crm.prospection.outcomes import EVENT_COLUMNS, Outcome, check_outcome, with_event_keys
from arena.crm.prospection.problems import PROBLEM_COLUMNS, RowProblem, cell_text, problems_frame
from arena.crm.prospection.timestamps import parse_epoch_seconds, parse_timestamp

REPORT_ROW_COLUMNS = ("line", "address", "outcome", "at", "detail")


@dataclass(frozen=True)
class DeliveryReport:
    """A tool's report read into rows (``REPORT_ROW_COLUMNS``) not yet matched to customers."""

    tool: str  # brevo, mailchimp, sms_gateway
    channel: Channel
    rows: pd.DataFrame
    problems: pd.DataFrame


def _key(text: object) -> str:
    return re.sub(r"[^a-z]", "", str(text).lower())


_BREVO_EVENTS: dict[str, tuple[Outcome | None, str | None]] = {
    **{k: (Outcome.SENT, None) for k in ("request", "requests", "sent")},
    **{k: (Outcome.DELIVERED, None) for k in ("delivered",)},
    **{k: (Outcome.OPENED, None) for k in ("opened", "open", "uniqueopened", "firstopening")},
    **{k: (Outcome.CLICKED, None) for k in ("click", "clicks", "clicked")},
    **{k: (Outcome.BOUNCED, k) for k in ("hardbounce", "hardbounces", "hardbounced", "invalid",
                                          "invalidemail", "blocked")},
    **{k: (Outcome.SOFT_BOUNCED, k) for k in ("softbounce", "softbounces", "softbounced",
                                               "deferred", "error")},
    **{k: (Outcome.UNSUBSCRIBED, None) for k in ("unsubscribe", "unsubscribed")},
    **{k: (Outcome.UNSUBSCRIBED, "complaint") for k in ("spam", "complaint", "markedasspam")},
    **{k: (None, "proxy_open_not_counted") for k in ("proxyopen", "loadedbyproxy",
                                                     "uniqueproxyopen", "uniqueproxyopened")},
    **{k: (None, "not_a_delivery_event") for k in ("contactdeleted", "contactupdated",
                                                   "listaddition", "uniquecouponsent")},
}

_SMS_STATUSES: dict[str, tuple[Outcome | None, str | None]] = {
    **{k: (Outcome.DELIVERED, None) for k in ("DELIVRD", "DELIVERED", "DELIVRE", "DELIVREE",
                                              "LIVRE", "RECU", "SUCCESS", "OK")},
    **{k: (Outcome.BOUNCED, k.lower()) for k in ("UNDELIV", "UNDELIVERABLE", "UNDELIVERED",
                                                 "REJECTD", "REJECTED", "FAILED", "ECHEC",
                                                 "INVALID", "NOROUTE", "NON-DELIVRE")},
    **{k: (Outcome.SOFT_BOUNCED, k.lower()) for k in ("EXPIRED", "EXPIRE", "DELETED",
                                                      "UNKNOWN", "INCONNU")},
    **{k: (Outcome.SENT, None) for k in ("ENROUTE", "ACCEPTD", "ACCEPTED", "SUBMITD",
                                         "SUBMITTED", "PENDING", "BUFFERED", "QUEUED", "SENT",
                                         "ENVOYE", "EN-ATTENTE", "STAGED")},
    **{k: (Outcome.UNSUBSCRIBED, k.lower()) for k in ("STOP", "OPTOUT", "OPT-OUT", "UNSUBSCRIBED",
                                                      "DESINSCRIT", "BLIST", "BLACKLISTED")},
    **{k: (None, "not_sent") for k in ("CANCELLED", "CANCELED", "ANNULE")},
}

_SMS_PHONE_HEADERS = ("PHONE", "PHONE-NUMBER", "NUMBER", "MSISDN", "TO", "RECIPIENT",
                      "DESTINATION", "DEST", "DESTINATAIRE", "MOBILE", "NUMERO", "TELEPHONE",
                      "NUMERO-DE-TELEPHONE", "DESTINATION-ADDR")
_SMS_STATUS_HEADERS = ("STATUS", "STAT", "DLR-STATUS", "DLR", "STATE", "STATUT", "ETAT",
                       "DELIVERY-STATUS", "MESSAGE-STATE")
_SMS_DATE_HEADERS = ("DONE-DATE", "DELIVERED-AT", "STATUS-DATE", "DATE-STATUT", "DATE",
                     "TIMESTAMP", "UPDATED-AT", "DATE-HEURE", "SUBMIT-DATE", "SENT-AT")


def _header(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    folded = {fold_text(str(column)): column for column in frame.columns}
    for name in names:
        if name in folded:
            return str(folded[name])
    return None


def detect_report_tool(frame: pd.DataFrame) -> str | None:
    """Which tool wrote this report: brevo, mailchimp, sms_gateway, or None."""
    if _header(frame, ("EMAIL-ADDRESS",)):
        return "mailchimp"
    if _header(frame, ("EMAIL",)) and _header(frame, ("EVENT",)):
        return "brevo"
    if _header(frame, _SMS_PHONE_HEADERS) and _header(frame, _SMS_STATUS_HEADERS):
        return "sms_gateway"
    return None


def read_brevo_report(frame: pd.DataFrame, *, timezone: str = "Europe/Paris",
                      first_line: int = 2) -> DeliveryReport:
    """A Brevo event export (see the module docstring)."""
    email_header, event_header = _header(frame, ("EMAIL",)), _header(frame, ("EVENT",))
    if email_header is None or event_header is None:
        raise ValueError("a Brevo report needs the columns email and event")
    local = _header(frame, ("DATE-EVENT", "DATE"))
    epoch = _header(frame, ("TS-EVENT", "TS"))
    if local is None and epoch is None:
        raise ValueError("a Brevo report needs a date_event, date, ts_event or ts column")
    rows, problems = [], []
    for position, row in enumerate(frame.to_dict("records")):
        line = first_line + position
        mapped = _BREVO_EVENTS.get(_key(row[event_header]))
        if mapped is None:
            problems.append(RowProblem(line, event_header, cell_text(row[event_header]),
                                       "unknown_event"))
            continue
        outcome, detail = mapped
        if outcome is None:
            problems.append(RowProblem(line, event_header, cell_text(row[event_header]),
                                       detail or "not_a_delivery_event"))
            continue
        at = parse_timestamp(row[local]) if local else None
        if at is None and epoch is not None:
            at = parse_epoch_seconds(row[epoch], timezone)
        if at is None:
            column = local or epoch or ""
            problems.append(RowProblem(line, column, cell_text(row.get(column)), "invalid_date"))
            continue
        address = normalize_email_address(row[email_header])
        if address is None:
            problems.append(RowProblem(line, email_header, cell_text(row[email_header]),
                                       "invalid_email"))
            continue
        rows.append((line, address, outcome.value, at, detail))
    return DeliveryReport("brevo", Channel.EMAIL, _rows(rows), problems_frame(problems))


def read_mailchimp_export(frame: pd.DataFrame, *, activity: Outcome | str | None = None,
                          observed_at: pd.Timestamp | None = None,
                          source_timezone: str = "UTC", timezone: str = "Europe/Paris",
                          first_line: int = 2) -> DeliveryReport:
    """A Mailchimp export: the unsubscribed or cleaned members' file (dated by ``UNSUB_TIME``
    / ``CLEAN_TIME``), or a campaign activity list whose ``activity`` (opened, clicked,
    bounced, unsubscribed, delivered, sent) and date ``observed_at`` the caller gives."""
    email_header = _header(frame, ("EMAIL-ADDRESS",))
    if email_header is None:
        raise ValueError("a Mailchimp export needs the column 'Email Address'")
    unsub, clean = _header(frame, ("UNSUB-TIME",)), _header(frame, ("CLEAN-TIME",))
    if unsub is not None:
        outcome, time_header, reason = Outcome.UNSUBSCRIBED, unsub, _header(frame, ("UNSUB-REASON",))
    elif clean is not None:
        outcome, time_header, reason = Outcome.BOUNCED, clean, None
    else:
        if activity is None or observed_at is None:
            raise ValueError("a Mailchimp activity list does not say what happened: give the "
                             "activity (opened, clicked, bounced…) and its date")
        outcome, time_header, reason = check_outcome(Channel.EMAIL, activity), None, None
    rows, problems = [], []
    for position, row in enumerate(frame.to_dict("records")):
        line = first_line + position
        if time_header is not None:
            raw_time = row[time_header]
            at = _from_zone(parse_timestamp(raw_time), source_timezone, timezone)
            if at is None:
                problems.append(RowProblem(line, time_header, cell_text(raw_time), "invalid_date"))
                continue
        else:
            at = pd.Timestamp(observed_at)
        address = normalize_email_address(row[email_header])
        if address is None:
            problems.append(RowProblem(line, email_header, cell_text(row[email_header]),
                                       "invalid_email"))
            continue
        detail = cell_text(row[reason]).strip() or None if reason else (
            "cleaned" if outcome is Outcome.BOUNCED and clean else None)
        rows.append((line, address, outcome.value, at, detail))
    return DeliveryReport("mailchimp", Channel.EMAIL, _rows(rows), problems_frame(problems))


def read_sms_gateway_report(frame: pd.DataFrame, *, default_region: str = "FR",
                            timezone: str = "Europe/Paris",
                            first_line: int = 2) -> DeliveryReport:
    """An SMS gateway's delivery receipts (number, SMPP or plain status, status date)."""
    phone_header = _header(frame, _SMS_PHONE_HEADERS)
    status_header = _header(frame, _SMS_STATUS_HEADERS)
    date_header = _header(frame, _SMS_DATE_HEADERS)
    if phone_header is None or status_header is None or date_header is None:
        raise ValueError("an SMS report needs a number, a status and a date column")
    rows, problems = [], []
    for position, row in enumerate(frame.to_dict("records")):
        line = first_line + position
        mapped = _SMS_STATUSES.get(fold_text(cell_text(row[status_header])))
        if mapped is None:
            problems.append(RowProblem(line, status_header, cell_text(row[status_header]),
                                       "unknown_status"))
            continue
        outcome, detail = mapped
        if outcome is None:
            problems.append(RowProblem(line, status_header, cell_text(row[status_header]),
                                       detail or "not_sent"))
            continue
        at = _smpp_date(row[date_header]) or parse_timestamp(row[date_header], timezone)
        if at is None:
            at = parse_epoch_seconds(row[date_header], timezone)
        if at is None:
            problems.append(RowProblem(line, date_header, cell_text(row[date_header]),
                                       "invalid_date"))
            continue
        number = cell_text(row[phone_header]).strip()
        # Gateways often write international numbers without the "+" (33612345678).
        if re.fullmatch(r"\d{11,15}", number) and not number.startswith("0"):
            number = "+" + number
        address = phone_to_e164(number, default_region)
        if address is None:
            problems.append(RowProblem(line, phone_header, cell_text(row[phone_header]),
                                       "invalid_phone"))
            continue
        rows.append((line, address, outcome.value, at, detail))
    return DeliveryReport("sms_gateway", Channel.SMS, _rows(rows), problems_frame(problems))


def read_delivery_report(frame: pd.DataFrame, **options: object) -> DeliveryReport:
    """Detect the tool and read its report (options are passed to the tool's reader)."""
    tool = detect_report_tool(frame)
    if tool == "brevo":
        return read_brevo_report(frame, **options)  # type: ignore[arg-type]
    if tool == "mailchimp":
        return read_mailchimp_export(frame, **options)  # type: ignore[arg-type]
    if tool == "sms_gateway":
        return read_sms_gateway_report(frame, **options)  # type: ignore[arg-type]
    raise ValueError("this file is not a Brevo, Mailchimp or SMS gateway report Arena knows")


def report_events(report: DeliveryReport, members: pd.DataFrame, *, campaign_id: object,
                  recorded_by: str, default_region: str = "FR") -> OutcomeImport:
    """The report's rows matched to the campaign's ``members`` (customer_id, email, phone) as
    outcome events; rows about anyone else are problems (``not_in_campaign``)."""
    kind = "email" if report.channel is Channel.EMAIL else "phone"
    matched = match_customers(report.rows, members, address_column="address", kind=kind,
                              default_region=default_region)
    events = matched.rows.assign(campaign_id=campaign_id, channel=report.channel.value,
                                 recorded_by=recorded_by, source=report.tool, event_key="")
    events["at"] = pd.to_datetime(events["at"])
    events = with_event_keys(events)[[*EVENT_COLUMNS, "line"]]
    # The same event twice in a report (a tool logging a retry) is one event.
    repeated = events.duplicated(["event_key"], keep="first")
    duplicates = pd.DataFrame({"line": events.loc[repeated, "line"], "column": "address",
                               "value": events.loc[repeated, "address"], "code": "duplicate_row"})
    not_member = matched.problems.assign(code="not_in_campaign")
    problems = pd.concat([frame for frame in (report.problems, not_member, duplicates)
                          if len(frame)] or [problems_frame([])], ignore_index=True)
    return OutcomeImport(events[~repeated].reset_index(drop=True),
                         problems[list(PROBLEM_COLUMNS)].sort_values("line", kind="stable")
                         .reset_index(drop=True))


def _rows(rows: Sequence[tuple[object, ...]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(REPORT_ROW_COLUMNS))
    frame["at"] = pd.to_datetime(frame["at"])
    return frame


def _smpp_date(raw: object) -> pd.Timestamp | None:
    """SMPP's ``done date``: YYMMDDhhmm or YYMMDDhhmmss."""
    text = cell_text(raw).strip()
    if not re.fullmatch(r"\d{10}|\d{12}", text):
        return None
    try:
        return pd.Timestamp(year=2000 + int(text[0:2]), month=int(text[2:4]), day=int(text[4:6]),
                            hour=int(text[6:8]), minute=int(text[8:10]),
                            second=int(text[10:12] or 0))
    except ValueError:
        return None


def _from_zone(stamp: pd.Timestamp | None, source: str, target: str) -> pd.Timestamp | None:
    if stamp is None:
        return None
    return stamp.tz_localize(source).tz_convert(target).tz_localize(None)

