"""Consent per channel: the records (opt-in / opt-out, when, from where) and how to read them.

A consent record is a fact appended to a history, never an edit: "on 3 March 2025 the ticketing
export said yes for email", "on 9 June the person clicked unsubscribe". The decision in force for
a customer and a channel is the latest record; at equal times an opt-out wins, and a record
without a date counts as older than any dated one. Bounces and wrong numbers are opt-outs tied
to the address that failed: a customer who gives a new address is no longer blocked by them.

Reading consent from files: `parse_consent_value` reads the French and English values ticketing
exports use ("oui/non", "opt-in", "1/0", "Accepte les communications", a date), and
`suggest_consent_columns` finds the consent columns of an export by their headers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import pandas as pd

from arena.crm.folding import fold_text
from arena.crm.prospection.channels import CUSTOMER_ID, Channel
from arena.crm.prospection.problems import RowProblem, cell_text, problems_frame
from arena.crm.prospection.timestamps import parse_timestamp


class ConsentStatus(StrEnum):
    OPT_IN = "opt_in"
    OPT_OUT = "opt_out"


class ConsentCause(StrEnum):
    """Why a record was written: the person's stated choice, or what a campaign taught us."""

    STATED = "stated"  # a form, an export column, a consent file, a staff member
    UNSUBSCRIBED = "unsubscribed"  # unsubscribe link, STOP reply, "ne plus m'appeler", spam complaint
    BOUNCED = "bounced"  # the address does not exist (hard bounce, undeliverable SMS)
    WRONG_NUMBER = "wrong_number"  # a caller reached someone else at this number


# Causes that are about one address rather than the person's wish.
ADDRESS_CAUSES = frozenset({ConsentCause.BOUNCED, ConsentCause.WRONG_NUMBER})
CONSENT_COLUMNS = (CUSTOMER_ID, "channel", "status", "cause", "recorded_at", "source", "address")


@dataclass(frozen=True)
class ConsentRecord:
    """One consent fact for one customer and one channel."""

    customer_id: object
    channel: Channel
    status: ConsentStatus
    recorded_at: pd.Timestamp | None
    source: str
    cause: ConsentCause = ConsentCause.STATED
    address: str | None = None  # for bounces and wrong numbers: the address that failed

    def as_row(self) -> tuple[object, ...]:
        return (self.customer_id, Channel(self.channel).value, ConsentStatus(self.status).value,
                ConsentCause(self.cause).value, self.recorded_at, self.source, self.address)


def consent_frame(records: Iterable[ConsentRecord] = ()) -> pd.DataFrame:
    """Records as a frame with ``CONSENT_COLUMNS`` (the shape every function here takes)."""
    frame = pd.DataFrame([r.as_row() for r in records], columns=list(CONSENT_COLUMNS))
    frame["recorded_at"] = pd.to_datetime(frame["recorded_at"])
    return frame


def latest_decisions(records: pd.DataFrame, channel: Channel | str,
                     addresses: pd.Series | None = None) -> pd.DataFrame:
    """The record in force per customer for one channel (one row per customer).

    ``addresses``: each customer's current address for the channel (indexed by customer id),
    so that a bounce on an old address does not block a new one.
    """
    channel = Channel(channel)
    missing = set(CONSENT_COLUMNS) - {"address"} - set(records.columns)
    if missing:
        raise ValueError(f"consent records lack the columns {sorted(missing)}")
    rows = records[records["channel"].astype(str) == channel.value].copy()
    if "address" not in rows.columns:
        rows["address"] = None
    if addresses is not None and len(rows):
        current = rows[CUSTOMER_ID].map(addresses)
        tied = rows["cause"].isin([c.value for c in ADDRESS_CAUSES]) & rows["address"].notna()
        rows = rows[~tied | (rows["address"].astype("string") == current.astype("string"))
                    .fillna(False).astype(bool)]
    rows["_out"] = (rows["status"].astype(str) == ConsentStatus.OPT_OUT.value).astype(int)
    rows["_when"] = pd.to_datetime(rows["recorded_at"])
    # Undated first, then by time; at equal times the opt-out sorts last and wins.
    rows = rows.sort_values(["_when", "_out"], kind="stable", na_position="first")
    latest = rows.drop_duplicates(CUSTOMER_ID, keep="last")
    return latest.drop(columns=["_out", "_when"]).set_index(CUSTOMER_ID)


def current_consents(records: pd.DataFrame) -> pd.DataFrame:
    """Every customer's decision in force per channel, for the 360° view and the GDPR export:
    customer_id, channel, status, cause, recorded_at, source."""
    frames = []
    for channel in Channel:
        latest = latest_decisions(records, channel).reset_index()
        frames.append(latest[[CUSTOMER_ID, "channel", "status", "cause", "recorded_at", "source"]])
    return pd.concat(frames, ignore_index=True)


# --- reading consent values --------------------------------------------------------------------


class UnreadableConsent(ValueError):
    """A consent cell that is neither yes, no, blank nor a date."""


@dataclass(frozen=True)
class ConsentReading:
    status: ConsentStatus
    at: pd.Timestamp | None = None  # the date the value itself carried ("opt-in le 03/03/2025")


_YES = {"OUI", "O", "YES", "Y", "1", "1-0", "TRUE", "VRAI", "X", "OK", "OPT-IN", "OPTIN", "ACCEPTE",
        "ACCEPTEE", "ACCEPTED", "ACCEPT", "JACCEPTE", "CONSENT", "CONSENTI", "CONSENTEMENT",
        "GRANTED", "AUTORISE", "AUTORISEE", "SUBSCRIBED", "INSCRIT", "INSCRITE", "AGREED"}
_NO = {"NON", "N", "NO", "0", "0-0", "FALSE", "FAUX", "OPT-OUT", "OPTOUT", "REFUSE", "REFUSEE",
       "REFUSED", "REFUS", "DESINSCRIT", "DESINSCRITE", "DESABONNE", "DESABONNEE",
       "UNSUBSCRIBED", "STOP", "DECLINED", "DENIED", "OPPOSE", "OPPOSITION"}
_BLANK = {"", "NAN", "NONE", "NULL", "N-A", "NA", "INCONNU", "INCONNUE", "UNKNOWN", "NC", "NR",
          "NON-RENSEIGNE", "NON-RENSEIGNEE", "NON-COMMUNIQUE", "SANS-REPONSE", "NOT-SET", "NOT-ASKED"}
_BLANK_PHRASES = ("NON-RENSEIGNE", "NON-COMMUNIQUE", "SANS-REPONSE", "NOT-SET", "INCONNU", "UNKNOWN")
_NEGATIVE_WORDS = {"PAS", "NON", "NO", "NOT", "NEVER", "JAMAIS", "DONT", "REFUSE", "REFUSEE",
                   "REFUS", "STOP", "OPPOSE", "OPPOSITION", "DECLINE", "DECLINED"}
_NEGATIVE_PREFIXES = ("DESINSCRI", "DESABONN", "UNSUBSCRIB", "OPTOUT")
_POSITIVE_WORDS = {"OUI", "YES", "SOUHAITE", "AGREE", "AGREES", "VEUT", "INSCRIT", "INSCRITE",
                   "AUTORISE", "AUTORISEE", "OK"}
_POSITIVE_PREFIXES = ("ACCEPT", "CONSENT", "OPTIN", "SUBSCRIB")


def parse_consent_value(raw: object) -> ConsentReading | None:
    """Yes, no, or nothing said (None), from a consent cell in French or English.

    Accepted: oui/non, yes/no, 1/0, vrai/faux, x, opt-in/opt-out, "Accepte les communications",
    "N'accepte pas…", "Désinscrit", a date (a yes given on that date; an opt-out date column is
    read by `consents_from_export`). Raises `UnreadableConsent` for anything else, so that a
    value nobody understood is reported, never guessed.
    """
    if raw is None or raw is pd.NA or raw is pd.NaT:
        return None
    if isinstance(raw, bool):
        return ConsentReading(ConsentStatus.OPT_IN if raw else ConsentStatus.OPT_OUT)
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if raw != raw:  # NaN
            return None
        if raw in (0, 1):
            return ConsentReading(ConsentStatus.OPT_IN if raw == 1 else ConsentStatus.OPT_OUT)
        raise UnreadableConsent(f"{raw!r} is not a consent value")
    if isinstance(raw, pd.Timestamp):
        return ConsentReading(ConsentStatus.OPT_IN, raw)
    text = str(raw).strip()
    folded = fold_text(text)
    if folded in _BLANK or text in {"-", "?", "/"}:
        return None
    if folded in _YES:
        return ConsentReading(ConsentStatus.OPT_IN)
    if folded in _NO:
        return ConsentReading(ConsentStatus.OPT_OUT)
    stamp = parse_timestamp(text)
    if stamp is not None:
        return ConsentReading(ConsentStatus.OPT_IN, stamp)
    if any(phrase in folded for phrase in _BLANK_PHRASES):
        return None
    words = set(folded.split("-"))
    compact = folded.replace("-", "")
    if words & _NEGATIVE_WORDS or any(p in compact for p in _NEGATIVE_PREFIXES):
        return ConsentReading(ConsentStatus.OPT_OUT)
    if words & _POSITIVE_WORDS or any(p in compact for p in _POSITIVE_PREFIXES):
        return ConsentReading(ConsentStatus.OPT_IN)
    raise UnreadableConsent(f"{text!r} is not a consent value")


# --- consent columns of an export -----------------------------------------------------------


class ColumnMeaning(StrEnum):
    DECISION = "decision"  # yes / no (or a date meaning yes)
    OPT_IN_DATE = "opt_in_date"  # a date on which the person said yes
    OPT_OUT_DATE = "opt_out_date"  # a date on which the person said no


@dataclass(frozen=True)
class ConsentColumn:
    """One consent column of a file: its header, the channels it speaks for, what it holds."""

    header: str
    channels: tuple[Channel, ...]
    meaning: ColumnMeaning = ColumnMeaning.DECISION


_CONSENT_WORDS = ("OPTIN", "OPT-IN", "OPTOUT", "OPT-OUT", "CONSENT", "ACCEPT", "AUTORIS",
                  "SOUHAITE", "NEWSLETTER", "COMMUNICATION", "RGPD", "GDPR", "MARKETING",
                  "DESINSCRI", "DESABONN", "UNSUBSCRIB", "PROSPECTION", "OFFRES")
_OUT_WORDS = ("OPTOUT", "OPT-OUT", "DESINSCRI", "DESABONN", "UNSUBSCRIB", "REFUS", "OPPOS")
# Consent to partners' offers is not consent to the venue's own messages.
_PARTNER_WORDS = ("PARTENAIRE", "PARTNER", "TIERS", "THIRD")
_CHANNEL_WORDS: tuple[tuple[Channel, tuple[str, ...]], ...] = (
    (Channel.SMS, ("SMS", "TEXTO")),
    (Channel.PHONE, ("TELEPHONE", "TEL", "PHONE", "APPEL", "APPELS", "CALL", "CALLS")),
    (Channel.EMAIL, ("EMAIL", "E-MAIL", "MAIL", "MAILS", "EMAILS", "COURRIEL", "NEWSLETTER")),
)


def suggest_consent_columns(headers: Sequence[str]) -> list[ConsentColumn]:
    """The consent columns of a file, found by their headers ("Optin SMS", "Accepte les
    communications", "Date désinscription email"); a suggestion the user confirms.

    A header that names no channel ("Opt-in", "Accepte les communications") is read as the
    email consent, the usual meaning in ticketing exports; SMS and phone consents must be named.
    """
    found = []
    for header in headers:
        folded = fold_text(str(header))
        if not any(word in folded for word in _CONSENT_WORDS):
            continue
        if any(word in folded for word in _PARTNER_WORDS):
            continue
        words = set(folded.split("-"))
        channels = tuple(channel for channel, names in _CHANNEL_WORDS
                         if words & set(names) or any(n in folded for n in names if "-" in n))
        is_date = "DATE" in words or folded.startswith("DATE") or "HORODATAGE" in words
        if is_date:
            meaning = (ColumnMeaning.OPT_OUT_DATE if any(w in folded for w in _OUT_WORDS)
                       else ColumnMeaning.OPT_IN_DATE)
        else:
            meaning = ColumnMeaning.DECISION
        found.append(ConsentColumn(str(header), channels or (Channel.EMAIL,), meaning))
    return found


@dataclass(frozen=True)
class ConsentImport:
    """What a file said about consent: the records to append, and the cells not understood."""

    records: pd.DataFrame  # CONSENT_COLUMNS
    problems: pd.DataFrame  # line, column, value, code


def consents_from_export(
    frame: pd.DataFrame,
    columns: Sequence[ConsentColumn],
    *,
    customer_ids: pd.Series,
    observed_at: pd.Timestamp,
    source: str,
    date_column: str | None = None,
    first_line: int = 2,
) -> ConsentImport:
    """Consent records from the consent columns of an export (one record per customer, channel
    and date; the same answer repeated on every ticket of a customer is one record).

    ``customer_ids``: the customer of each row, aligned with ``frame`` (the import knows it).
    A yes/no is dated by ``date_column`` when given (the purchase date: a later purchase's
    answer supersedes an earlier one), else by ``observed_at`` (when the export was made).
    """
    if len(customer_ids) != len(frame):
        raise ValueError("customer_ids must give the customer of every row of the frame")
    row_dates: list[pd.Timestamp | None]
    if date_column is not None:
        row_dates = [parse_timestamp(v) for v in frame[date_column].tolist()]
    else:
        row_dates = [None] * len(frame)
    ids = customer_ids.tolist()
    rows: list[tuple[object, ...]] = []
    problems: list[RowProblem] = []
    for spec in columns:
        if spec.header not in frame.columns:
            raise ValueError(f"the file has no column {spec.header!r}")
        for position, raw in enumerate(frame[spec.header].tolist()):
            line = first_line + position
            try:
                reading = _read_cell(raw, spec.meaning)
            except UnreadableConsent:
                problems.append(RowProblem(line, spec.header, cell_text(raw), "unreadable_consent"))
                continue
            if reading is None:
                continue
            customer = ids[position]
            if customer is None or customer is pd.NA or (isinstance(customer, float)
                                                         and customer != customer):
                problems.append(RowProblem(line, spec.header, cell_text(raw), "unknown_customer"))
                continue
            at = reading.at or row_dates[position] or observed_at
            for channel in spec.channels:
                rows.append((customer, channel.value, reading.status.value,
                             ConsentCause.STATED.value, at, source, None))
    records = pd.DataFrame(rows, columns=list(CONSENT_COLUMNS)).drop_duplicates(
        [CUSTOMER_ID, "channel", "status", "recorded_at"])
    records["recorded_at"] = pd.to_datetime(records["recorded_at"])
    return ConsentImport(records.reset_index(drop=True), problems_frame(problems))


def _read_cell(raw: object, meaning: ColumnMeaning) -> ConsentReading | None:
    if meaning is ColumnMeaning.DECISION:
        return parse_consent_value(raw)
    stamp = parse_timestamp(raw)
    if stamp is not None:
        status = (ConsentStatus.OPT_OUT if meaning is ColumnMeaning.OPT_OUT_DATE
                  else ConsentStatus.OPT_IN)
        return ConsentReading(status, stamp)
    reading = parse_consent_value(raw)
    if reading is None:
        return None
    # A "date d'opt-in" column holding "oui" is read as the yes it says; an opt-out date column
    # holding "oui" says the person opted out.
    if meaning is ColumnMeaning.OPT_OUT_DATE and reading.status is ConsentStatus.OPT_IN:
        return ConsentReading(ConsentStatus.OPT_OUT)
    return reading
