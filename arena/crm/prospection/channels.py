"""The three contact channels and the address each one needs (an email, a phone, a mobile)."""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache

import pandas as pd
import phonenumbers

CUSTOMER_ID = "customer_id"


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    PHONE = "phone"


# The member column that holds the address of each channel.
ADDRESS_COLUMNS: dict[Channel, str] = {
    Channel.EMAIL: "email",
    Channel.SMS: "phone",
    Channel.PHONE: "phone",
}

# Deliberately loose: the sending tool is the judge of deliverability; this only refuses what
# can never be an address (no @, spaces, no dot in the domain).
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE,
                 phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def normalize_email_address(value: object) -> str | None:
    """The email as tools compare it (trimmed, lower case), or None when it cannot be one."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    return text if _EMAIL.match(text) else None


@lru_cache(maxsize=200_000)
def _parse_phone(text: str, region: str) -> tuple[str, bool] | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164, phonenumbers.number_type(number) in _MOBILE_TYPES


def phone_to_e164(value: object, default_region: str = "FR") -> str | None:
    """A phone in E.164 (`06 12 34 56 78` -> `+33612345678`), or None when it is not valid.

    The import already stores phones in E.164; national numbers typed by hand in a consent or
    outcome file are read in ``default_region``.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    parsed = _parse_phone(value.strip(), default_region.upper())
    return parsed[0] if parsed else None


def is_mobile_number(value: object, default_region: str = "FR") -> bool:
    """True for a valid number that can receive an SMS (mobile, or a plan that does not say)."""
    if not isinstance(value, str) or not value.strip():
        return False
    parsed = _parse_phone(value.strip(), default_region.upper())
    return bool(parsed and parsed[1])


def normalize_address(value: object, channel: Channel | str, default_region: str = "FR") -> str | None:
    """The address of one channel in its compared form, or None when it cannot serve it:
    an email for email, a valid phone for calls, a mobile for SMS (a landline gets no SMS)."""
    channel = Channel(channel)
    if channel is Channel.EMAIL:
        return normalize_email_address(value)
    if channel is Channel.SMS:
        return phone_to_e164(value, default_region) if is_mobile_number(value, default_region) else None
    return phone_to_e164(value, default_region)


def channel_addresses(members: pd.DataFrame, channel: Channel | str,
                      default_region: str = "FR") -> pd.Series:
    """Each member's address for ``channel`` in compared form (missing when unusable)."""
    channel = Channel(channel)
    column = ADDRESS_COLUMNS[channel]
    if column not in members.columns:
        return pd.Series(pd.NA, index=members.index, dtype="string")
    values = members[column]
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    normalized = [normalize_address(value, channel, default_region) for value in uniques]
    lookup = pd.array([*normalized, None], dtype="string")
    return pd.Series(lookup[codes], index=members.index, dtype="string")
