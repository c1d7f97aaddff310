"""The one rule of every export and every send: who may be contacted on a channel, and why not.

A member is contacted on a channel only when their decision in force for that channel is an
opt-in and they have a usable address for it. Everyone else is excluded with one reason, the
first that applies in this order:

- ``unsubscribed``: the latest decision is an unsubscribe (link, STOP, "ne plus appeler");
- ``bounced`` / ``wrong_number``: the current address failed before;
- ``opted_out``: the person said no;
- ``no_consent_recorded``: nothing was ever recorded for the channel (no consent = no contact);
- ``no_address``: no email, no valid phone, or no mobile for an SMS;
- ``duplicate_address``: the same address is already on the list (one message per address).

Exports and the SMTP sender take a `ContactEligibility`, never a bare list, so that nothing
reaches a file or a mailbox without this check, made with the consents of the moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pandas as pd

from arena.crm.prospection.channels import CUSTOMER_ID, Channel, channel_addresses
from arena.crm.prospection.consent import ConsentCause, ConsentStatus, latest_decisions


class ExclusionReason(StrEnum):
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    WRONG_NUMBER = "wrong_number"
    OPTED_OUT = "opted_out"
    NO_CONSENT_RECORDED = "no_consent_recorded"
    NO_ADDRESS = "no_address"
    DUPLICATE_ADDRESS = "duplicate_address"


_CAUSE_REASON = {
    ConsentCause.UNSUBSCRIBED.value: ExclusionReason.UNSUBSCRIBED,
    ConsentCause.BOUNCED.value: ExclusionReason.BOUNCED,
    ConsentCause.WRONG_NUMBER.value: ExclusionReason.WRONG_NUMBER,
    ConsentCause.STATED.value: ExclusionReason.OPTED_OUT,
}


@dataclass(frozen=True)
class ContactEligibility:
    """Who of a list may be contacted on one channel: the allowed member rows (with their
    ``address`` in compared form: lower-case email or E.164 phone) and every excluded member
    with the reason."""

    channel: Channel
    allowed: pd.DataFrame
    excluded: pd.DataFrame  # customer_id, reason
    members: int

    @property
    def excluded_counts(self) -> dict[str, int]:
        """How many were excluded for each reason, every reason listed (zeros included)."""
        counts = self.excluded["reason"].value_counts()
        return {reason.value: int(counts.get(reason.value, 0)) for reason in ExclusionReason}

    def summary(self) -> dict[str, object]:
        """Codes and numbers for the UI: "1,204 of 1,530 can be called; 210 never said yes…"."""
        return {"channel": self.channel.value, "members": self.members,
                "allowed": len(self.allowed), "excluded": len(self.excluded),
                "excluded_by_reason": self.excluded_counts}


def allowed_contacts(
    members: pd.DataFrame,
    channel: Channel | str,
    consents: pd.DataFrame,
    *,
    default_region: str = "FR",
) -> ContactEligibility:
    """Apply the contact rule to ``members`` (customer_id, and ``email`` or ``phone``) with the
    consent records in force now (`arena.crm.prospection.consent.CONSENT_COLUMNS`)."""
    channel = Channel(channel)
    if CUSTOMER_ID not in members.columns:
        raise ValueError("members need a customer_id column")
    if members[CUSTOMER_ID].duplicated().any():
        raise ValueError("a customer appears twice in the list")
    addresses = channel_addresses(members, channel, default_region)
    by_customer = pd.Series(addresses.to_numpy(), index=members[CUSTOMER_ID].to_numpy())
    decisions = latest_decisions(consents, channel, addresses=by_customer)
    decision = decisions.reindex(members[CUSTOMER_ID].to_numpy())
    status = pd.Series(decision["status"].to_numpy(), index=members.index, dtype="object")
    cause = pd.Series(decision["cause"].to_numpy(), index=members.index, dtype="object")
    reasons = pd.Series(pd.NA, index=members.index, dtype="object")
    opted_out = status == ConsentStatus.OPT_OUT.value
    for cause_value, reason in _CAUSE_REASON.items():
        reasons[opted_out & (cause == cause_value)] = reason.value
    reasons[opted_out & reasons.isna()] = ExclusionReason.OPTED_OUT.value
    reasons[reasons.isna() & (status != ConsentStatus.OPT_IN.value)] = (
        ExclusionReason.NO_CONSENT_RECORDED.value)
    reasons[reasons.isna() & addresses.isna()] = ExclusionReason.NO_ADDRESS.value
    open_rows = reasons.isna()
    duplicate = open_rows & addresses.where(open_rows).duplicated(keep="first") & addresses.notna()
    reasons[duplicate] = ExclusionReason.DUPLICATE_ADDRESS.value
    keep = reasons.isna()
    allowed = members[keep.to_numpy()].copy()
    allowed["address"] = addresses[keep].astype(str)
    excluded = pd.DataFrame({CUSTOMER_ID: members.loc[~keep, CUSTOMER_ID].to_numpy(),
                             "reason": reasons[~keep].astype(str).to_numpy()})
    return ContactEligibility(channel, allowed, excluded, len(members))
