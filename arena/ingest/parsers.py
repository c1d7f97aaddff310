"""Typed parsing of raw export values (dates, money, phones, postal codes, emails, gender, country).

Every scalar parser takes any string and either returns a typed result or raises
`ValueParseError` (never anything else), whose `code` is a stable reason code from
docs/import-rules.md. The `*_series` variants do the same work over a pandas Series: they run a
vectorized fast path for the common shapes and fall back to the scalar parser once per distinct
value, because exports repeat values heavily and a per-row Python loop would not meet the
100,000-rows-per-second budget of the loader.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa

LOCAL_TIMEZONE = ZoneInfo("Europe/Paris")
EXCEL_EPOCH = datetime(1899, 12, 30)
# Serials outside this window are more likely an identifier or a price than a date.
EXCEL_SERIAL_RANGE = (1.0, 73051.0)  # 1899-12-31 .. 2099-12-31
PLAUSIBLE_YEARS = (1900, 2100)

Gender = Literal["F", "M"]


class ValueParseError(ValueError):
    """A raw value that cannot become the typed value its field needs; `code` is a reason code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _quote(raw: object) -> str:
    text = str(raw)
    return repr(text if len(text) <= 60 else text[:57] + "...")


# --------------------------------------------------------------------------------------------
# Excel damage
# --------------------------------------------------------------------------------------------

SCIENTIFIC_NOTATION = re.compile(r"^\s*[+-]?\d+(?:[.,]\d+)?\s*[eE]\s*[+-]?\d+\s*$")
# For already stripped text: without `\s` the pattern runs in RE2 on pyarrow strings.
CLEAN_SCIENTIFIC_NOTATION_PATTERN = r"[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+"


def is_scientific_notation(raw: str) -> bool:
    """True when Excel turned a long number (phone, ticket id) into `3,367E+10`: digits are lost."""
    return bool(SCIENTIFIC_NOTATION.match(raw))


# --------------------------------------------------------------------------------------------
# Money
# --------------------------------------------------------------------------------------------

CURRENCY_TOKENS: dict[str, str] = {
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "$": "USD", "usd": "USD", "us$": "USD", "dollar": "USD", "dollars": "USD",
    "£": "GBP", "gbp": "GBP",
    "chf": "CHF", "fr.": "CHF", "sfr": "CHF",
    "cad": "CAD", "c$": "CAD", "jpy": "JPY", "¥": "JPY", "sek": "SEK", "nok": "NOK",
    "dkk": "DKK", "pln": "PLN", "czk": "CZK", "huf": "HUF", "aud": "AUD", "a$": "AUD",
}
_CURRENCY_ALTERNATION = "|".join(
    re.escape(token) for token in sorted(CURRENCY_TOKENS, key=len, reverse=True)
)
_CURRENCY_RE = re.compile(rf"(?i)(?:{_CURRENCY_ALTERNATION})(?![a-z])")
# Spaces of every kind Excel and vendors put between thousands: space, nbsp, narrow nbsp, thin.
_GROUPING_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_AMOUNT_RE = re.compile(r"^\d+(?:[.,]\d+)*$")
_SIGN_AS_DECIMAL_RE = re.compile(r"(\d)\s*[€$£]\s*(\d{2})$")


@dataclass(frozen=True)
class ParsedPrice:
    """An exact amount (never a float) and the currency written next to it, if any."""

    amount: Decimal
    currency: str | None

    @property
    def cents(self) -> int:
        """Amount in minor units, rounded half-up when a vendor exported sub-cent precision."""
        return int((self.amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _normalize_amount_digits(digits: str, raw: str) -> str:
    """Turn `1.234,56` / `1,234.56` / `1234,5` into `1234.56`, deciding which mark is decimal."""
    dots, commas = digits.count("."), digits.count(",")
    if dots and commas:
        decimal_mark = "." if digits.rfind(".") > digits.rfind(",") else ","
        grouping = "," if decimal_mark == "." else "."
        if digits.count(decimal_mark) > 1:
            raise ValueParseError("invalid_price", f"Price {_quote(raw)} is not a number.")
        return digits.replace(grouping, "").replace(decimal_mark, ".")
    mark = "." if dots else "," if commas else ""
    if not mark:
        return digits
    parts = digits.split(mark)
    if len(parts) > 2:
        # `1.234.567` : only grouping marks, every group after the first has three digits.
        if all(len(part) == 3 for part in parts[1:]):
            return "".join(parts)
        raise ValueParseError("invalid_price", f"Price {_quote(raw)} is not a number.")
    whole, fraction = parts
    # One mark followed by exactly three digits is a thousands separator (`1.500` = 1500),
    # unless the whole part is 0 (`0,500`): ticket prices are not quoted in tenths of a cent.
    if len(fraction) == 3 and whole not in ("0", ""):
        return whole + fraction
    return f"{whole}.{fraction}"


# Currency names as written in a currency column (folded: lower case, no accents, one space).
_CURRENCY_NAMES: dict[str, str] = {
    "euro": "EUR", "euros": "EUR",
    "dollar": "USD", "dollars": "USD", "dollar us": "USD", "dollars us": "USD",
    "us dollar": "USD", "us dollars": "USD",
    "livre": "GBP", "livres": "GBP", "livre sterling": "GBP", "livres sterling": "GBP",
    "sterling": "GBP", "pound": "GBP", "pounds": "GBP", "pound sterling": "GBP",
    "pounds sterling": "GBP",
    "fr": "CHF", "fr.": "CHF", "franc suisse": "CHF", "francs suisses": "CHF",
    "franc suisses": "CHF", "francs suisse": "CHF", "swiss franc": "CHF", "swiss francs": "CHF",
}


def parse_currency(raw: str) -> str:
    """Normalize a currency as written in a currency column to its ISO 4217 code.

    Symbols (`€`, `$`, `£`, `Fr.`), codes in any case (`eur`, ` chf `) and names in French or
    English (`Euros`, `livres sterling`, `francs suisses`) are read; anything that is not then
    three ASCII letters raises ValueParseError code `invalid_currency`.
    """
    decomposed = unicodedata.normalize("NFKD", str(raw))
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    folded = " ".join(folded.split())
    code = CURRENCY_TOKENS.get(folded) or _CURRENCY_NAMES.get(folded)
    if code is None and re.fullmatch(r"[a-z]{3}", folded):
        code = folded.upper()
    if code is None:
        raise ValueParseError("invalid_currency", f"Currency {_quote(raw)} is not a currency.")
    return code


def parse_price(raw: str, *, in_cents: bool = False) -> ParsedPrice:
    """Parse `48,00 €`, `€1,234.50`, `1 234`, `CHF 12.-`, `(12.00)` or cents (`4800`).

    Raises ValueParseError with code `missing_price` (blank) or `invalid_price`.
    The sign is kept: a negative amount is a refund and the caller decides what to do with it.
    """
    text = str(raw).strip()
    if not text:
        raise ValueParseError("missing_price", "The price is missing.")
    currencies = {CURRENCY_TOKENS[m.group(0).lower()] for m in _CURRENCY_RE.finditer(text)}
    if len(currencies) > 1:
        raise ValueParseError("invalid_price", f"Price {_quote(raw)} names several currencies.")
    currency = currencies.pop() if currencies else None
    # French `12€50`: a sign between the units and exactly two digits is the decimal point.
    sign_as_decimal = _SIGN_AS_DECIMAL_RE.search(text)
    if sign_as_decimal:  # the units may still hold grouping marks (`1.234€50`)
        units = re.sub(r"[.,]", "", text[:sign_as_decimal.start(1)] + sign_as_decimal.group(1))
        text = f"{units}.{sign_as_decimal.group(2)}"
    body = _CURRENCY_RE.sub("", text)
    body = _GROUPING_SPACES.sub("", body)
    negative = False
    if body.startswith("(") and body.endswith(")"):
        negative, body = True, body[1:-1]
    if body.endswith(".-") or body.endswith(",-"):  # Swiss `12.-` means 12.00
        body = body[:-2]
    if body[:1] in "+-\u2212" and body:
        negative = negative or body[0] != "+"
        body = body[1:]
    elif body.endswith("-"):
        negative, body = True, body[:-1]
    if not _AMOUNT_RE.match(body):
        raise ValueParseError("invalid_price", f"Price {_quote(raw)} is not a number.")
    try:
        amount = Decimal(_normalize_amount_digits(body, text))
    except InvalidOperation as error:  # pragma: no cover - guarded by _AMOUNT_RE
        raise ValueParseError("invalid_price", f"Price {_quote(raw)} is not a number.") from error
    if in_cents:
        amount = amount / 100
    if negative:
        amount = -amount
    return ParsedPrice(amount=amount, currency=currency)


_SIMPLE_AMOUNT = r"^(?P<sign>-?)(?P<whole>\d{1,9})(?:[.,](?P<fraction>\d{1,2}))?$"


def parse_price_series(
    values: pd.Series, *, in_cents: bool = False
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Vectorized `parse_price`: (cents as float64 holding exact integers or NaN, currency, error).

    Work is done once per distinct value (a chunk holds a handful of distinct prices). Plain
    amounts (`50`, `48,00`, `-12.5`) are computed with integer string arithmetic, anything else
    goes through `parse_price`. float64 is exact for every integer below 2**53 cents, so the
    caller's cast to int64 loses nothing.
    """
    codes, uniques = pd.factorize(values.astype("str").str.strip(), use_na_sentinel=True)
    distinct = pd.Series(uniques, dtype="str")
    cents = pd.Series(np.nan, index=distinct.index, dtype="float64")
    currency = pd.Series(None, index=distinct.index, dtype="object")
    error = pd.Series(None, index=distinct.index, dtype="object")
    blank = (distinct == "").to_numpy(dtype=bool)
    error[blank] = "missing_price"
    parts = distinct.str.extract(_SIMPLE_AMOUNT)
    simple = parts["whole"].notna().to_numpy(dtype=bool).copy()
    if in_cents:
        # `4800` cents; `48,5` cents means nothing and is left to the scalar parser to refuse.
        simple &= parts["fraction"].isna().to_numpy(dtype=bool)
    if simple.any():
        sp = parts[simple]
        whole = sp["whole"].astype("int64")
        if in_cents:
            amount = whole
        else:
            fraction = sp["fraction"].fillna("0").str.pad(2, side="right", fillchar="0")
            amount = whole * 100 + fraction.astype("int64")
        amount = amount.where(sp["sign"] != "-", -amount)
        cents[simple] = amount.astype("float64").to_numpy()
    for position in np.flatnonzero(~simple & ~blank):
        try:
            parsed = parse_price(distinct.iat[position], in_cents=in_cents)
        except ValueParseError as problem:
            error.iat[position] = problem.code
            continue
        cents.iat[position] = float(parsed.cents)
        currency.iat[position] = parsed.currency
    missing = codes < 0
    take = np.where(missing, 0, codes)

    def spread(distinct_values: pd.Series, fill: object) -> pd.Series:
        if not len(distinct_values):
            return pd.Series(fill, index=values.index, dtype="object" if fill is None else "float64")
        spread_values = distinct_values.to_numpy()[take]
        result = pd.Series(spread_values, index=values.index, dtype=distinct_values.dtype)
        result[missing] = fill
        return result

    cents_out = spread(cents, np.nan)
    error_out = spread(error, None)
    error_out[missing] = "missing_price"
    return cents_out, spread(currency, None), error_out


# --------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------

MONTH_NUMBERS: dict[str, int] = {
    "janvier": 1, "janv": 1, "january": 1, "jan": 1,
    "fevrier": 2, "février": 2, "fevr": 2, "févr": 2, "fev": 2, "fév": 2, "february": 2, "feb": 2,
    "mars": 3, "march": 3, "mar": 3,
    "avril": 4, "avr": 4, "april": 4, "apr": 4,
    "mai": 5, "may": 5,
    "juin": 6, "june": 6, "jun": 6,
    "juillet": 7, "juil": 7, "july": 7, "jul": 7,
    "aout": 8, "août": 8, "august": 8, "aug": 8,
    "septembre": 9, "sept": 9, "september": 9, "sep": 9,
    "octobre": 10, "october": 10, "oct": 10,
    "novembre": 11, "november": 11, "nov": 11,
    "decembre": 12, "décembre": 12, "december": 12, "dec": 12, "déc": 12,
}
_MONTH_ALTERNATION = "|".join(sorted(MONTH_NUMBERS, key=len, reverse=True))
_MONTH_RE = re.compile(rf"(?i)(?<![a-zà-ÿ])({_MONTH_ALTERNATION})\.?(?![a-zà-ÿ])")
_WEEKDAY_RE = re.compile(
    r"(?i)(?<![a-zà-ÿ])(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|monday|tuesday|"
    r"wednesday|thursday|friday|saturday|sunday|lun|mar|mer|jeu|ven|sam|dim|mon|tue|wed|thu|"
    r"fri|sat|sun)\.?,?(?![a-zà-ÿ])"
)
_FRENCH_TIME_RE = re.compile(r"(?i)(\d{1,2})\s*h\s*(\d{2})?(?![\d])")
_FIRST_RE = re.compile(r"(?i)\b1er\b")
# A 12-hour clock time: `7:30 PM`, `10:28pm`, `9 a.m.`, `12:05:09 AM`.
_TWELVE_HOUR_RE = re.compile(
    r"(?i)(?<![\d:])(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*([ap])\.?\s*m\.?(?![a-z])"
)
_AT_RE = re.compile(r"(?i)\s(?:à|a|at|-)\s")
_DMY_RE = re.compile(
    r"^(\d{1,2})\s*([/.\-\s])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})"
    r"(?:[\sT,]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?$"
)
_YMD_RE = re.compile(
    r"^(\d{4})([/.\-])(\d{1,2})\2(\d{1,2})(?:[\sT]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?$"
)
_ISO_WITH_OFFSET_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ].*(?:[zZ]|[+-]\d{2}:?\d{2})$")
ISO_WITH_OFFSET_PATTERN = r"^\d{4}-\d{2}-\d{2}[T ].*(?:[zZ]|[+-]\d{2}:?\d{2})$"
_EXCEL_SERIAL_RE = re.compile(r"^\d{1,5}(?:[.,]\d+)?$")
EXCEL_SERIAL_PATTERN = r"^\d{1,5}(?:[.,]\d+)?$"


def normalize_date_text(raw: str) -> str:
    """Rewrite `samedi 12 août 2023 à 20h30` as `12/08/2023 20:30` so one grammar covers all."""
    text = " ".join(str(raw).split())
    if not any(char.isalpha() for char in text):
        return text
    if _ISO_WITH_OFFSET_RE.match(text) or re.match(r"^\d{4}-\d{2}-\d{2}T", text):
        return text
    text = _TWELVE_HOUR_RE.sub(_twenty_four_hour, text)
    text = _WEEKDAY_RE.sub(" ", text)
    text = _FIRST_RE.sub("1", text)
    text = _MONTH_RE.sub(lambda m: f"/{MONTH_NUMBERS[m.group(1).lower()]:02d}/", text)
    text = re.sub(r"\s*/\s*", "/", text)
    text = _AT_RE.sub(" ", text)
    text = _FRENCH_TIME_RE.sub(lambda m: f"{m.group(1)}:{m.group(2) or '00'}", text)
    return " ".join(text.replace(",", " ").split())


def _twenty_four_hour(match: re.Match[str]) -> str:
    """`7:30 PM` → `19:30`, `12:05 AM` → `00:05`; an hour outside 1-12 is left to fail."""
    hour, minute, second, half = match.groups()
    value = int(hour)
    if not 1 <= value <= 12:
        return match.group(0)
    value = value % 12 + (12 if half.lower() == "p" else 0)
    return f"{value:02d}:{minute or '00'}" + (f":{second}" if second else "")


def is_excel_serial(raw: str) -> bool:
    """True for a bare number Excel shows instead of a date (`45151` or `45151.854`)."""
    text = str(raw).strip()
    if not _EXCEL_SERIAL_RE.match(text):
        return False
    value = float(text.replace(",", "."))
    return EXCEL_SERIAL_RANGE[0] <= value <= EXCEL_SERIAL_RANGE[1]


def excel_serial_to_datetime(raw: str) -> datetime:
    """Excel's day count from 1899-12-30 (which absorbs its 1900 leap-year bug) to a datetime."""
    days = float(str(raw).strip().replace(",", "."))
    moment = EXCEL_EPOCH + timedelta(days=days)
    # Excel stores minutes as binary fractions; round to the second it meant.
    return (moment + timedelta(microseconds=500_000)).replace(microsecond=0)


def _make_datetime(year: int, month: int, day: int, hour: int, minute: int, second: int,
                   raw: str) -> datetime:
    try:
        moment = datetime(year, month, day, hour, minute, second)
    except ValueError as error:
        raise ValueParseError("invalid_date", f"Date {_quote(raw)} does not exist.") from error
    if not PLAUSIBLE_YEARS[0] <= moment.year <= PLAUSIBLE_YEARS[1]:
        raise ValueParseError("invalid_date", f"Date {_quote(raw)} is outside 1900-2100.")
    return moment


def _expand_two_digit_year(year_text: str) -> int:
    year = int(year_text)
    if len(year_text) == 4:
        return year
    # Same pivot as strptime's %y (and the vectorized path): 69-99 -> 19xx, 00-68 -> 20xx.
    return 1900 + year if year >= 69 else 2000 + year


def parse_datetime(raw: str, *, day_first: bool = True) -> datetime:
    """Parse one date or date-time into a naive local (Europe/Paris wall clock) datetime.

    Accepts `12/08/2023 20:30`, `12/08/23`, `12.08.2023`, `11/29/24 22:28` (day_first=False),
    `2023-08-12T20:30:00+02:00` (converted to Paris time then made naive), `12 août 2023 10:15`,
    `12/08/2023 20h30` and Excel serials (`45151.85`). Raises ValueParseError code
    `missing_date` or `invalid_date`.
    """
    text = " ".join(str(raw).split())
    if not text:
        raise ValueParseError("missing_date", "The date is missing.")
    if is_excel_serial(text):
        return excel_serial_to_datetime(text)
    if re.match(r"^\d{4}-\d{1,2}-\d{1,2}", text):
        candidate = text.replace(" ", "T", 1) if " " in text else text
        candidate = re.sub(r"[zZ]$", "+00:00", candidate)
        try:
            moment = datetime.fromisoformat(candidate)
        except ValueError:
            moment = None
        if moment is not None:
            if moment.tzinfo is not None:
                moment = moment.astimezone(LOCAL_TIMEZONE).replace(tzinfo=None)
            if not PLAUSIBLE_YEARS[0] <= moment.year <= PLAUSIBLE_YEARS[1]:
                raise ValueParseError("invalid_date", f"Date {_quote(raw)} is outside 1900-2100.")
            return moment
    text = normalize_date_text(text)
    match = _DMY_RE.match(text)
    if match:
        first, _, second, year_text, hour, minute, sec = match.groups()
        day, month = (int(first), int(second)) if day_first else (int(second), int(first))
        return _make_datetime(_expand_two_digit_year(year_text), month, day, int(hour or 0),
                              int(minute or 0), int(sec or 0), raw)
    match = _YMD_RE.match(text)
    if match:
        year_text, _, month_text, day_text, hour, minute, sec = match.groups()
        return _make_datetime(int(year_text), int(month_text), int(day_text), int(hour or 0),
                              int(minute or 0), int(sec or 0), raw)
    raise ValueParseError("invalid_date", f"Date {_quote(raw)} is not a recognizable date.")


# A day-month-year date whose year has two digits (`05/05/50`, `5.5.50 10:00`).
TWO_DIGIT_YEAR_PATTERN = r"^\d{1,2} ?[/.\- ] ?\d{1,2} ?[/.\- ] ?\d{2}(?:[ T,]|$)"


def written_with_two_digit_year(raw: str) -> bool:
    """True when a date is written with a two-digit year (`05/05/50`, `5 mai 50`)."""
    match = _DMY_RE.match(normalize_date_text(str(raw)))
    return match is not None and len(match.group(4)) == 2


DateKind = Literal["dmy", "ymd", "iso", "excel_serial", "empty", "unknown"]


@dataclass(frozen=True)
class DateFormatGuess:
    """How one column writes its dates, inferred once so every chunk parses the same way."""

    kind: DateKind
    day_first: bool
    # Whether the data itself proved the day/month order (a component above 12 was seen).
    order_decided: bool = False
    two_digit_year: bool = False
    has_time: bool = False
    has_seconds: bool = False
    french_months: bool = False
    needs_normalization: bool = False
    separator: str = "/"

    @property
    def pandas_format(self) -> str | None:
        """The strptime format of the dominant shape, used by the vectorized fast path."""
        if self.kind == "iso":
            return "ISO8601"
        if self.kind not in ("dmy", "ymd"):
            return None
        sep = self.separator
        year = "%y" if self.two_digit_year else "%Y"
        if self.kind == "ymd":
            day_part = f"%Y{sep}%m{sep}%d"
        else:
            day_part = f"%d{sep}%m{sep}{year}" if self.day_first else f"%m{sep}%d{sep}{year}"
        if not self.has_time:
            return day_part
        return f"{day_part} %H:%M:%S" if self.has_seconds else f"{day_part} %H:%M"


INFERENCE_SAMPLE_SIZE = 2000


def infer_date_format(values: Sequence[str] | pd.Series, *,
                      day_first: bool | None = None) -> DateFormatGuess:
    """Guess a column's date grammar from its values: order, year width, time, serials, months.

    The day/month order is decided by any component above 12 (`29/11/24` vs `11/29/24`); when
    every value is ambiguous, `day_first` (default True, the French convention) decides.
    An explicit `day_first` always wins over the data.
    """
    default_day_first = True if day_first is None else day_first
    distinct = pd.unique(pd.Series(values).dropna())
    if len(distinct) > INFERENCE_SAMPLE_SIZE:
        # Evenly spread over the column so a late `29/11` still reveals the day/month order.
        step = len(distinct) / INFERENCE_SAMPLE_SIZE
        distinct = distinct[(np.arange(INFERENCE_SAMPLE_SIZE) * step).astype(int)]
    texts = [" ".join(str(value).split()) for value in distinct]
    texts = [text for text in texts if text]
    if not texts:
        return DateFormatGuess(kind="empty", day_first=default_day_first)
    counts: dict[str, int] = {"dmy": 0, "ymd": 0, "iso": 0, "excel_serial": 0}
    first_over_12 = second_over_12 = 0
    two_digit = four_digit = with_time = with_seconds = 0
    separators: dict[str, int] = {}
    french = needs_normalization = False
    for text in texts:
        if is_excel_serial(text):
            counts["excel_serial"] += 1
            continue
        if re.match(r"^\d{4}-\d{2}-\d{2}(?:[T ]|$)", text):
            counts["iso"] += 1
            continue
        normalized = normalize_date_text(text)
        if normalized != text:
            needs_normalization = True
            french = french or bool(_MONTH_RE.search(text))
        match = _DMY_RE.match(normalized)
        if match:
            counts["dmy"] += 1
            first, sep, second, year_text, hour, _, sec = match.groups()
            separators[sep] = separators.get(sep, 0) + 1
            first_over_12 += int(first) > 12
            second_over_12 += int(second) > 12
            two_digit += len(year_text) == 2
            four_digit += len(year_text) == 4
            with_time += hour is not None
            with_seconds += sec is not None
            continue
        match = _YMD_RE.match(normalized)
        if match:
            counts["ymd"] += 1
            separators[match.group(2)] = separators.get(match.group(2), 0) + 1
            with_time += match.group(5) is not None
            with_seconds += match.group(7) is not None
    kind_name = max(counts, key=lambda name: counts[name])
    kind: DateKind = kind_name if counts[kind_name] else "unknown"  # type: ignore[assignment]
    order_decided = day_first is not None
    resolved_day_first = default_day_first
    if day_first is None and kind == "dmy":
        if first_over_12 and not second_over_12:
            resolved_day_first, order_decided = True, True
        elif second_over_12 and not first_over_12:
            resolved_day_first, order_decided = False, True
    dated = counts["dmy"] + counts["ymd"]
    return DateFormatGuess(
        kind=kind,
        day_first=resolved_day_first,
        order_decided=order_decided,
        two_digit_year=two_digit > four_digit,
        has_time=with_time * 2 > dated if dated else False,
        has_seconds=with_seconds * 2 > with_time if with_time else False,
        french_months=french,
        needs_normalization=needs_normalization,
        separator=max(separators, key=lambda s: separators[s]) if separators else "/",
    )


def arrow_text(values: pd.Series) -> pa.Array:
    """The values as one Arrow string array, without a copy when they are already Arrow-backed."""
    array = values.array
    if hasattr(array, "__arrow_array__") and getattr(values.dtype, "storage", None) == "pyarrow":
        arrow = array.__arrow_array__()
        arrow = arrow.combine_chunks() if isinstance(arrow, pa.ChunkedArray) else arrow
        if pa.types.is_string(arrow.type) or pa.types.is_large_string(arrow.type):
            return arrow
    return pa.array(values.to_numpy(dtype=object, na_value=None), type=pa.large_string())


def string_bytes(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(start offsets, data bytes) of an Arrow string array: offsets index into the bytes."""
    buffers = text.buffers()
    offset_type = np.int64 if pa.types.is_large_string(text.type) else np.int32
    offsets = np.frombuffer(buffers[1], dtype=offset_type)[text.offset: text.offset + len(text) + 1]
    data = (np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None
            else np.empty(0, dtype=np.uint8))
    return offsets.astype(np.int64), data


_FIXED_WIDTH_FIELDS = {"d": 2, "m": 2, "Y": 4, "y": 2, "H": 2, "M": 2, "S": 2}
_NANOSECONDS = {"H": 3_600_000_000_000, "M": 60_000_000_000, "S": 1_000_000_000}


def parse_fixed_width_dates(text: pa.Array, fmt: str) -> np.ndarray:
    """Read the zero-padded, exact-width values of `fmt` (`%d/%m/%Y %H:%M`) straight from bytes.

    Returns datetime64[ns] with NaT for every value this fast path does not vouch for: other
    widths, impossible calendar dates, years outside 1900-2100. Those are left to the general
    strptime path, so a value read here gets exactly the timestamp strptime would give it
    (`%y` uses the same 69-99 -> 19xx pivot).
    """
    layout: list[tuple[str, int]] = []  # (field letter or literal character, byte position)
    position, index = 0, 0
    while index < len(fmt):
        if fmt[index] == "%":
            letter = fmt[index + 1] if index + 1 < len(fmt) else ""
            if letter not in _FIXED_WIDTH_FIELDS:
                return np.full(len(text), np.datetime64("NaT"), dtype="datetime64[ns]")
            layout.append((letter, position))
            position, index = position + _FIXED_WIDTH_FIELDS[letter], index + 2
        else:
            if not fmt[index].isascii():
                return np.full(len(text), np.datetime64("NaT"), dtype="datetime64[ns]")
            layout.append((fmt[index], position))
            position, index = position + 1, index + 1
    width = position
    offsets, data = string_bytes(text)
    result = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[ns]")
    candidates = np.diff(offsets) == width
    if text.null_count:
        candidates &= np.asarray(text.is_valid())
    rows = np.flatnonzero(candidates)
    if not len(rows):
        return result
    starts = offsets[rows]
    ok = np.ones(len(rows), dtype=bool)
    fields: dict[str, np.ndarray] = {}
    for item, at in layout:
        if item not in _FIXED_WIDTH_FIELDS:
            ok &= data[starts + at] == ord(item)
            continue
        number = np.zeros(len(rows), dtype=np.int64)
        for digit_at in range(at, at + _FIXED_WIDTH_FIELDS[item]):
            digit = data[starts + digit_at].astype(np.int64) - 48
            ok &= (digit >= 0) & (digit <= 9)
            number = number * 10 + digit
        fields[item] = number
    if "y" in fields:
        fields["Y"] = np.where(fields["y"] >= 69, 1900 + fields["y"], 2000 + fields["y"])
    if "Y" not in fields or "m" not in fields or "d" not in fields:
        return result
    year, month, day = fields["Y"], fields["m"], fields["d"]
    ok &= (year >= PLAUSIBLE_YEARS[0]) & (year <= PLAUSIBLE_YEARS[1])
    ok &= (month >= 1) & (month <= 12) & (day >= 1)
    ok &= (fields.get("H", 0) <= 23) & (fields.get("M", 0) <= 59) & (fields.get("S", 0) <= 59)
    month_index = np.where(ok, (year - 1970) * 12 + month - 1, 0)
    first_day = month_index.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    next_first = (month_index + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    ok &= day <= next_first - first_day
    nanoseconds = (first_day + day - 1) * 86_400_000_000_000
    for letter, unit in _NANOSECONDS.items():
        if letter in fields:
            nanoseconds = nanoseconds + fields[letter] * unit
    result[rows[ok]] = nanoseconds[ok].astype("datetime64[ns]")
    return result


def _normalize_date_series(text: pd.Series) -> pd.Series:
    """Vectorized `normalize_date_text` for columns written with month names or `20h30`."""
    return map_distinct(text, normalize_date_text, result_dtype="object")


def parse_datetime_series(
    values: pd.Series, guess: DateFormatGuess
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Vectorized `parse_datetime` driven by a column's guess.

    Returns (datetime64[ns] naive local time, bool "was an Excel serial", error code or NA with
    `missing_date` / `invalid_date`). The inferred strptime format parses the bulk in C; values it
    rejects are parsed one distinct value at a time by the scalar parser with the same day order.
    """
    text = values.astype("str").str.strip()
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    if len(uniques) > 0 and len(uniques) * 2 < len(text):
        # Event and birth dates repeat a lot: parse each distinct value once.
        distinct = parse_datetime_series(pd.Series(uniques, dtype="str"), guess)
        take = np.where(codes < 0, 0, codes)
        missing = codes < 0
        moments = pd.Series(distinct[0].to_numpy()[take], index=values.index)
        moments[missing] = pd.NaT
        serials = pd.Series(distinct[1].to_numpy()[take] & ~missing, index=values.index)
        errors = pd.Series(distinct[2].to_numpy()[take], index=values.index, dtype="object")
        errors[missing] = "missing_date"
        return moments.astype("datetime64[ns]"), serials, errors
    present = text.notna() & (text != "")
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    serial = pd.Series(False, index=values.index)
    error = pd.Series(pd.NA, index=values.index, dtype="object")
    error[~present] = "missing_date"
    if not present.any():
        return result, serial, error
    body = text[present]
    serial_candidates = body.str.fullmatch(EXCEL_SERIAL_PATTERN)
    if serial_candidates.any():
        numbers = pd.to_numeric(body[serial_candidates].str.replace(",", "."), errors="coerce")
        in_range = numbers.between(*EXCEL_SERIAL_RANGE)
        numbers = numbers[in_range]
        moments = (EXCEL_EPOCH + pd.to_timedelta(numbers, unit="D")).dt.round("s")
        result.loc[moments.index] = moments.astype("datetime64[ns]")
        serial.loc[moments.index] = True
        body = body.drop(moments.index)
    fmt = guess.pandas_format
    if fmt == "ISO8601" and len(body):
        offset = body.str.contains(ISO_WITH_OFFSET_PATTERN, regex=True)
        if offset.any():
            aware = pd.to_datetime(body[offset], format="ISO8601", utc=True, errors="coerce")
            local = aware.dt.tz_convert(LOCAL_TIMEZONE).dt.tz_localize(None)
            result.loc[local.index] = local.astype("datetime64[ns]")
        naive = body[~offset]
        if len(naive):
            parsed = pd.to_datetime(naive, format="ISO8601", errors="coerce")
            result.loc[parsed.index] = parsed.astype("datetime64[ns]")
    elif fmt is not None and len(body):
        source = _normalize_date_series(body) if guess.needs_normalization else body
        if not guess.needs_normalization:
            # Most values have the exact zero-padded shape: read them from bytes, strptime the rest.
            fast = parse_fixed_width_dates(arrow_text(body), fmt)
            read = ~np.isnat(fast)
            result.loc[body.index[read]] = fast[read]
            source = body[~read]
        if len(source):
            parsed = pd.to_datetime(source, format=fmt, errors="coerce")
            result.loc[parsed.index] = parsed.astype("datetime64[ns]")
    unparsed = body.index[result.loc[body.index].isna().to_numpy()]
    if len(unparsed):
        def parse_one(raw: str) -> tuple[datetime | None, str | None]:
            try:
                return parse_datetime(raw, day_first=guess.day_first), None
            except ValueParseError as problem:
                return None, problem.code

        outcomes = map_distinct(text.loc[unparsed], parse_one)
        result.loc[unparsed] = pd.to_datetime(
            pd.Series([item[0] for item in outcomes], index=unparsed, dtype="object")
        ).astype("datetime64[ns]")
        error.loc[unparsed] = [item[1] for item in outcomes]
    out_of_range = result.notna() & ~result.dt.year.between(*PLAUSIBLE_YEARS)
    result[out_of_range] = pd.NaT
    error[out_of_range] = "invalid_date"
    return result, serial, error


# --------------------------------------------------------------------------------------------
# Phones
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedPhone:
    """A phone number in E.164, and whether a leading zero dropped by Excel was put back."""

    e164: str
    leading_zero_restored: bool = False


_PHONE_NOISE = re.compile(r"[\s\u00a0\u202f.\-/()]")


# National prefixes of the French overseas departments (ARCEP numbering plan) and the region
# whose country code they dial: landlines then mobiles.
OVERSEAS_REGIONS = {
    "262": "RE", "263": "RE", "692": "RE", "693": "RE",  # La Réunion (+262)
    "269": "YT", "639": "YT",  # Mayotte (+262)
    "590": "GP", "690": "GP", "691": "GP",  # Guadeloupe, Saint-Martin, Saint-Barthélemy (+590)
    "596": "MQ", "696": "MQ", "697": "MQ",  # Martinique (+596)
    "594": "GF", "694": "GF",  # Guyane (+594)
}
OVERSEAS_PREFIX = re.compile(r"0(" + "|".join(OVERSEAS_REGIONS) + r")\d{6}")
# The same numbers as digits only, the leading zero possibly dropped by Excel.
OVERSEAS_DIGITS_PATTERN = r"0?(?:" + "|".join(OVERSEAS_REGIONS) + r")\d{6}"


def parse_phone(raw: str, default_region: str = "FR") -> ParsedPhone:
    """Parse a phone to E.164 (`06 12 34 56 78` -> `+33612345678`).

    A 9-digit French number (`612345678`, Excel dropped the zero) is repaired and flagged.
    Raises ValueParseError code `phone_scientific_notation` (`3,367E+10`: digits lost),
    `invalid_phone` otherwise.
    """
    text = str(raw).strip()
    if not text:
        raise ValueParseError("invalid_phone", "The phone number is missing.")
    if is_scientific_notation(text):
        raise ValueParseError(
            "phone_scientific_notation",
            f"Phone {_quote(raw)} was turned into scientific notation by Excel; its digits are lost.",
        )
    region = (default_region or "FR").upper()
    compact = _PHONE_NOISE.sub("", text)
    restored = False
    if compact.endswith(".0"):  # Excel float rendering `612345678.0`
        compact = compact[:-2]
    if region == "FR" and re.fullmatch(r"[1-9]\d{8}", compact):
        compact, restored = "0" + compact, True
    if region == "FR":
        # Overseas departments share France's 10-digit national plan but not its country code:
        # 0692 12 34 56 is +262 692 12 34 56 (La Réunion), never +33 692….
        overseas = OVERSEAS_PREFIX.fullmatch(compact)
        if overseas:
            region = OVERSEAS_REGIONS[overseas.group(1)]
    try:
        number = phonenumbers.parse(compact, region)
    except phonenumbers.NumberParseException as error:
        raise ValueParseError("invalid_phone", f"Phone {_quote(raw)} is not a phone number.") from error
    except Exception as error:  # phonenumbers may raise on pathological input; never leak it
        raise ValueParseError("invalid_phone", f"Phone {_quote(raw)} is not a phone number.") from error
    if not phonenumbers.is_valid_number(number):
        raise ValueParseError("invalid_phone", f"Phone {_quote(raw)} is not a valid phone number.")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return ParsedPhone(e164=e164, leading_zero_restored=restored)


# --------------------------------------------------------------------------------------------
# Postal codes, emails, gender, country
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedPostalCode:
    """A cleaned postal code, and whether a French leading zero lost by Excel was restored."""

    code: str
    padded: bool = False


def parse_postal_code(raw: str, country: str | None = "FR") -> ParsedPostalCode:
    """Clean a postal code; for France pad `3000` to `03000` (Excel dropped the zero).

    Other countries are only whitespace-cleaned and upper-cased. Raises ValueParseError code
    `invalid_postal_code` for a blank value or a French code that is not 4-5 digits.
    """
    text = " ".join(str(raw).split()).upper()
    if not text:
        raise ValueParseError("invalid_postal_code", "The postal code is missing.")
    if (country or "").upper() != "FR":
        return ParsedPostalCode(code=text)
    digits = text.replace(" ", "")
    if re.fullmatch(r"\d+\.0", digits):  # Excel float rendering `3000.0`
        digits = digits[:-2]
    if re.fullmatch(r"\d{5}", digits):
        return ParsedPostalCode(code=digits)
    if re.fullmatch(r"\d{4}", digits):
        return ParsedPostalCode(code="0" + digits, padded=True)
    raise ValueParseError("invalid_postal_code", f"Postal code {_quote(raw)} is not a French postal code.")


EMAIL_PATTERN = (
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)
_EMAIL_RE = re.compile(EMAIL_PATTERN)


def parse_email(raw: str) -> str:
    """Lower-case and validate an email (`Julie.Pierre@Mail.FR` -> `julie.pierre@mail.fr`).

    Raises ValueParseError code `invalid_email` (`Julie.pierre3@PIERRE` has no domain suffix).
    """
    text = str(raw).strip().lower()
    if not _EMAIL_RE.match(text) or len(text) > 254:
        raise ValueParseError("invalid_email", f"Email {_quote(raw)} is not a valid email address.")
    return text


def _fold(raw: str) -> str:
    """Lower-case, strip accents and punctuation: `Mme.` -> `mme`, `Féminin` -> `feminin`."""
    decomposed = unicodedata.normalize("NFKD", str(raw))
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^a-z0-9&/]+", " ", ascii_text).split())


_FEMALE = {"f", "mme", "madame", "mlle", "mademoiselle", "melle", "femme", "female", "woman",
           "feminin", "fem", "ms", "mrs", "miss", "w", "frau", "sra", "signora", "fille"}
_MALE = {"m", "mr", "monsieur", "homme", "male", "man", "h", "masculin", "masc", "herr", "sr",
         "signor", "garcon"}
# Couples, companies and "other" are real answers that carry no single gender.
_NO_GENDER = {"m et mme", "mme et m", "m mme", "m & mme", "mr et mme", "mr & mrs", "mr and mrs",
              "mr mrs", "messieurs", "mesdames", "mm", "autre", "other", "x", "nc", "n c",
              "n/a", "na", "inconnu", "unknown", "non precise", "non renseigne", "societe",
              "company", "u", "famille"}


def parse_gender(raw: str) -> Gender | None:
    """Map a civility or gender (`M.`, `Mme`, `Monsieur`, `F`, `Homme`, `female`) to 'F'/'M'.

    Returns None for answers that carry no single gender (`M. et Mme`, `Autre`, blank).
    Raises ValueParseError code `unknown_gender` for anything unrecognized.
    """
    token = _fold(raw)
    if token in _FEMALE:
        return "F"
    if token in _MALE:
        return "M"
    if not token or token in _NO_GENDER:
        return None
    raise ValueParseError("unknown_gender", f"Gender {_quote(raw)} is not a recognized civility.")


# (ISO2, ISO3, names in English, French and the local language)
_COUNTRIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("FR", "FRA", ("france", "republique francaise", "metropole", "france metropolitaine")),
    ("BE", "BEL", ("belgique", "belgium", "belgie", "belgien")),
    ("CH", "CHE", ("suisse", "switzerland", "schweiz", "svizzera", "confederation suisse")),
    ("LU", "LUX", ("luxembourg", "luxemburg")),
    ("MC", "MCO", ("monaco",)),
    ("DE", "DEU", ("allemagne", "germany", "deutschland")),
    ("IT", "ITA", ("italie", "italy", "italia")),
    ("ES", "ESP", ("espagne", "spain", "espana")),
    ("PT", "PRT", ("portugal",)),
    ("GB", "GBR", ("royaume uni", "united kingdom", "uk", "great britain", "grande bretagne",
                   "angleterre", "england", "ecosse", "scotland", "pays de galles", "wales")),
    ("IE", "IRL", ("irlande", "ireland", "eire")),
    ("NL", "NLD", ("pays bas", "netherlands", "the netherlands", "nederland", "hollande",
                   "holland")),
    ("AT", "AUT", ("autriche", "austria", "osterreich", "oesterreich")),
    ("DK", "DNK", ("danemark", "denmark", "danmark")),
    ("SE", "SWE", ("suede", "sweden", "sverige")),
    ("NO", "NOR", ("norvege", "norway", "norge")),
    ("FI", "FIN", ("finlande", "finland", "suomi")),
    ("IS", "ISL", ("islande", "iceland")),
    ("PL", "POL", ("pologne", "poland", "polska")),
    ("CZ", "CZE", ("republique tcheque", "tchequie", "czech republic", "czechia")),
    ("SK", "SVK", ("slovaquie", "slovakia")),
    ("HU", "HUN", ("hongrie", "hungary", "magyarorszag")),
    ("RO", "ROU", ("roumanie", "romania")),
    ("BG", "BGR", ("bulgarie", "bulgaria")),
    ("GR", "GRC", ("grece", "greece", "hellas")),
    ("HR", "HRV", ("croatie", "croatia", "hrvatska")),
    ("SI", "SVN", ("slovenie", "slovenia")),
    ("RS", "SRB", ("serbie", "serbia")),
    ("BA", "BIH", ("bosnie herzegovine", "bosnia and herzegovina", "bosnia")),
    ("ME", "MNE", ("montenegro",)),
    ("MK", "MKD", ("macedoine du nord", "north macedonia", "macedoine", "macedonia")),
    ("AL", "ALB", ("albanie", "albania")),
    ("EE", "EST", ("estonie", "estonia")),
    ("LV", "LVA", ("lettonie", "latvia")),
    ("LT", "LTU", ("lituanie", "lithuania")),
    ("UA", "UKR", ("ukraine",)),
    ("BY", "BLR", ("bielorussie", "belarus")),
    ("MD", "MDA", ("moldavie", "moldova")),
    ("RU", "RUS", ("russie", "russia", "federation de russie", "russian federation")),
    ("TR", "TUR", ("turquie", "turkey", "turkiye")),
    ("CY", "CYP", ("chypre", "cyprus")),
    ("MT", "MLT", ("malte", "malta")),
    ("AD", "AND", ("andorre", "andorra")),
    ("LI", "LIE", ("liechtenstein",)),
    ("SM", "SMR", ("saint marin", "san marino")),
    ("VA", "VAT", ("vatican", "saint siege", "holy see")),
    ("US", "USA", ("etats unis", "united states", "united states of america", "usa", "america")),
    ("CA", "CAN", ("canada",)),
    ("MX", "MEX", ("mexique", "mexico")),
    ("BR", "BRA", ("bresil", "brazil", "brasil")),
    ("AR", "ARG", ("argentine", "argentina")),
    ("CL", "CHL", ("chili", "chile")),
    ("CO", "COL", ("colombie", "colombia")),
    ("PE", "PER", ("perou", "peru")),
    ("CN", "CHN", ("chine", "china")),
    ("JP", "JPN", ("japon", "japan")),
    ("KR", "KOR", ("coree du sud", "south korea", "korea", "republic of korea")),
    ("IN", "IND", ("inde", "india")),
    ("AU", "AUS", ("australie", "australia")),
    ("NZ", "NZL", ("nouvelle zelande", "new zealand")),
    ("ZA", "ZAF", ("afrique du sud", "south africa")),
    ("MA", "MAR", ("maroc", "morocco")),
    ("DZ", "DZA", ("algerie", "algeria")),
    ("TN", "TUN", ("tunisie", "tunisia")),
    ("SN", "SEN", ("senegal",)),
    ("CI", "CIV", ("cote d ivoire", "ivory coast")),
    ("CM", "CMR", ("cameroun", "cameroon")),
    ("EG", "EGY", ("egypte", "egypt")),
    ("IL", "ISR", ("israel",)),
    ("LB", "LBN", ("liban", "lebanon")),
    ("SA", "SAU", ("arabie saoudite", "saudi arabia")),
    ("AE", "ARE", ("emirats arabes unis", "united arab emirates", "uae")),
    ("QA", "QAT", ("qatar",)),
    ("SG", "SGP", ("singapour", "singapore")),
    ("HK", "HKG", ("hong kong",)),
    ("TH", "THA", ("thailande", "thailand")),
    ("VN", "VNM", ("vietnam", "viet nam")),
    ("ID", "IDN", ("indonesie", "indonesia")),
    ("NG", "NGA", ("nigeria",)),
)
COUNTRY_BY_NAME: dict[str, str] = {}
for _iso2, _iso3, _names in _COUNTRIES:
    for _name in (_iso2.lower(), _iso3.lower(), *_names):
        COUNTRY_BY_NAME[_name] = _iso2
KNOWN_COUNTRY_CODES = frozenset(iso2 for iso2, _, _ in _COUNTRIES)


def parse_country(raw: str) -> str:
    """Map a country name or code (`France`, `FR`, `FRA`, `Belgique`, `Suisse`) to ISO alpha-2.

    Raises ValueParseError code `unknown_country` for anything not in the table.
    """
    token = _fold(raw)
    code = COUNTRY_BY_NAME.get(token)
    if code is None:
        raise ValueParseError("unknown_country", f"Country {_quote(raw)} is not a known country.")
    return code


# --------------------------------------------------------------------------------------------
# Distinct-value mapping
# --------------------------------------------------------------------------------------------


def map_distinct(values: pd.Series, function: Callable[[str], object],
                 result_dtype: str = "object") -> pd.Series:
    """Apply `function` once per distinct non-null value and spread the results back.

    Nulls map to None. This is what makes Python-level parsing affordable: a 100,000-row chunk
    usually holds a few thousand distinct phones and a handful of distinct prices.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    # fromiter keeps tuples as single objects where an array assignment would unpack them.
    results = (function(value) for value in uniques)
    mapped = np.fromiter((*results, None), dtype=object, count=len(uniques) + 1)
    return pd.Series(mapped[codes], index=values.index, dtype=result_dtype)


def today_local() -> date:
    """Today's date on the venue's wall clock (used as the default reference date)."""
    return datetime.now(LOCAL_TIMEZONE).date()
