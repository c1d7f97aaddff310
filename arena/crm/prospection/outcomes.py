"""Campaign outcomes: the vocabulary, which outcome a later one may replace, and their effects.

An outcome is an append-only event — who (the customer), what (the outcome), when, on which
channel, entered by whom and from which source — never an update of a status column. Several
callers entering outcomes at once therefore only ever insert rows; the status shown for a
contact is computed from all of its events by `current_outcomes`, and that computation does not
depend on the order in which the events arrived:

- each outcome has a stage (an answer to the call beats no answer; a click beats an open;
  a conversion beats everything);
- the event of the highest stage is the status; among events of the same stage the latest one
  wins (a refusal after "interested" replaces it; a bounce reported after "delivered" too);
- at the same stage and time the event key breaks the tie, so every reader agrees.

Unsubscribes, hard bounces and wrong numbers also write consent records
(`consent_changes_from_outcomes`): the next export and the next send leave those contacts out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import pandas as pd

from arena.crm.prospection.channels import CUSTOMER_ID, Channel
from arena.crm.prospection.consent import CONSENT_COLUMNS, ConsentCause, ConsentStatus


class Outcome(StrEnum):
    # phone
    NO_ANSWER = "no_answer"
    WRONG_NUMBER = "wrong_number"
    CALL_BACK = "call_back"
    REACHED = "reached"
    INTERESTED = "interested"
    REFUSED = "refused"
    # email and SMS
    SENT = "sent"
    SOFT_BOUNCED = "soft_bounced"  # temporary: mailbox full, phone off; no effect on consent
    BOUNCED = "bounced"  # permanent: the address does not exist
    DELIVERED = "delivered"
    OPENED = "opened"
    CLICKED = "clicked"
    # every channel
    UNSUBSCRIBED = "unsubscribed"  # link, STOP, spam complaint, "ne plus m'appeler"
    CONVERTED = "converted"  # declared by a caller or a tool; purchases are found by attribution


STAGE: dict[Outcome, int] = {
    Outcome.SENT: 1, Outcome.NO_ANSWER: 1,
    Outcome.SOFT_BOUNCED: 2, Outcome.BOUNCED: 2, Outcome.DELIVERED: 2, Outcome.WRONG_NUMBER: 2,
    Outcome.OPENED: 3, Outcome.CALL_BACK: 3, Outcome.REACHED: 3,
    Outcome.CLICKED: 4, Outcome.INTERESTED: 4, Outcome.REFUSED: 4,
    Outcome.UNSUBSCRIBED: 5,
    Outcome.CONVERTED: 6,
}

CHANNEL_OUTCOMES: dict[Channel, frozenset[Outcome]] = {
    Channel.PHONE: frozenset({Outcome.NO_ANSWER, Outcome.WRONG_NUMBER, Outcome.CALL_BACK,
                              Outcome.REACHED, Outcome.INTERESTED, Outcome.REFUSED,
                              Outcome.UNSUBSCRIBED, Outcome.CONVERTED}),
    Channel.EMAIL: frozenset({Outcome.SENT, Outcome.SOFT_BOUNCED, Outcome.BOUNCED,
                              Outcome.DELIVERED, Outcome.OPENED, Outcome.CLICKED,
                              Outcome.UNSUBSCRIBED, Outcome.CONVERTED}),
    Channel.SMS: frozenset({Outcome.SENT, Outcome.SOFT_BOUNCED, Outcome.BOUNCED,
                            Outcome.DELIVERED, Outcome.CLICKED, Outcome.UNSUBSCRIBED,
                            Outcome.CONVERTED}),
}

# What each funnel step counts, per channel: a contact is at a step when any of its events is
# one of these outcomes (an open proves delivery; a refusal proves the call was answered).
REACHED_OUTCOMES: dict[Channel, frozenset[Outcome]] = {
    Channel.PHONE: frozenset({Outcome.CALL_BACK, Outcome.REACHED, Outcome.INTERESTED,
                              Outcome.REFUSED, Outcome.CONVERTED}),
    Channel.EMAIL: frozenset({Outcome.DELIVERED, Outcome.OPENED, Outcome.CLICKED,
                              Outcome.UNSUBSCRIBED, Outcome.CONVERTED}),
    Channel.SMS: frozenset({Outcome.DELIVERED, Outcome.CLICKED, Outcome.UNSUBSCRIBED,
                            Outcome.CONVERTED}),
}
# A reaction is a positive sign: interest on the phone, a click in a message. Opens are not
# counted as reactions (mail clients that prefetch images open every message).
REACTION_OUTCOMES: dict[Channel, frozenset[Outcome]] = {
    Channel.PHONE: frozenset({Outcome.INTERESTED, Outcome.CONVERTED}),
    Channel.EMAIL: frozenset({Outcome.CLICKED, Outcome.CONVERTED}),
    Channel.SMS: frozenset({Outcome.CLICKED, Outcome.CONVERTED}),
}

EVENT_COLUMNS = ("event_key", "campaign_id", CUSTOMER_ID, "channel", "outcome", "at",
                 "recorded_by", "source", "address", "detail")


def check_outcome(channel: Channel | str, outcome: Outcome | str) -> Outcome:
    """The outcome, or a ValueError when it does not exist on that channel (no "opened" call)."""
    channel, outcome = Channel(channel), Outcome(outcome)
    if outcome not in CHANNEL_OUTCOMES[channel]:
        raise ValueError(f"{outcome.value!r} is not an outcome of the {channel.value} channel")
    return outcome


def may_overwrite(current: Outcome | str, current_at: pd.Timestamp,
                  new: Outcome | str, new_at: pd.Timestamp) -> bool:
    """Whether a status ``current`` (dated ``current_at``) gives way to ``new``."""
    current, new = Outcome(current), Outcome(new)
    if STAGE[new] != STAGE[current]:
        return STAGE[new] > STAGE[current]
    return pd.Timestamp(new_at) >= pd.Timestamp(current_at)


@dataclass(frozen=True)
class OutcomeEvent:
    """One outcome of one contact, as entered by a caller or read from a report."""

    campaign_id: object
    customer_id: object
    channel: Channel
    outcome: Outcome
    at: pd.Timestamp
    recorded_by: str  # a user name, or "import:<file>", "smtp"
    source: str = "entry"  # entry, outcome_file, brevo, mailchimp, sms_gateway, smtp
    address: str | None = None  # the email or E.164 phone the event was about
    detail: str | None = None  # a bounce reason, a caller's note

    def __post_init__(self) -> None:
        check_outcome(self.channel, self.outcome)

    @property
    def event_key(self) -> str:
        """A key that is the same when the same event is imported twice, and differs when two
        callers enter an outcome for the same contact: storage inserts with ON CONFLICT DO
        NOTHING on it, so re-importing a report changes nothing and no entry overwrites another."""
        return event_key(self.campaign_id, self.customer_id, self.channel, self.outcome,
                         self.at, self.recorded_by, self.source)

    def as_row(self) -> tuple[object, ...]:
        return (self.event_key, self.campaign_id, self.customer_id, Channel(self.channel).value,
                Outcome(self.outcome).value, pd.Timestamp(self.at), self.recorded_by, self.source,
                self.address, self.detail)


def event_key(campaign_id: object, customer_id: object, channel: object, outcome: object,
              at: object, recorded_by: object, source: object) -> str:
    parts = [str(campaign_id), str(customer_id), str(Channel(str(channel)).value),
             str(Outcome(str(outcome)).value), pd.Timestamp(at).isoformat(), str(recorded_by),
             str(source)]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def events_frame(events: Iterable[OutcomeEvent] = ()) -> pd.DataFrame:
    """Events as a frame with ``EVENT_COLUMNS``."""
    frame = pd.DataFrame([e.as_row() for e in events], columns=list(EVENT_COLUMNS))
    frame["at"] = pd.to_datetime(frame["at"])
    return frame


def with_event_keys(events: pd.DataFrame) -> pd.DataFrame:
    """Fill the ``event_key`` column of an events frame built from rows (file imports)."""
    frame = events.copy()
    frame["event_key"] = [
        event_key(row["campaign_id"], row[CUSTOMER_ID], row["channel"], row["outcome"],
                  row["at"], row["recorded_by"], row["source"])
        for row in frame.to_dict("records")
    ]
    return frame


def current_outcomes(events: pd.DataFrame) -> pd.DataFrame:
    """The status of each contact (campaign, customer, channel): the winning event's row."""
    if events.empty:
        return events.iloc[0:0].copy()
    frame = events.copy()
    frame["_stage"] = frame["outcome"].map(lambda o: STAGE[Outcome(o)])
    frame["_at"] = pd.to_datetime(frame["at"])
    frame = frame.sort_values(["_stage", "_at", "event_key"], kind="stable")
    keys = ["campaign_id", CUSTOMER_ID, "channel"]
    latest = frame.drop_duplicates(keys, keep="last")
    return latest.drop(columns=["_stage", "_at"]).sort_values(keys, kind="stable").reset_index(
        drop=True)


def contact_flags(events: pd.DataFrame) -> pd.DataFrame:
    """Per contact (campaign, customer, channel): which funnel steps it reached, from all of its
    events — attempted, reached, opened, reacted, interested, refused, declared_converted,
    unsubscribed, bounced, wrong_number, and the final ``status``."""
    keys = ["campaign_id", CUSTOMER_ID, "channel"]
    columns = [*keys, "attempted", "reached", "opened", "reacted", "interested", "refused",
               "declared_converted", "unsubscribed", "bounced", "wrong_number", "status"]
    if events.empty:
        return pd.DataFrame(columns=columns)
    frame = events[keys + ["outcome"]].copy()
    channel = frame["channel"].map(Channel)
    outcome = frame["outcome"].map(Outcome)
    frame["attempted"] = True
    frame["reached"] = [o in REACHED_OUTCOMES[c] for c, o in zip(channel, outcome, strict=True)]
    frame["reacted"] = [o in REACTION_OUTCOMES[c] for c, o in zip(channel, outcome, strict=True)]
    frame["opened"] = outcome.isin([Outcome.OPENED, Outcome.CLICKED])
    frame["interested"] = outcome.isin([Outcome.INTERESTED, Outcome.CONVERTED])
    frame["refused"] = outcome == Outcome.REFUSED
    frame["declared_converted"] = outcome == Outcome.CONVERTED
    frame["unsubscribed"] = outcome == Outcome.UNSUBSCRIBED
    frame["bounced"] = outcome == Outcome.BOUNCED
    frame["wrong_number"] = outcome == Outcome.WRONG_NUMBER
    flags = frame.drop(columns=["outcome"]).groupby(keys, sort=True).any().reset_index()
    status = current_outcomes(events)[keys + ["outcome"]].rename(columns={"outcome": "status"})
    return flags.merge(status, on=keys, how="left")[columns]


_CONSENT_EFFECTS: dict[Outcome, ConsentCause] = {
    Outcome.UNSUBSCRIBED: ConsentCause.UNSUBSCRIBED,
    Outcome.BOUNCED: ConsentCause.BOUNCED,
    Outcome.WRONG_NUMBER: ConsentCause.WRONG_NUMBER,
}


def consent_changes_from_outcomes(events: pd.DataFrame) -> pd.DataFrame:
    """The opt-outs that outcomes imply (``CONSENT_COLUMNS``): an unsubscribe stops the
    channel; a hard bounce stops that email or number; a wrong number stops calls and SMS to
    that number. Soft bounces, refusals and silence change nothing."""
    rows = []
    for event in events.to_dict("records"):
        outcome = Outcome(event["outcome"])
        cause = _CONSENT_EFFECTS.get(outcome)
        if cause is None:
            continue
        channel = Channel(event["channel"])
        channels = [Channel.PHONE, Channel.SMS] if outcome is Outcome.WRONG_NUMBER else [channel]
        address = event.get("address") if cause is not ConsentCause.UNSUBSCRIBED else None
        source = f"outcome:{event.get('source') or 'entry'}"
        for target in channels:
            rows.append((event[CUSTOMER_ID], target.value, ConsentStatus.OPT_OUT.value,
                         cause.value, event["at"], source, address))
    frame = pd.DataFrame(rows, columns=list(CONSENT_COLUMNS))
    frame["recorded_at"] = pd.to_datetime(frame["recorded_at"])
    return frame
