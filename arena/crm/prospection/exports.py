"""Column layouts of the campaign exports: the call sheet, the Brevo and Mailchimp contact
imports, the SMS gateway file. Frames only: the file is written by the project's one CSV writer
(which neutralizes spreadsheet formulas) or, for the Excel call sheet, by `call_sheet_xlsx`.

Every layout is built from a `ContactEligibility` of the same channel — never from a bare list —
so a contact without consent for the channel cannot reach a file; and a list that still holds
control-group members is refused (they must never be contacted). Only the fields the channel
needs are written: an email export carries no phone number, an SMS export no email.

Vendor layouts, as their import documentation names the fields: Brevo's default contact
attributes ``EMAIL``, ``FIRSTNAME``, ``LASTNAME`` (``PRENOM``, ``NOM`` on an account created in
French), ``SMS`` (with the country code), and ``EXT_ID`` (an outside identifier); Mailchimp's
``Email Address`` (required), ``First Name``, ``Last Name`` and ``Tags``.
"""

from __future__ import annotations

from collections.abc import Mapping
from string import Template

import pandas as pd
import phonenumbers

from arena.crm.prospection.channels import CUSTOMER_ID, Channel
from arena.crm.prospection.control_groups import GROUP_CONTROL
from arena.crm.prospection.eligibility import ContactEligibility

CALL_SHEET_COLUMNS = ("rank", CUSTOMER_ID, "first_name", "last_name", "phone", "phone_display",
                      "city", "age", "season_ticket_status", "probability", "reasons",
                      "previous_outcome", "outcome", "call_back_at", "note")
# Headers a caller reads, per language (the UI passes the user's).
CALL_SHEET_LABELS: dict[str, dict[str, str]] = {
    "fr": {"rank": "Priorité", CUSTOMER_ID: "N° client", "first_name": "Prénom",
           "last_name": "Nom", "phone": "Téléphone (international)", "phone_display": "Téléphone",
           "city": "Ville", "age": "Âge", "season_ticket_status": "Abonnement",
           "probability": "Probabilité (%)", "reasons": "Pourquoi l'appeler",
           "previous_outcome": "Dernier résultat", "outcome": "Résultat de l'appel",
           "call_back_at": "Rappeler le", "note": "Commentaire"},
    "en": {"rank": "Priority", CUSTOMER_ID: "Customer no.", "first_name": "First name",
           "last_name": "Last name", "phone": "Phone (international)", "phone_display": "Phone",
           "city": "City", "age": "Age", "season_ticket_status": "Season ticket",
           "probability": "Probability (%)", "reasons": "Why call",
           "previous_outcome": "Last outcome", "outcome": "Call outcome",
           "call_back_at": "Call back on", "note": "Note"},
}


def _contactable(eligibility: ContactEligibility, channel: Channel) -> pd.DataFrame:
    if eligibility.channel is not channel:
        raise ValueError(f"this export is for the {channel.value} channel, the list was checked "
                         f"for {eligibility.channel.value}")
    allowed = eligibility.allowed
    if "group" in allowed.columns and (allowed["group"] == GROUP_CONTROL).any():
        raise ValueError("the list holds control-group members, who are never contacted")
    return allowed


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series("", index=frame.index, dtype="object")
    return frame[column].astype("object").where(frame[column].notna(), "")


def national_format(e164: str) -> str:
    """A number as a caller dials it from France ("06 12 34 56 78"), international otherwise."""
    number = phonenumbers.parse(e164, None)
    style = (phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == 33
             else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, style)


def call_sheet_frame(eligibility: ContactEligibility, *,
                     probabilities: pd.Series | None = None,
                     reasons: pd.Series | None = None,
                     previous_outcomes: pd.Series | None = None,
                     labels: str | None = None) -> pd.DataFrame:
    """The call sheet, best prospects first (``CALL_SHEET_COLUMNS``).

    ``probabilities``, ``reasons`` (a text or a list of texts from the score, e.g. "abonné
    depuis 6 saisons", "habite à 8 km") and ``previous_outcomes`` are indexed by customer id.
    The member rows may carry first_name, last_name, city, age, season_ticket_status.
    ``labels`` "fr" or "en" renames the headers for people; None keeps the codes.
    """
    allowed = _contactable(eligibility, Channel.PHONE)
    ids = allowed[CUSTOMER_ID]
    frame = pd.DataFrame({
        CUSTOMER_ID: ids.to_numpy(),
        "first_name": _text(allowed, "first_name").to_numpy(),
        "last_name": _text(allowed, "last_name").to_numpy(),
        "phone": allowed["address"].to_numpy(),
        "phone_display": [national_format(p) for p in allowed["address"]],
        "city": _text(allowed, "city").to_numpy(),
        "age": (pd.to_numeric(allowed["age"], errors="coerce").astype("Int64").to_numpy()
                if "age" in allowed.columns else pd.NA),
        "season_ticket_status": _text(allowed, "season_ticket_status").to_numpy(),
    })
    probability = (ids.map(probabilities) if probabilities is not None
                   else pd.Series(float("nan"), index=ids.index))
    frame["probability"] = (pd.to_numeric(probability, errors="coerce") * 100).round(1).to_numpy()
    frame["reasons"] = [_join_reasons(r) for r in (ids.map(reasons) if reasons is not None
                                                   else [None] * len(ids))]
    frame["previous_outcome"] = (ids.map(previous_outcomes).astype("object").fillna("").to_numpy()
                                 if previous_outcomes is not None else "")
    frame = frame.sort_values(["probability", CUSTOMER_ID], ascending=[False, True],
                              na_position="last", kind="stable").reset_index(drop=True)
    frame["rank"] = range(1, len(frame) + 1)
    frame["outcome"] = ""
    frame["call_back_at"] = ""
    frame["note"] = ""
    frame = frame[list(CALL_SHEET_COLUMNS)]
    return frame.rename(columns=CALL_SHEET_LABELS[labels]) if labels else frame


def _join_reasons(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, list | tuple):
        return " ; ".join(str(v) for v in value if v)
    return str(value)


def brevo_email_frame(eligibility: ContactEligibility, *, account_language: str = "en"
                      ) -> pd.DataFrame:
    """Brevo contact import for an email campaign: EMAIL, FIRSTNAME/LASTNAME (PRENOM/NOM on a
    French account), EXT_ID."""
    allowed = _contactable(eligibility, Channel.EMAIL)
    first, last = ("PRENOM", "NOM") if account_language == "fr" else ("FIRSTNAME", "LASTNAME")
    return pd.DataFrame({"EMAIL": allowed["address"].to_numpy(),
                         first: _text(allowed, "first_name").to_numpy(),
                         last: _text(allowed, "last_name").to_numpy(),
                         "EXT_ID": allowed[CUSTOMER_ID].astype(str).to_numpy()})


def brevo_sms_frame(eligibility: ContactEligibility, *, account_language: str = "en"
                    ) -> pd.DataFrame:
    """Brevo contact import for an SMS campaign: SMS (+country code), names, EXT_ID."""
    allowed = _contactable(eligibility, Channel.SMS)
    first, last = ("PRENOM", "NOM") if account_language == "fr" else ("FIRSTNAME", "LASTNAME")
    return pd.DataFrame({"SMS": allowed["address"].to_numpy(),
                         first: _text(allowed, "first_name").to_numpy(),
                         last: _text(allowed, "last_name").to_numpy(),
                         "EXT_ID": allowed[CUSTOMER_ID].astype(str).to_numpy()})


def mailchimp_frame(eligibility: ContactEligibility, *, tags: tuple[str, ...] = ()
                    ) -> pd.DataFrame:
    """Mailchimp audience import: Email Address, First Name, Last Name, Tags (comma-separated,
    e.g. the campaign's name, to build the campaign's segment in Mailchimp)."""
    allowed = _contactable(eligibility, Channel.EMAIL)
    return pd.DataFrame({"Email Address": allowed["address"].to_numpy(),
                         "First Name": _text(allowed, "first_name").to_numpy(),
                         "Last Name": _text(allowed, "last_name").to_numpy(),
                         "Tags": ",".join(tags)})


SMS_GATEWAY_COLUMNS = ("phone_number", "first_name", "last_name", "customer_id", "message")


def sms_gateway_frame(eligibility: ContactEligibility, *, message: str | None = None,
                      stop_mention: str | None = None, with_plus: bool = True) -> pd.DataFrame:
    """A generic SMS gateway file: the number in E.164 (``+33612345678``, or ``33612345678``
    for gateways that want digits only), names, customer id, and the personalized message.

    ``message`` may use ``$first_name`` and ``$last_name``. A commercial SMS in France must
    tell how to stop them: ``stop_mention`` (e.g. "STOP au 36xxx", the gateway's number) is
    required with a message and appended when the text does not already carry it.
    """
    allowed = _contactable(eligibility, Channel.SMS)
    numbers = allowed["address"].astype(str)
    frame = pd.DataFrame({
        "phone_number": (numbers if with_plus else numbers.str.lstrip("+")).to_numpy(),
        "first_name": _text(allowed, "first_name").to_numpy(),
        "last_name": _text(allowed, "last_name").to_numpy(),
        CUSTOMER_ID: allowed[CUSTOMER_ID].to_numpy(),
    })
    if message is None:
        frame["message"] = ""
    else:
        if not stop_mention:
            raise ValueError("a commercial SMS must say how to stop them: give the STOP mention")
        frame["message"] = [personalize_sms(message, row, stop_mention)
                            for row in frame.to_dict("records")]
    return frame[list(SMS_GATEWAY_COLUMNS)]


def personalize_sms(template: str, fields: Mapping[str, object], stop_mention: str) -> str:
    """The SMS text for one person, with the STOP mention at the end when it is missing."""
    text = Template(template).safe_substitute(
        first_name=str(fields.get("first_name") or ""),
        last_name=str(fields.get("last_name") or ""),
    ).strip()
    if stop_mention.lower() not in text.lower():
        text = f"{text} {stop_mention}"
    return " ".join(text.split())
