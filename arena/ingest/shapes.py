"""What a raw cell looks like (email, date, time, amount, phone, postal code…), used to guess meaning."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

EMAIL = re.compile(r"^[^@\s;,]+@[^@\s;,]+\.[A-Za-z]{2,}$")
DATE = re.compile(
    r"^(\d{1,2}[/.\-]\d{1,2}[/.\-](\d{4}|\d{2})|\d{4}-\d{2}-\d{2})"
    r"([ T]\d{1,2}[:h]\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"
)
TIME = re.compile(r"^\d{1,2}[:h]\d{2}(:\d{2})?$")
# An amount with decimals and/or a currency sign: `50.00`, `48,00 €`, `1 234,50`, `€12`.
MONEY = re.compile(
    r"^-?(€|\$|£)?\s?\d{1,3}([ \u00a0\u202f.,]?\d{3})*([.,]\d{1,2})?\s?(€|eur|EUR|\$|£|CHF)?$"
)
# Excel turns long digit strings into scientific notation: `3,367E+10` is a mangled phone number.
EXCEL_SCIENTIFIC = re.compile(r"^\d[.,]\d+E\+\d{1,2}$", re.IGNORECASE)
PHONE = re.compile(r"^(\+|00)?[\d\s.\-()/]{8,20}$")
POSTAL_CODE = re.compile(r"^(\d{4,5}|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|\d{4} ?[A-Z]{2})$")
INTEGER = re.compile(r"^-?\d+$")
NUMBER = re.compile(r"^-?\d+([.,]\d+)?$")
GENDERS = frozenset(
    {"m", "f", "h", "mr", "mme", "mlle", "m.", "mrs", "ms", "miss", "homme", "femme", "male",
     "female", "monsieur", "madame", "mademoiselle", "man", "woman", "x"}
)
CURRENCIES = frozenset({"eur", "€", "usd", "$", "gbp", "£", "chf", "cad", "euro", "euros"})
COUNTRIES = frozenset(
    {"france", "fr", "fra", "belgique", "belgium", "be", "suisse", "switzerland", "ch",
     "luxembourg", "lu", "allemagne", "germany", "de", "espagne", "spain", "es", "italie",
     "italy", "it", "royaume-uni", "united kingdom", "uk", "gb", "etats-unis", "united states",
     "usa", "us", "pays-bas", "netherlands", "nl", "portugal", "pt", "canada", "ca", "maroc",
     "morocco", "ma", "algerie", "tunisie", "monaco", "mc"}
)


def _digits(value: str) -> int:
    return sum(char.isdigit() for char in value)


def value_kind(raw: str) -> str | None:
    """The most specific shape of one cell, or None for free text / empty."""
    value = raw.strip()
    if not value:
        return None
    lowered = value.lower()
    if EMAIL.match(value):
        return "email"
    if DATE.match(value):
        return "datetime" if (":" in value or "h" in value[10:]) else "date"
    if TIME.match(value):
        return "time"
    if EXCEL_SCIENTIFIC.match(value):
        return "phone"
    if lowered in CURRENCIES:
        return "currency"
    if lowered in GENDERS:
        return "gender"
    if lowered in COUNTRIES:
        return "country"
    if INTEGER.match(value):
        if len(value) in (4, 5):
            return "postal_code_or_integer"
        if len(value) in (9, 10, 11, 12) and value.startswith(("0", "33")):
            return "phone"
        return "integer"
    if PHONE.match(value) and 9 <= _digits(value) <= 15 and not NUMBER.match(value):
        return "phone"
    if MONEY.match(value):
        return "money"
    if POSTAL_CODE.match(value):
        return "postal_code"
    return None


def kind_shares(values: Iterable[str]) -> dict[str, float]:
    """Share of non-empty values having each shape, e.g. {"email": 0.98}."""
    kinds = [value_kind(value) for value in values if value.strip()]
    if not kinds:
        return {}
    counts = Counter(kind or "text" for kind in kinds)
    return {kind: count / len(kinds) for kind, count in counts.items()}


def looks_like_value(raw: str) -> bool:
    """True when a cell looks like data rather than a column label (header detection)."""
    kind = value_kind(raw)
    return kind is not None and kind not in ("currency", "gender", "country")
