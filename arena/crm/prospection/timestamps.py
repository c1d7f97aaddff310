"""Dates and times as the files of ticketing and mailing tools write them, read one way."""

from __future__ import annotations

import re
from datetime import datetime

import pandas as pd

# Day first, as French files write them; ISO as tools and scripts write them. A two-digit year
# is refused: "01/02/03" has too many readings to be a consent or outcome date.
_DAY_FIRST = re.compile(
    r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T]+(\d{1,2})[:hH](\d{2})(?::(\d{2}))?)?$"
)
_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
    r"(Z|[+-]\d{2}:?\d{2})?$"
)


def parse_timestamp(raw: object, timezone: str = "Europe/Paris") -> pd.Timestamp | None:
    """A naive timestamp in the organization's local time, or None when ``raw`` is not a date.

    Times carrying an offset (`2025-06-01T12:00:00Z`) are converted to ``timezone`` first so
    that every time in a campaign reads on the same clock as the tickets.
    """
    if raw is None or raw is pd.NaT:
        return None
    if isinstance(raw, pd.Timestamp | datetime):
        stamp = pd.Timestamp(raw)
        return _local(stamp, timezone)
    text = str(raw).strip()
    if not text or text.lower() in {"nan", "nat", "none"}:
        return None
    match = _DAY_FIRST.match(text)
    try:
        if match:
            day, month, year, hour, minute, second = match.groups()
            return pd.Timestamp(datetime(int(year), int(month), int(day), int(hour or 0),
                                         int(minute or 0), int(second or 0)))
        if _ISO.match(text):
            return _local(pd.Timestamp(text), timezone)
    except ValueError:  # 31/02/2025, 25:00
        return None
    return None


def parse_epoch_seconds(raw: object, timezone: str = "Europe/Paris") -> pd.Timestamp | None:
    """A Unix time in seconds (UTC, as Brevo's ``ts_event``) as local naive time."""
    try:
        seconds = float(str(raw).strip())
    except ValueError:
        return None
    if not 0 < seconds < 4_102_444_800:  # before 2100
        return None
    return _local(pd.Timestamp(seconds, unit="s", tz="UTC"), timezone)


def _local(stamp: pd.Timestamp, timezone: str) -> pd.Timestamp:
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert(timezone).tz_localize(None)
    return stamp
