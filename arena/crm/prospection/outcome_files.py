"""An outcome file (``customer_email, outcome, at``) read into outcome events, row by row.

The file is what callers fill in a spreadsheet or what `arena campaign outcomes` reads: one row
per outcome, the customer's email, the outcome in French or English ("Pas de réponse",
"rappeler", "intéressé", "converti", "faux numéro" …, or the codes), the date and time. Every
row becomes an event or a problem with its line and reason; a row of another campaign's member is
a problem too (``not_in_campaign``), so nothing lands on the wrong contact.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from arena.crm.folding import fold_text
from arena.crm.prospection.channels import CUSTOMER_ID, Channel, channel_addresses
from arena.crm.prospection.matching import match_customers
from arena.crm.prospection.outcomes import (
    CHANNEL_OUTCOMES,
    EVENT_COLUMNS,
    Outcome,
    with_event_keys,
)
from arena.crm.prospection.problems import PROBLEM_COLUMNS, RowProblem, cell_text, problems_frame
from arena.crm.prospection.timestamps import parse_timestamp

OUTCOME_FILE_COLUMNS = ("customer_email", "outcome", "at")

# Folded spellings (see arena.crm.folding.fold_text) of each outcome; exact matches only, so
# "pas intéressé" can never be read as "intéressé".
OUTCOME_WORDS: dict[str, Outcome] = {
    **{fold_text(o.value): o for o in Outcome},
    **dict.fromkeys(("PAS-DE-REPONSE", "NE-REPOND-PAS", "REPONDEUR", "MESSAGERIE",
                     "INJOIGNABLE", "NO-ANSWER", "NOT-REACHED", "VOICEMAIL", "OCCUPE", "BUSY",
                     "NRP", "ABSENT"), Outcome.NO_ANSWER),
    **dict.fromkeys(("FAUX-NUMERO", "MAUVAIS-NUMERO", "NUMERO-ERRONE", "NUMERO-INVALIDE",
                     "NUMERO-INCORRECT", "WRONG-NUMBER", "INVALID-NUMBER", "NUMERO-INEXISTANT"),
                    Outcome.WRONG_NUMBER),
    **dict.fromkeys(("RAPPELER", "A-RAPPELER", "RAPPEL", "CALL-BACK", "CALLBACK", "RECALL",
                     "RAPPELER-PLUS-TARD"), Outcome.CALL_BACK),
    **dict.fromkeys(("JOINT", "JOINTE", "CONTACTE", "CONTACTEE", "REACHED", "ANSWERED",
                     "DECROCHE"), Outcome.REACHED),
    **dict.fromkeys(("INTERESSE", "INTERESSEE", "INTERESTED", "A-REFLECHIR"),
                    Outcome.INTERESTED),
    **dict.fromkeys(("REFUS", "REFUSE", "REFUSEE", "REFUSED", "PAS-INTERESSE",
                     "PAS-INTERESSEE", "NON-INTERESSE", "NOT-INTERESTED", "DECLINED"),
                    Outcome.REFUSED),
    **dict.fromkeys(("CONVERTI", "CONVERTIE", "CONVERTED", "ABONNE", "ABONNEE", "REABONNE",
                     "REABONNEE", "A-SOUSCRIT", "SOUSCRIT", "VENTE", "ACHAT", "SALE", "SIGNED",
                     "SIGNE"), Outcome.CONVERTED),
    **dict.fromkeys(("ENVOYE", "ENVOYEE"), Outcome.SENT),
    **dict.fromkeys(("DELIVRE", "DELIVREE", "LIVRE", "RECU"), Outcome.DELIVERED),
    **dict.fromkeys(("OUVERT", "OUVERTE", "OPEN", "OPENS"), Outcome.OPENED),
    **dict.fromkeys(("CLIQUE", "CLIC", "CLICK", "CLICKS"), Outcome.CLICKED),
    **dict.fromkeys(("HARD-BOUNCE", "BOUNCE", "NPAI", "ADRESSE-INVALIDE", "REJETE"),
                    Outcome.BOUNCED),
    **dict.fromkeys(("SOFT-BOUNCE",), Outcome.SOFT_BOUNCED),
    **dict.fromkeys(("DESINSCRIT", "DESINSCRITE", "DESABONNE", "DESABONNEE", "UNSUBSCRIBE",
                     "STOP", "NE-PLUS-APPELER", "NE-PLUS-CONTACTER", "DO-NOT-CALL",
                     "DO-NOT-CONTACT", "OPPOSITION"), Outcome.UNSUBSCRIBED),
}


def read_outcome_word(raw: object) -> Outcome | None:
    """The outcome a cell names, in French or English, or None."""
    return OUTCOME_WORDS.get(fold_text(cell_text(raw)))


@dataclass(frozen=True)
class OutcomeImport:
    """Events to append (``EVENT_COLUMNS`` plus ``line``) and the rows not loaded."""

    events: pd.DataFrame
    problems: pd.DataFrame


def read_outcome_file(
    frame: pd.DataFrame,
    members: pd.DataFrame,
    *,
    campaign_id: object,
    channel: Channel | str,
    recorded_by: str,
    now: pd.Timestamp,
    source: str = "outcome_file",
    first_line: int = 2,
) -> OutcomeImport:
    """Read ``customer_email, outcome, at`` rows for the campaign whose ``members``
    (customer_id, email) were listed. ``now`` bounds the dates (an outcome cannot be future)."""
    channel = Channel(channel)
    missing = [c for c in OUTCOME_FILE_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"an outcome file needs the columns {', '.join(OUTCOME_FILE_COLUMNS)}; "
                         f"missing: {', '.join(missing)}")
    rows, problems = [], []
    for position, row in enumerate(frame[list(OUTCOME_FILE_COLUMNS)].to_dict("records")):
        line = first_line + position
        outcome = read_outcome_word(row["outcome"])
        if outcome is None:
            problems.append(RowProblem(line, "outcome", cell_text(row["outcome"]), "unknown_outcome"))
            continue
        if outcome not in CHANNEL_OUTCOMES[channel]:
            problems.append(RowProblem(line, "outcome", cell_text(row["outcome"]),
                                       "outcome_not_for_channel"))
            continue
        at = parse_timestamp(row["at"])
        if at is None:
            problems.append(RowProblem(line, "at", cell_text(row["at"]), "invalid_date"))
            continue
        if at > now:
            problems.append(RowProblem(line, "at", cell_text(row["at"]), "date_in_future"))
            continue
        rows.append({"line": line, "address": cell_text(row["customer_email"]),
                     "outcome": outcome.value, "at": at})
    parsed = pd.DataFrame(rows, columns=["line", "address", "outcome", "at"])
    matched = match_customers(parsed, members, address_column="address", kind="email")
    not_member = matched.problems.assign(column="customer_email", code="not_in_campaign")
    events = matched.rows.assign(campaign_id=campaign_id, channel=channel.value,
                                 recorded_by=recorded_by, source=source, detail=None)
    emails = events["address"].copy()
    if channel is not Channel.EMAIL:
        # A wrong number is about the number that was dialled, not the email of the row.
        phones = pd.Series(channel_addresses(members, Channel.PHONE).to_numpy(),
                           index=members[CUSTOMER_ID].to_numpy())
        events["address"] = events[CUSTOMER_ID].map(phones)
    events["at"] = pd.to_datetime(events["at"])
    events = with_event_keys(events.assign(event_key=""))[[*EVENT_COLUMNS, "line"]]
    repeated = events["event_key"].duplicated(keep="first")
    duplicates = pd.DataFrame({"line": events.loc[repeated, "line"], "column": "customer_email",
                               "value": emails[repeated.to_numpy()].astype(str).to_numpy(),
                               "code": "duplicate_row"})
    all_problems = pd.concat(
        [frame for frame in (problems_frame(problems), not_member[list(PROBLEM_COLUMNS)],
                             duplicates) if len(frame)] or [problems_frame([])],
        ignore_index=True)
    return OutcomeImport(
        events[~repeated].reset_index(drop=True),
        all_problems.sort_values("line", kind="stable").reset_index(drop=True),
    )
