"""Row validation of mapped export chunks: typed columns, rejections, warnings, duplicate rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa

from arena.ingest.mapping import CELL_COUNT_COLUMN, COLUMN_COUNT_COLUMN, EXTRA_CELLS_COLUMN
from arena.ingest.parsers import (
    CLEAN_SCIENTIFIC_NOTATION_PATTERN,
    EMAIL_PATTERN,
    OVERSEAS_DIGITS_PATTERN,
    TWO_DIGIT_YEAR_PATTERN,
    DateFormatGuess,
    ValueParseError,
    arrow_text,
    infer_date_format,
    map_distinct,
    parse_country,
    parse_currency,
    parse_datetime_series,
    parse_gender,
    parse_phone,
    parse_price_series,
    string_bytes,
    today_local,
    written_with_two_digit_year,
)
from arena.ingest.rules import describe

CANONICAL_FIELDS: tuple[str, ...] = (
    "event_name", "event_date", "venue", "ticket_id", "order_id", "order_line", "price", "currency",
    "category", "tariff", "channel", "purchase_date", "seat", "customer_email",
    "customer_last_name", "customer_first_name", "customer_birth_date", "customer_phone",
    "customer_address", "customer_postal_code", "customer_city", "customer_country",
    "customer_gender",
)
DATE_FIELDS: tuple[str, ...] = ("event_date", "purchase_date", "customer_birth_date")

# The fixed shape the loader receives, whatever was mapped.
VALID_COLUMNS: dict[str, str] = {
    "line": "int64", "ticket_ref": "str", "order_ref": "str", "event_name": "str",
    "event_date": "datetime64[ns]", "venue": "str", "price_cents": "int64", "currency": "str",
    "category": "str", "tariff": "str", "channel": "str", "seat": "str",
    "purchased_at": "datetime64[ns]", "email": "str", "first_name": "str", "last_name": "str",
    "birth_date": "datetime64[ns]", "phone": "str", "address": "str", "postal_code": "str",
    "city": "str", "country": "str", "gender": "str",
}
MAX_AGE_YEARS = 110
_UNICODE_SPACES_RE2 = r"\x{00a0}\x{1680}\x{2000}-\x{200b}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
_IRREGULAR_SPACE_RE2 = rf"\s\s|[^\S ]|[{_UNICODE_SPACES_RE2}]"
_SPACES_RE2 = rf"[\s{_UNICODE_SPACES_RE2}]+"
_PHONE_REGIONS = phonenumbers.SUPPORTED_REGIONS

# Prices are stored as decimals of 12 digits, 2 after the point: from 10 billion up, a price
# cannot be stored (PostgreSQL would refuse the whole import), and is no ticket price anyway.
MAX_PRICE_CENTS = 10**12


@dataclass(frozen=True)
class RowIssue:
    """Why one record was rejected or repaired, located by its physical line in the file."""

    line: int
    field: str | None
    value: str | None
    code: str
    message: str


@dataclass
class ParseOptions:
    """What the user told us about the file that the values themselves cannot say."""

    day_first: bool | None = None  # None: infer per date column from its values
    price_in_cents: bool = False
    default_currency: str = "EUR"
    default_country: str = "FR"
    today: date = field(default_factory=today_local)


class ValidationState:
    """What must outlive one chunk: ticket and content hashes for duplicates, date grammars.

    Duplicates are tracked as two aligned uint64 arrays sorted by ticket hash (16 bytes per
    kept ticket, about 16 MB for a million rows) instead of full rows. Two different tickets
    colliding on a 64-bit hash is a one-in-10^7 event for a million rows; we accept it.
    """

    def __init__(self) -> None:
        self.date_formats: dict[str, DateFormatGuess] = {}
        self._ticket_hashes = np.empty(0, dtype=np.uint64)
        self._content_hashes = np.empty(0, dtype=np.uint64)

    @property
    def tickets_seen(self) -> int:
        """How many distinct tickets were kept so far."""
        return len(self._ticket_hashes)

    @property
    def memory_bytes(self) -> int:
        """Bytes held for duplicate detection (the part that grows with the file)."""
        return self._ticket_hashes.nbytes + self._content_hashes.nbytes

    def date_format(self, field_name: str, values: pd.Series, day_first: bool | None) -> DateFormatGuess:
        """The column's date grammar, inferred from the first chunk that has values for it."""
        known = self.date_formats.get(field_name)
        if known is not None:
            return known
        guess = infer_date_format(values.dropna(), day_first=day_first)
        if guess.kind != "empty":
            self.date_formats[field_name] = guess
        return guess

    def lookup(self, ticket_hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each ticket hash: was it kept before, and the content hash it was kept with."""
        positions = np.searchsorted(self._ticket_hashes, ticket_hashes)
        clipped = np.minimum(positions, max(len(self._ticket_hashes) - 1, 0))
        if not len(self._ticket_hashes):
            return np.zeros(len(ticket_hashes), dtype=bool), np.zeros(len(ticket_hashes), np.uint64)
        found = self._ticket_hashes[clipped] == ticket_hashes
        return found, self._content_hashes[clipped]

    def remember(self, ticket_hashes: np.ndarray, content_hashes: np.ndarray) -> None:
        """Record newly kept tickets (their hashes must not be known yet)."""
        if not len(ticket_hashes):
            return
        tickets = np.concatenate([self._ticket_hashes, ticket_hashes])
        contents = np.concatenate([self._content_hashes, content_hashes])
        order = np.argsort(tickets, kind="stable")
        self._ticket_hashes, self._content_hashes = tickets[order], contents[order]


@dataclass
class ValidationResult:
    """Typed rows to load, rejected rows with their reason, warnings on kept rows."""

    valid: pd.DataFrame
    rejected: list[RowIssue]
    warnings: list[RowIssue]
    rows_in: int


# First bytes of every character `_IRREGULAR_SPACE_RE2` matches on its own: ASCII tab, newline,
# form feed, carriage return, and the lead bytes of the UTF-8 Unicode spaces it lists.
_IRREGULAR_LEAD_BYTES = np.zeros(256, dtype=bool)
_IRREGULAR_LEAD_BYTES[[0x09, 0x0A, 0x0C, 0x0D, 0xC2, 0xE1, 0xE2, 0xE3]] = True


def _may_hold_irregular_space(text: pa.Array) -> bool:
    """False when no value can match `_IRREGULAR_SPACE_RE2`, decided from the raw UTF-8 bytes.

    One pass over the column's bytes is several times cheaper than the regex, and nearly every
    column is clean. Lead bytes shared with ordinary characters (`’` starts with 0xE2, `é` does
    not) are then told apart by the bytes that follow them.
    """
    offsets, data = string_bytes(text)
    data = data[offsets[0]: offsets[-1]] if len(offsets) else data[:0]
    space = data == 0x20
    if (space[1:] & space[:-1]).any():
        return True
    leads = np.flatnonzero(_IRREGULAR_LEAD_BYTES[data])
    if not len(leads):
        return False
    padded = np.concatenate([data, np.zeros(2, dtype=np.uint8)])
    first, second, third = padded[leads], padded[leads + 1], padded[leads + 2]
    irregular = (
        (first < 0x80)
        | ((first == 0xC2) & (second == 0xA0))
        | ((first == 0xE1) & (second == 0x9A) & (third == 0x80))
        | ((first == 0xE2) & (second == 0x80)
           & (((third >= 0x80) & (third <= 0x8B)) | np.isin(third, (0xA8, 0xA9, 0xAF))))
        | ((first == 0xE2) & (second == 0x81) & (third == 0x9F))
        | ((first == 0xE3) & (second == 0x80) & (third == 0x80))
    )
    return bool(irregular.any())


def _clean_text(values: pd.Series) -> pd.Series:
    """Collapse every kind of whitespace, strip, and treat blank as missing.

    Only the few values holding irregular whitespace go through the regex replacement; on
    pyarrow-backed strings the patterns run in RE2, whose `\\s` is ASCII-only, hence the
    explicit Unicode spaces.
    """
    text = values.astype("str")
    arrow = getattr(text.dtype, "storage", None) == "pyarrow"
    irregular = _IRREGULAR_SPACE_RE2 if arrow else r"\s\s|[^\S ]"
    spaces = _SPACES_RE2 if arrow else r"\s+"
    text = text.str.strip()
    if arrow and not _may_hold_irregular_space(arrow_text(text)):
        return text.where(text != "", other=np.nan)
    messy = text.str.contains(irregular, regex=True).fillna(False).to_numpy(dtype=bool)
    if messy.any():
        text = text.copy()
        text[messy] = text[messy].str.replace(spaces, " ", regex=True).str.strip()
    return text.where(text != "", other=np.nan)


class _Distinct:
    """A text column as its distinct values plus, per row, which one it holds (-1: missing).

    Exports repeat values heavily (one venue per event, one phone per customer), so string work
    runs on the distinct values and only cheap integer takes touch every row.
    """

    def __init__(self, codes: np.ndarray, values: pd.Series, index: pd.Index) -> None:
        self.codes, self.values, self.index = codes, values, index

    @classmethod
    def of(cls, column: pd.Series) -> _Distinct:
        codes, uniques = column.array.factorize(use_na_sentinel=True)
        return cls(codes, pd.Series(uniques, dtype=column.dtype), column.index)

    def flags(self, per_value: pd.Series) -> np.ndarray:
        """Spread a boolean computed per distinct value to the rows (missing rows: False)."""
        return np.append(per_value.fillna(False).to_numpy(dtype=bool), False)[self.codes]

    def text(self, per_value: pd.Series) -> pd.Series:
        """Spread a text computed per distinct value to the rows (missing rows: missing)."""
        return pd.Series(per_value.array.take(self.codes, allow_fill=True), index=self.index)

    def hashes(self) -> np.ndarray:
        """`pd.util.hash_array` of every row's value, computed once per distinct value."""
        null_hash = pd.util.hash_array(pd.array([None], dtype=self.values.dtype))
        return np.concatenate([pd.util.hash_array(self.values.array), null_hash])[self.codes]


# Below this share of distinct values in a sample, working per distinct value beats per row.
_REPEATED_SHARE = 0.5
_SAMPLE_SIZE = 2000


def _repeats(values: pd.Series) -> bool:
    """Whether a column repeats enough for per-distinct-value work to pay, judged on a sample."""
    if len(values) <= _SAMPLE_SIZE:
        return False
    sample = values.iloc[:_SAMPLE_SIZE]
    return bool(sample.nunique(dropna=False) <= _REPEATED_SHARE * len(sample))


def _clean_column(values: pd.Series) -> tuple[pd.Series, _Distinct | None]:
    """`_clean_text`, run once per distinct raw value when the column repeats."""
    text = values.astype("str")
    if not isinstance(text.dtype, pd.StringDtype) or not _repeats(text):
        return _clean_text(text), None
    codes, uniques = text.array.factorize(use_na_sentinel=True)
    distinct = _Distinct(codes, _clean_text(pd.Series(uniques, dtype=text.dtype)), text.index)
    return distinct.text(distinct.values), distinct


class _Chunk:
    """The working state of one validate_chunk call: cleaned columns and collected issues."""

    def __init__(self, frame: pd.DataFrame, options: ParseOptions) -> None:
        self.frame = frame.reset_index(drop=True)
        self.size = len(self.frame)
        self.options = options
        self.mapped = [name for name in CANONICAL_FIELDS if name in self.frame.columns]
        self.text: dict[str, pd.Series] = {}
        self.distinct: dict[str, _Distinct] = {}
        for name in self.mapped:
            self.text[name], distinct = _clean_column(self.frame[name])
            if distinct is not None:
                self.distinct[name] = distinct
        self.lines = self.frame["line"].astype("int64").to_numpy()
        self.reject_code = np.full(self.size, None, dtype=object)
        self.reject_field = np.full(self.size, None, dtype=object)
        # Kept alongside the codes: isna over an object array costs more than the rule itself.
        self.rejected = np.zeros(self.size, dtype=bool)
        self.warning_parts: list[tuple[np.ndarray, str, str, np.ndarray, np.ndarray]] = []

    def column(self, name: str) -> pd.Series:
        """The cleaned text of a field, or an all-missing column when it was not mapped."""
        if name in self.text:
            return self.text[name]
        return pd.Series(np.nan, index=self.frame.index, dtype="str")

    def distinct_values(self, name: str) -> _Distinct:
        """The cleaned field as distinct values, reusing the factorization done while cleaning."""
        return self.distinct.get(name) or _Distinct.of(self.column(name))

    def reject(self, mask: pd.Series | np.ndarray, code: str, field_name: str | None) -> None:
        """Reject rows under `code` unless an earlier (higher-priority) rule already did."""
        hit = np.asarray(mask, dtype=bool) & ~self.rejected
        self.reject_code[hit] = code
        self.reject_field[hit] = field_name
        self.rejected |= hit

    def warn(self, mask: pd.Series | np.ndarray, code: str, field_name: str,
             repaired: pd.Series | None = None) -> None:
        """Record a warning for the kept rows in `mask`; call only once rejections are final.

        `repaired` is the full-length repaired column; only the warned rows are rendered.
        """
        rows = np.flatnonzero(np.asarray(mask, dtype=bool) & self.kept)
        if not len(rows):
            return
        shown = self.column(field_name).iloc[rows].to_numpy(dtype=object, na_value=None)
        fixes = (repaired.iloc[rows].astype("str").to_numpy(dtype=object, na_value=None)
                 if repaired is not None else np.full(len(rows), None, dtype=object))
        self.warning_parts.append((rows, code, field_name, shown, fixes))

    @property
    def kept(self) -> np.ndarray:
        return ~self.rejected


def _check_identifier(chunk: _Chunk) -> pd.Series:
    """Each row's ticket identity (`ticket_ref`), by one rule for the whole file.

    A file that maps a ticket number identifies every ticket by it, and a row where it is
    empty is rejected: identified by its order number instead, it would come back as a second
    ticket once a re-export fills the number in. Only a file that maps no ticket number
    identifies tickets by their order number, with the line within the order when the file
    has one (`ORDER#LINE`)."""
    if "ticket_id" in chunk.mapped:
        ticket_ref = chunk.column("ticket_id")
        chunk.reject(ticket_ref.isna(), "missing_ticket_id", "ticket_id")
        field_name = "ticket_id"
    else:
        order_id = chunk.column("order_id")
        chunk.reject(order_id.isna(), "missing_identifier", "order_id")
        ticket_ref = order_id
        field_name = "order_id"
        if "order_line" in chunk.mapped:
            line = chunk.column("order_line")
            chunk.reject(order_id.notna() & line.isna(), "missing_order_line", "order_line")
            ticket_ref = order_id + "#" + line
    scientific = ticket_ref.str.fullmatch(CLEAN_SCIENTIFIC_NOTATION_PATTERN).fillna(False)
    chunk.reject(scientific, "ticket_id_scientific_notation", field_name)
    return ticket_ref


def _check_price(chunk: _Chunk) -> tuple[pd.Series, pd.Series]:
    cents, currency, error = parse_price_series(
        chunk.column("price"), in_cents=chunk.options.price_in_cents
    )
    chunk.reject(error == "missing_price", "missing_price", "price")
    chunk.reject(error == "invalid_price", "invalid_price", "price")
    chunk.reject(cents < 0, "negative_price", "price")
    chunk.reject(cents >= MAX_PRICE_CENTS, "price_too_large", "price")
    # A currency column, when mapped, is more explicit than a sign next to the amount.
    raw_currency = chunk.column("currency")

    def to_code(value: str) -> str | None:
        try:
            return parse_currency(value)
        except ValueParseError:
            return None

    currency_column = map_distinct(raw_currency, to_code)
    chunk.reject(raw_currency.notna() & currency_column.isna(), "invalid_currency", "currency")
    resolved = currency_column.fillna(currency.astype("object")).fillna(
        chunk.options.default_currency
    )
    return cents, resolved


def _check_extra_cells(chunk: _Chunk) -> None:
    """Reject records holding more non-empty cells than the file has columns (shifted values)."""
    if EXTRA_CELLS_COLUMN not in chunk.frame.columns:
        return
    extra = chunk.frame[EXTRA_CELLS_COLUMN].notna().to_numpy(dtype=bool)
    chunk.reject(extra, "extra_cells", None)


def _parse_dates(chunk: _Chunk, state: ValidationState, name: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    values = chunk.column(name)
    guess = state.date_format(name, values, chunk.options.day_first)
    return parse_datetime_series(values, guess)


def _value_hashes(values: pd.Series, distinct: _Distinct | None = None) -> np.ndarray:
    """`pd.util.hash_array` of each value: equal values (nulls included) get equal hashes."""
    if distinct is not None:
        return distinct.hashes()
    if isinstance(values.dtype, pd.StringDtype) and _repeats(values):
        return _Distinct.of(values).hashes()
    return pd.util.hash_array(values.array)


def _row_hashes(columns: list[np.ndarray], size: int) -> np.ndarray:
    """Mix per-column hashes into one per row, order-sensitive (pandas' tuple-hash recipe)."""
    combined = np.full(size, 0x345678, dtype=np.uint64)
    multiplier = np.uint64(1000003)
    for position, hashes in enumerate(columns):
        remaining = len(columns) - position
        combined ^= hashes
        combined *= multiplier
        multiplier += np.uint64(82520 + 2 * remaining)
    return combined + np.uint64(97531)


def _check_duplicates(chunk: _Chunk, state: ValidationState, ticket_ref: pd.Series) -> None:
    """Reject repeats of an earlier kept row (exact) and reuses of its ticket (conflict)."""
    candidates = np.flatnonzero(chunk.kept)
    if not len(candidates):
        return
    column_hashes = {name: _value_hashes(chunk.text[name], chunk.distinct.get(name))
                     for name in chunk.mapped}
    content_hashes = _row_hashes(list(column_hashes.values()), len(chunk.frame))[candidates]
    if "ticket_id" in column_hashes and chunk.column("ticket_id").notna().all():
        # Every row is identified by its ticket number, whose hashes are already at hand.
        ticket_hashes = column_hashes["ticket_id"][candidates]
    else:
        ticket_hashes = _value_hashes(ticket_ref)[candidates]
    found, stored = state.lookup(ticket_hashes)
    duplicate = found & (stored == content_hashes)
    conflict = found & ~duplicate
    fresh = ~found
    within = pd.DataFrame({"ticket": ticket_hashes[fresh], "content": content_hashes[fresh]})
    later = within["ticket"].duplicated(keep="first").to_numpy()
    first_content = within.groupby("ticket", sort=False)["content"].transform("first").to_numpy()
    same_as_first = within["content"].to_numpy() == first_content
    fresh_rows = np.flatnonzero(fresh)
    duplicate[fresh_rows[later & same_as_first]] = True
    conflict[fresh_rows[later & ~same_as_first]] = True
    field_name = "ticket_id" if "ticket_id" in chunk.mapped else "order_id"
    duplicate_mask = np.zeros(chunk.size, dtype=bool)
    duplicate_mask[candidates[duplicate]] = True
    conflict_mask = np.zeros(chunk.size, dtype=bool)
    conflict_mask[candidates[conflict]] = True
    chunk.reject(duplicate_mask, "duplicate_row", field_name)
    chunk.reject(conflict_mask, "conflicting_ticket_id", field_name)
    state.remember(ticket_hashes[fresh][~later], content_hashes[fresh][~later])


def _parse_country(chunk: _Chunk) -> pd.Series:
    raw = chunk.column("customer_country")

    def to_code(value: str) -> str | None:
        try:
            return parse_country(value)
        except ValueParseError:
            return None

    country = map_distinct(raw, to_code)
    chunk.warn(raw.notna() & country.isna(), "unknown_country", "customer_country")
    has_place = chunk.column("customer_postal_code").notna() | chunk.column("customer_city").notna()
    defaulted = raw.isna() & has_place
    return country.where(~defaulted, chunk.options.default_country)


def _parse_postal_code(chunk: _Chunk, country: pd.Series) -> pd.Series:
    distinct = chunk.distinct_values("customer_postal_code")
    compact_values = distinct.values.str.replace(" ", "", regex=False).str.replace(
        r"\.0$", "", regex=True)
    # Rows with no country at all follow the organization's default country.
    effective = country.where(chunk.column("customer_country").notna(),
                              chunk.options.default_country)
    french = (effective == "FR").to_numpy() & (distinct.codes >= 0)
    five = distinct.flags(compact_values.str.fullmatch(r"\d{5}"))
    four = distinct.flags(compact_values.str.fullmatch(r"\d{4}"))
    padded = distinct.text("0" + compact_values)
    invalid = french & ~five & ~four
    result = (distinct.text(distinct.values.str.upper())
              .where(~(french & five), distinct.text(compact_values))
              .where(~(french & four), padded)
              .where(~invalid))
    chunk.warn(french & four, "postal_code_padded", "customer_postal_code", padded)
    chunk.warn(invalid, "invalid_postal_code", "customer_postal_code")
    return result


def _parse_phone(chunk: _Chunk, country: pd.Series) -> pd.Series:
    raw = chunk.column("customer_phone")
    region = country.where(country.isin(_PHONE_REGIONS), chunk.options.default_country)
    region = region.fillna(chunk.options.default_country).astype("object")
    result = pd.Series(None, index=raw.index, dtype="object")
    restored = np.zeros(len(raw), dtype=bool)
    distinct = chunk.distinct_values("customer_phone")
    present = distinct.codes >= 0
    scientific = distinct.flags(distinct.values.str.fullmatch(CLEAN_SCIENTIFIC_NOTATION_PATTERN))
    chunk.warn(scientific, "phone_scientific_notation", "customer_phone")
    # Cleaned text holds no whitespace but single spaces (and RE2 needs no Python fallback).
    compact = distinct.values.str.replace(r"[ .\-/()]", "", regex=True)
    french = (region == "FR").to_numpy() & present & ~scientific
    # Overseas numbers (0692…, +262 after parsing) go through phonenumbers below.
    overseas = distinct.flags(compact.str.fullmatch(OVERSEAS_DIGITS_PATTERN))
    french &= ~overseas
    # Fast path: the overwhelmingly common French shapes need no phonenumbers call.
    national = distinct.flags(compact.str.fullmatch(r"0[1-9]\d{8}")) & french
    international = distinct.flags(compact.str.fullmatch(r"(?:\+|00)33[1-9]\d{8}")) & french
    nine_digits = distinct.flags(compact.str.fullmatch(r"[1-9]\d{8}")) & french
    last_nine = distinct.text("+33" + compact.str.slice(-9))
    fast = national | international | nine_digits
    result[fast] = last_nine[fast]
    restored |= nine_digits
    slow = present & ~scientific & ~fast
    if slow.any():
        # Region codes are two letters, so a plain prefix keys the (region, phone) pair.
        keys = region[slow].str.slice(0, 2) + raw[slow].astype("object")

        def parse_keyed(key: str) -> tuple[str | None, bool]:
            region_code, phone = key[:2], key[2:]
            try:
                parsed = parse_phone(phone, region_code)
            except ValueParseError:
                return None, False
            return parsed.e164, parsed.leading_zero_restored

        outcomes = map_distinct(keys, parse_keyed)
        result[slow] = [item[0] for item in outcomes]
        restored[np.flatnonzero(slow)] = [item[1] for item in outcomes]
    chunk.warn(slow & result.isna().to_numpy(), "invalid_phone", "customer_phone")
    chunk.warn(restored, "phone_leading_zero_restored", "customer_phone", result)
    return result


def _parse_email(chunk: _Chunk) -> pd.Series:
    distinct = chunk.distinct_values("customer_email")
    lowered = distinct.values.str.lower()
    valid = distinct.flags(lowered.str.fullmatch(EMAIL_PATTERN) & (lowered.str.len() <= 254))
    chunk.warn((distinct.codes >= 0) & ~valid, "invalid_email", "customer_email")
    return distinct.text(lowered).where(valid)


def _parse_gender(chunk: _Chunk) -> pd.Series:
    raw = chunk.column("customer_gender")

    def to_gender(value: str) -> str | None:
        try:
            return parse_gender(value)
        except ValueParseError:
            return "?"

    gender = map_distinct(raw, to_gender)
    unknown = (gender == "?").to_numpy()
    chunk.warn(unknown, "unknown_gender", "customer_gender")
    return gender.where(~unknown)


def _parse_birth_date(chunk: _Chunk, state: ValidationState) -> pd.Series:
    name = "customer_birth_date"
    born, serial, error = _parse_dates(chunk, state, name)
    today = pd.Timestamp(chunk.options.today)
    future = (born > today).to_numpy(dtype=bool)
    if future.any():
        # `05/05/50` is a 1950 birth, not a 2050 one: birth dates are never in the future. Only
        # a value written with two digits moves back a century; `01/01/2090` stays impossible.
        future = future & _two_digit_years(chunk.column(name))
        born = born.where(~future, born - pd.DateOffset(years=100))
    born = born.dt.normalize()
    chunk.warn(error == "invalid_date", "invalid_birth_date", name)
    oldest = today - pd.DateOffset(years=MAX_AGE_YEARS)
    impossible = born.notna() & ((born > today) | (born < oldest))
    chunk.warn(impossible, "impossible_birth_date", name)
    born = born.where(~impossible)
    converted = (serial & born.notna()).to_numpy(dtype=bool)
    if converted.any():  # dates as Python objects cost ~10 ms per 50,000 rows: only when shown
        chunk.warn(converted, "excel_serial_date", name, born.dt.date)
    return born


def _two_digit_years(values: pd.Series) -> np.ndarray:
    """Per row: is the date written with a two-digit year (numeric forms vectorized)?"""
    numeric = values.str.contains(TWO_DIGIT_YEAR_PATTERN, regex=True).fillna(False)
    result = numeric.to_numpy(dtype=bool)
    worded = values.notna() & ~numeric & values.str.contains("[A-Za-z]", regex=True).fillna(False)
    if worded.any():
        result[worded.to_numpy(dtype=bool)] = map_distinct(
            values[worded], written_with_two_digit_year).to_numpy(dtype=bool)
    return result


def _issues(chunk: _Chunk) -> tuple[list[RowIssue], list[RowIssue]]:
    rejected_rows = np.flatnonzero(~chunk.kept)
    rejected = []
    named = {name for name in chunk.reject_field[rejected_rows] if name in chunk.text}
    raw_values = {name: chunk.text[name].to_numpy(dtype=object, na_value=None) for name in named}
    for row in rejected_rows:
        field_name = chunk.reject_field[row]
        value = raw_values[field_name][row] if field_name in raw_values else None
        code = chunk.reject_code[row]
        details: dict[str, object] = {}
        if code == "extra_cells":
            value = str(chunk.frame[EXTRA_CELLS_COLUMN].iat[row])
            details = {"cells": int(chunk.frame[CELL_COUNT_COLUMN].iat[row]),
                       "columns": int(chunk.frame[COLUMN_COUNT_COLUMN].iat[row])}
        rejected.append(RowIssue(int(chunk.lines[row]), field_name, value, code,
                                 describe(code, value, **details)))
    issues: list[RowIssue] = []
    for rows, code, field_name, shown, fixes in chunk.warning_parts:
        # Warned values repeat (one Excel-mangled phone per customer), so render each once.
        messages: dict[tuple[object, object], str] = {}
        for row, value, fixed in zip(rows.tolist(), shown, fixes, strict=True):
            message = messages.get((value, fixed))
            if message is None:
                message = messages[(value, fixed)] = describe(code, value, repaired=fixed)
            issues.append(RowIssue(int(chunk.lines[row]), field_name, value, code, message))
    if not issues:
        return rejected, []
    lines = np.fromiter((issue.line for issue in issues), dtype=np.int64, count=len(issues))
    in_line_order = np.argsort(lines, kind="stable")
    return rejected, [issues[position] for position in in_line_order]


def _kept_column(values: pd.Series | np.ndarray, kept: np.ndarray, dtype: str) -> pd.Series:
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    selected = (series if kept.all() else series[kept]).reset_index(drop=True)
    if dtype == "str":
        return selected if selected.dtype == "str" else selected.astype("str")
    return selected.astype(dtype)


def validate_chunk(frame: pd.DataFrame, state: ValidationState, options: ParseOptions) -> ValidationResult:
    """Parse and check one chunk of mapped rows; `state` carries duplicates across chunks.

    Rejection rules run in the priority order of `arena.ingest.rules.REJECTIONS`, so each
    rejected row carries exactly one reason. Warnings are reported for kept rows only.
    """
    chunk = _Chunk(frame, options)
    _check_extra_cells(chunk)
    ticket_ref = _check_identifier(chunk)
    cents, currency = _check_price(chunk)
    event_date, event_serial, event_error = _parse_dates(chunk, state, "event_date")
    chunk.reject(event_error == "missing_date", "missing_event_date", "event_date")
    chunk.reject(event_error == "invalid_date", "invalid_event_date", "event_date")
    chunk.reject(chunk.column("event_name").isna(), "missing_event_name", "event_name")
    purchased_at, purchase_serial, purchase_error = _parse_dates(chunk, state, "purchase_date")
    chunk.reject(purchase_error == "invalid_date", "invalid_purchase_date", "purchase_date")
    _check_duplicates(chunk, state, ticket_ref)

    chunk.warn(event_serial, "excel_serial_date", "event_date", event_date)
    chunk.warn(purchase_serial, "excel_serial_date", "purchase_date", purchased_at)
    country = _parse_country(chunk)
    typed = {
        "line": chunk.lines,
        "ticket_ref": ticket_ref,
        "order_ref": chunk.column("order_id"),
        "event_name": chunk.column("event_name"),
        "event_date": event_date,
        "venue": chunk.column("venue"),
        "price_cents": cents,
        "currency": currency,
        "category": chunk.column("category"),
        "tariff": chunk.column("tariff"),
        "channel": chunk.column("channel"),
        "seat": chunk.column("seat"),
        "purchased_at": purchased_at,
        "email": _parse_email(chunk),
        "first_name": chunk.column("customer_first_name"),
        "last_name": chunk.column("customer_last_name"),
        "birth_date": _parse_birth_date(chunk, state),
        "phone": _parse_phone(chunk, country),
        "address": chunk.column("customer_address"),
        "postal_code": _parse_postal_code(chunk, country),
        "city": chunk.column("customer_city"),
        "country": country,
        "gender": _parse_gender(chunk),
    }
    valid = pd.DataFrame(
        {name: _kept_column(values, chunk.kept, VALID_COLUMNS[name]) for name, values in typed.items()}
    )
    rejected, warnings = _issues(chunk)
    return ValidationResult(valid=valid, rejected=rejected, warnings=warnings, rows_in=chunk.size)
