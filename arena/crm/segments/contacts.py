"""Who of a segment may be put on a contact list for one channel, and who may not, and why.

The rule, per channel (email, sms, post):
- a member without an address for the channel cannot be contacted (``no_address``);
- the same address twice is exported once (``duplicate_address``);
- when the organization records consent (``consents`` given), a member who opted out is never
  exported (``opted_out``), and a member with no consent recorded for the channel is exported
  only under ``ConsentPolicy.SOFT_OPT_IN`` (France's CPCE L34-5 lets a venue email its own
  customers about similar services unless they objected) and excluded under the default
  ``OPT_IN`` (``no_consent_recorded``);
- when the organization records no consent at all (``consents`` is None), members with an
  address are exported and the result says consent was not checked, for the UI to warn.

Only the decision lives here; writing the file (and neutralizing spreadsheet formulas) is the
export step's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pandas as pd

from arena.crm.analysis.profile_frame import CUSTOMER_ID, require_columns
from arena.crm.analysis.univariate import clean_missing


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    POST = "post"


class ConsentPolicy(StrEnum):
    OPT_IN = "opt_in"  # only members who said yes for the channel
    SOFT_OPT_IN = "soft_opt_in"  # everyone but those who said no


class Exclusion(StrEnum):
    NO_ADDRESS = "no_address"
    DUPLICATE_ADDRESS = "duplicate_address"
    OPTED_OUT = "opted_out"
    NO_CONSENT_RECORDED = "no_consent_recorded"


# The member column holding the address for each channel.
ADDRESS_COLUMNS: dict[Channel, str] = {
    Channel.EMAIL: "email",
    Channel.SMS: "phone",
    Channel.POST: "postal_address",
}
CONSENT_COLUMNS = ("customer_id", "channel", "granted", "recorded_at")


@dataclass(frozen=True)
class ContactSelection:
    """The members who may be exported, and every excluded member with the reason."""

    channel: Channel
    policy: ConsentPolicy
    consent_checked: bool  # False: the organization records no consent; the UI must say so
    exported: pd.DataFrame  # the member rows that may be exported, in the members' order
    excluded: pd.DataFrame  # customer_id, reason
    members: int

    @property
    def excluded_counts(self) -> dict[str, int]:
        """How many were excluded for each reason (every reason listed, zero included)."""
        counts = self.excluded["reason"].value_counts()
        return {reason.value: int(counts.get(reason.value, 0)) for reason in Exclusion}


def select_contacts(
    members: pd.DataFrame,
    channel: Channel | str = Channel.EMAIL,
    consents: pd.DataFrame | None = None,
    policy: ConsentPolicy | str = ConsentPolicy.OPT_IN,
) -> ContactSelection:
    """Apply the contact rule to a segment's ``members`` (customer_id and the channel's address
    column). ``consents``: one row per recorded decision (``CONSENT_COLUMNS``; ``granted`` True
    for yes, False for no); the latest decision per customer and channel wins."""
    channel, policy = Channel(channel), ConsentPolicy(policy)
    address = ADDRESS_COLUMNS[channel]
    require_columns(members, (CUSTOMER_ID, address), f"a {channel.value} contact list")
    reasons = pd.Series(pd.NA, index=members.index, dtype="string")
    addresses = clean_missing(members[address]).astype("string").str.strip()
    reasons[addresses.isna()] = Exclusion.NO_ADDRESS.value
    if consents is not None:
        decision = latest_decisions(consents, channel).reindex(members[CUSTOMER_ID].to_numpy())
        decision.index = members.index
        open_rows = reasons.isna()
        reasons[open_rows & decision.eq(False).fillna(False)] = Exclusion.OPTED_OUT.value
        if policy is ConsentPolicy.OPT_IN:
            reasons[reasons.isna() & decision.isna()] = Exclusion.NO_CONSENT_RECORDED.value
    key = addresses.str.lower() if channel is Channel.EMAIL else addresses
    key = key.str.replace(r"\s+", "", regex=True) if channel is Channel.SMS else key
    # Among the members who may be contacted, an address already on the list is a duplicate.
    eligible = reasons.isna()
    duplicate = eligible & key.where(eligible).duplicated(keep="first")
    reasons[duplicate] = Exclusion.DUPLICATE_ADDRESS.value
    exported = members[reasons.isna().to_numpy()]
    excluded = pd.DataFrame(
        {CUSTOMER_ID: members.loc[reasons.notna(), CUSTOMER_ID].to_numpy(),
         "reason": reasons[reasons.notna()].to_numpy()}
    )
    return ContactSelection(
        channel=channel,
        policy=policy,
        consent_checked=consents is not None,
        exported=exported,
        excluded=excluded,
        members=len(members),
    )


def latest_decisions(consents: pd.DataFrame, channel: Channel) -> pd.Series:
    """Per customer, the latest recorded decision for ``channel``: True (yes) or False (no)."""
    require_columns(consents, ("customer_id", "channel", "granted"), "consent records")
    rows = consents[consents["channel"].astype(str) == channel.value]
    if "recorded_at" in rows.columns:
        rows = rows.sort_values("recorded_at", kind="stable", na_position="first")
    latest = rows.drop_duplicates(CUSTOMER_ID, keep="last")
    return latest.set_index(CUSTOMER_ID)["granted"].astype("boolean")
