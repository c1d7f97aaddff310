"""A consent file (who said yes or no to which channel, when) read into consent records.

Two shapes are read. Long: one row per person and channel, columns ``email`` (or ``phone``),
``channel``, ``consent``, ``at`` and optionally ``source`` (French headers too: canal,
consentement, date, origine). Wide: one row per person with a consent column per channel
("Optin email", "Optin SMS"…), found by `suggest_consent_columns`.
"""

from __future__ import annotations

import pandas as pd

from arena.crm.folding import fold_text
from arena.crm.prospection.channels import CUSTOMER_ID, Channel
from arena.crm.prospection.consent import (
    CONSENT_COLUMNS,
    ConsentCause,
    ConsentImport,
    UnreadableConsent,
    consents_from_export,
    parse_consent_value,
    suggest_consent_columns,
)
from arena.crm.prospection.matching import match_customers
from arena.crm.prospection.problems import RowProblem, cell_text, problems_frame
from arena.crm.prospection.timestamps import parse_timestamp

_HEADERS = {
    "email": ("CUSTOMER-EMAIL", "EMAIL", "E-MAIL", "MAIL", "COURRIEL", "ADRESSE-EMAIL",
              "ADRESSE-MAIL", "EMAIL-ADDRESS"),
    "phone": ("PHONE", "TELEPHONE", "TEL", "MOBILE", "PORTABLE", "NUMERO", "PHONE-NUMBER"),
    "channel": ("CHANNEL", "CANAL", "MEDIA", "CHANNEL-TYPE"),
    "consent": ("CONSENT", "CONSENTEMENT", "OPTIN", "OPT-IN", "STATUS", "STATUT", "VALUE",
                "VALEUR", "CHOIX", "DECISION"),
    "at": ("AT", "DATE", "RECORDED-AT", "DATE-CONSENTEMENT", "HORODATAGE", "TIMESTAMP",
           "DATE-HEURE"),
    "source": ("SOURCE", "ORIGINE", "ORIGIN"),
}
_CHANNELS = {
    "EMAIL": (Channel.EMAIL,), "E-MAIL": (Channel.EMAIL,), "MAIL": (Channel.EMAIL,),
    "COURRIEL": (Channel.EMAIL,), "NEWSLETTER": (Channel.EMAIL,),
    "SMS": (Channel.SMS,), "TEXTO": (Channel.SMS,),
    "PHONE": (Channel.PHONE,), "TELEPHONE": (Channel.PHONE,), "TEL": (Channel.PHONE,),
    "APPEL": (Channel.PHONE,), "CALL": (Channel.PHONE,),
    "ALL": tuple(Channel), "TOUS": tuple(Channel), "TOUT": tuple(Channel),
    "TOUTES": tuple(Channel),
}


def find_header(headers: list[str], role: str) -> str | None:
    """The file's header playing ``role`` (email, phone, channel, consent, at, source)."""
    wanted = _HEADERS[role]
    for header in headers:
        if fold_text(str(header)) in wanted:
            return header
    return None


def read_consent_file(
    frame: pd.DataFrame,
    directory: pd.DataFrame,
    *,
    source: str,
    observed_at: pd.Timestamp,
    first_line: int = 2,
    default_region: str = "FR",
) -> ConsentImport:
    """Consent records from a consent file, matched to customers through ``directory``
    (customer_id, email, phone). Every row becomes records or a problem with its reason."""
    headers = [str(h) for h in frame.columns]
    key_header = find_header(headers, "email") or find_header(headers, "phone")
    if key_header is None:
        raise ValueError("a consent file needs an email or a phone column")
    kind = "email" if find_header(headers, "email") == key_header else "phone"
    keyed = frame.copy()
    keyed["line"] = range(first_line, first_line + len(frame))
    keyed["_address"] = keyed[key_header]
    matched = match_customers(keyed, directory, address_column="_address", kind=kind,
                              default_region=default_region)
    problems = matched.problems.assign(column=key_header)
    channel_header = find_header(headers, "channel")
    if channel_header is None:
        wide = suggest_consent_columns([h for h in headers if h != key_header])
        if not wide:
            raise ValueError("a consent file needs a channel and a consent column, or one "
                             "consent column per channel")
        date_header = find_header(headers, "at")
        result = consents_from_export(
            matched.rows, wide, customer_ids=matched.rows[CUSTOMER_ID], observed_at=observed_at,
            source=source, date_column=date_header, first_line=first_line)
        wide_problems = result.problems.copy()
        wide_problems["line"] = [matched.rows["line"].iloc[line - first_line]
                                 for line in wide_problems["line"]]
        return ConsentImport(result.records, _combine(problems, wide_problems))
    consent_header = find_header(headers, "consent")
    if consent_header is None:
        raise ValueError("a consent file with a channel column needs a consent column")
    return _read_long(matched.rows, problems, channel_header, consent_header,
                      find_header(headers, "at"), find_header(headers, "source"),
                      source=source, observed_at=observed_at)


def _read_long(rows: pd.DataFrame, problems: pd.DataFrame, channel_header: str,
               consent_header: str, at_header: str | None, source_header: str | None, *,
               source: str, observed_at: pd.Timestamp) -> ConsentImport:
    records: list[tuple[object, ...]] = []
    found: list[RowProblem] = []
    for row in rows.to_dict("records"):
        line = int(row["line"])
        channels = _CHANNELS.get(fold_text(cell_text(row[channel_header])))
        if channels is None:
            found.append(RowProblem(line, channel_header, cell_text(row[channel_header]),
                                    "unknown_channel"))
            continue
        try:
            reading = parse_consent_value(row[consent_header])
        except UnreadableConsent:
            found.append(RowProblem(line, consent_header, cell_text(row[consent_header]),
                                    "unreadable_consent"))
            continue
        if reading is None:
            found.append(RowProblem(line, consent_header, "", "no_consent_value"))
            continue
        at = reading.at
        if at is None and at_header is not None and cell_text(row[at_header]).strip():
            at = parse_timestamp(row[at_header])
            if at is None:
                found.append(RowProblem(line, at_header, cell_text(row[at_header]),
                                        "invalid_date"))
                continue
        row_source = cell_text(row[source_header]).strip() if source_header else ""
        for channel in channels:
            records.append((row[CUSTOMER_ID], channel.value, reading.status.value,
                            ConsentCause.STATED.value, at or observed_at,
                            row_source or source, None))
    frame = pd.DataFrame(records, columns=list(CONSENT_COLUMNS))
    frame["recorded_at"] = pd.to_datetime(frame["recorded_at"])
    return ConsentImport(frame, _combine(problems, problems_frame(found)))


def _combine(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    parts = [frame for frame in (first, second) if len(frame)]
    if not parts:
        return first.iloc[0:0]
    return pd.concat(parts, ignore_index=True).sort_values("line", kind="stable").reset_index(
        drop=True)
