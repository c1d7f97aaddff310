"""Column-to-field mappings: the JSON contract, suggestions with confidence, templates and applying."""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from rapidfuzz import fuzz

from arena.errors import ArenaUserError
from arena.ingest.catalogue import FIELD_NAMES, FIELDS, FIELDS_BY_NAME, FieldSpec, fold
from arena.ingest.parsers import ValueParseError, parse_currency
from arena.ingest.reader import RecordChunk, iter_records
from arena.ingest.shapes import kind_shares
from arena.ingest.sniff import detect_layout
from arena.ingest.vendors import detect_vendor

# Below this, a guess is noise: the column is left unmapped for the user to decide.
MIN_CONFIDENCE = 0.5
# Fields whose value may be spread over several columns (date + time, block/row/seat…).
COMBINABLE_FIELDS = frozenset(
    spec.name for spec in FIELDS if spec.part_aliases
)
VENDOR_CONFIDENCE = 0.97
SAMPLES_SHOWN = 5
# Fields that may be split into a date column and a time column, joined as "date time".
DATE_FIELDS = frozenset({"event_date", "purchase_date", "customer_birth_date"})
# A time on its own: `20:30`, `20:30:00`, `20h30`, `20h`, `8:30 PM`, `8 pm`.
TIME_ONLY_PATTERN = (
    r"\d{1,2}(?::\d{2}(?::\d{2})?(?:\s*[aApP]\.?[mM]\.?)?|\s*[hH]\s*(?:\d{2})?"
    r"|\s*[aApP]\.?[mM]\.?)"
)
# Frame columns describing records with more non-empty cells than the file has columns.
EXTRA_CELLS_COLUMN = "extra_cells"
CELL_COUNT_COLUMN = "cell_count"
COLUMN_COUNT_COLUMN = "column_count"


@dataclass
class Mapping:
    """Which column feeds which field, and which fields are typed in once for the whole file."""

    columns: dict[int, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A currency typed once for the whole file is normalized like a currency column (`€`,
        # `euros` -> EUR); one that is not a currency stops the import before any row is read.
        currency = self.constants.get("currency")
        if currency is not None and currency.strip():
            try:
                self.constants["currency"] = parse_currency(currency)
            except ValueParseError as error:
                raise ArenaUserError(
                    f"The currency constant {currency!r} is not a currency: give an ISO code "
                    "such as EUR, USD, GBP or CHF (or a sign such as €)."
                ) from error

    def to_json(self, headers: list[str]) -> dict[str, Any]:
        """The CLI contract: keys are header names when unique in the file, else 0-based indices."""
        columns: dict[str, str] = {}
        for index in sorted(self.columns):
            header = headers[index] if index < len(headers) else None
            unique = header is not None and headers.count(header) == 1 and header.strip()
            columns[header if unique else str(index)] = self.columns[index]  # type: ignore[index]
        return {"columns": columns, "constants": dict(self.constants)}

    @classmethod
    def from_json(cls, data: dict[str, Any], headers: list[str]) -> Mapping:
        """Read the contract format; keys may be header names or 0-based indices ("3")."""
        if not isinstance(data, dict) or not isinstance(data.get("columns", {}), dict):
            raise ValueError('A mapping must be a JSON object like {"columns": {...}, "constants": {...}}.')
        folded_headers = [fold(header) for header in headers]
        columns: dict[int, str] = {}
        for key, name in data.get("columns", {}).items():
            if name is None or name == "":
                continue
            _check_field(name, f"column {key!r}")
            columns[_column_index(str(key), headers, folded_headers)] = name
        constants: dict[str, str] = {}
        for name, value in (data.get("constants") or {}).items():
            _check_field(name, "a constant")
            if not FIELDS_BY_NAME[name].constant_allowed:
                raise ValueError(f"Field {name!r} cannot be a constant: it differs from row to row.")
            constants[name] = "" if value is None else str(value)
        return cls(columns=columns, constants=constants)


@dataclass
class ColumnSuggestion:
    """A proposed field (or None) for one column, with how sure Arena is and example values."""

    index: int
    header: str
    field: str | None
    confidence: float
    samples: list[str]


@dataclass
class MappingSuggestion:
    """Arena's proposal for a whole file; `constants` come from a template when one was used."""

    columns: list[ColumnSuggestion]
    vendor: str | None
    from_template: bool
    constants: dict[str, str] = field(default_factory=dict)

    def to_mapping(self) -> Mapping:
        return Mapping(
            columns={column.index: column.field for column in self.columns if column.field},
            constants=dict(self.constants),
        )


def header_signature(headers: list[str]) -> str:
    """Stable sha256 of the folded header list: the same export format gives the same key."""
    folded = json.dumps([fold(header) for header in headers], ensure_ascii=True)
    return hashlib.sha256(folded.encode("ascii")).hexdigest()


def suggest_mapping(
    headers: list[str], sample_rows: list[list[str]], *, template: Mapping | None = None
) -> MappingSuggestion:
    """Propose a field for every column from its header, its values and known vendor layouts.

    A template (the mapping saved last time for the same organization, source and header
    signature) wins outright. Otherwise each (column, field) pair is scored, the best pairs are
    taken first, and a field is given to a second column only when the columns are parts of it
    (a date and its time, a block and a row) — never twice as a whole.
    """
    samples = [_column_samples(sample_rows, index) for index in range(len(headers))]
    vendor = detect_vendor(headers)
    if template is not None:
        return MappingSuggestion(
            columns=[
                ColumnSuggestion(index, header, template.columns.get(index),
                                 1.0 if index in template.columns else 0.0,
                                 samples[index][:SAMPLES_SHOWN])
                for index, header in enumerate(headers)
            ],
            vendor=vendor.name if vendor else None,
            from_template=True,
            constants=dict(template.constants),
        )
    vendor_fields = vendor.folded_fields() if vendor else {}
    candidates: list[tuple[float, int, str, str]] = []  # score, column, field, role
    for index, header in enumerate(headers):
        folded = fold(header)
        shares = kind_shares(samples[index])
        if folded in vendor_fields:
            candidates.append((VENDOR_CONFIDENCE, index, vendor_fields[folded], "vendor"))
        for spec in FIELDS:
            score, role = _header_score(folded, spec)
            if score > 0:
                score = _adjust_for_values(score, spec, shares, role)
                if not samples[index] and score < 1.0:
                    score *= 0.7  # an empty column backs a loose header match with nothing
            value_score = _value_only_score(spec, shares)
            if value_score > score:
                score, role = value_score, "whole"
            if score >= MIN_CONFIDENCE:
                candidates.append((score, index, spec.name, role))
    chosen = _assign(candidates)
    return MappingSuggestion(
        columns=[
            ColumnSuggestion(index, header, chosen.get(index, (None, 0.0))[0],
                             round(chosen.get(index, (None, 0.0))[1], 3),
                             samples[index][:SAMPLES_SHOWN])
            for index, header in enumerate(headers)
        ],
        vendor=vendor.name if vendor else None,
        from_template=False,
    )


def apply_mapping(chunk: RecordChunk, mapping: Mapping, *, width: int | None = None) -> pd.DataFrame:
    """One row per record: a string column per mapped or constant field, plus the int `line`.

    Several columns mapped to one field are joined in column order with a single space (empty
    parts left out); for a date field, a part holding only a time (`20:30`, `20h30`) goes after
    the date part, whatever the column order. A constant fills the whole column, or only its
    empty cells when the field is also mapped to a column.

    A record with more non-empty cells than the file has columns (`width`, the header count)
    gets `extra_cells` (the cells beyond the last column, joined with ", "), `cell_count` and
    `column_count`, so validation rejects it instead of loading shifted values. The reader pads
    every record to the header count, so without `width` the shortest record of the chunk is
    taken as the column count.
    """
    extras: list[tuple[int, str, int]] = []  # position, extra cells, cell count
    if chunk.columns is None:
        # Row-by-row chunks become columns first, so both readers share one mapping path.
        longest = max((len(row) for row in chunk.rows), default=0)
        if width is None:
            width = min((len(row) for row in chunk.rows), default=0)
        if longest > width:
            for position, row in enumerate(chunk.rows):
                if len(row) > width and any(cell.strip() for cell in row[width:]):
                    extra = ", ".join(cell for cell in row[width:] if cell.strip())
                    extras.append((position, extra, len(row)))
        chunk = RecordChunk(
            lines=chunk.lines,
            skipped=chunk.skipped,
            columns=[
                pd.Series(column, dtype="string")
                for column in itertools.zip_longest(*chunk.rows, fillvalue="")
            ] if longest else [],
        )
    frame = _apply_mapping_to_columns(chunk, mapping)
    if extras:
        positions = [position for position, _, _ in extras]
        extra_text = pd.Series(pd.NA, index=frame.index, dtype="string")
        extra_text.iloc[positions] = [extra for _, extra, _ in extras]
        cell_count = pd.Series(0, index=frame.index, dtype="int64")
        cell_count.iloc[positions] = [count for _, _, count in extras]
        frame[EXTRA_CELLS_COLUMN] = extra_text
        frame[CELL_COUNT_COLUMN] = cell_count
        frame[COLUMN_COUNT_COLUMN] = width
    return frame


def _join_parts(parts: list[pd.Series]) -> pd.Series:
    """Join stripped parts with one space, leaving empty parts out."""
    series = parts[0]
    for part in parts[1:]:
        joined = series + " " + part
        series = joined.where((series != "") & (part != ""), series + part)
    return series


def _apply_mapping_to_columns(chunk: RecordChunk, mapping: Mapping) -> pd.DataFrame:
    """apply_mapping for a columnar chunk: column operations only, no per-row Python."""
    columns = chunk.columns or []
    count = len(chunk.lines)
    data: dict[str, Any] = {}
    for name in FIELD_NAMES:
        indices = sorted(index for index, mapped in mapping.columns.items() if mapped == name)
        constant = mapping.constants.get(name)
        if indices:
            parts = [columns[i] for i in indices if i < len(columns)]
            if len(parts) > 1:
                parts = [part.str.strip() for part in parts]
            if not parts:
                series = pd.Series([""] * count, dtype="string")
            else:
                if len(parts) > 1 and name in DATE_FIELDS:
                    # `20:30` + `12/08/2023` reads `12/08/2023 20:30`: the date part comes first.
                    times = [part.str.fullmatch(TIME_ONLY_PATTERN).fillna(False) for part in parts]
                    parts = ([part.where(~time, "") for part, time in zip(parts, times, strict=True)]
                             + [part.where(time, "") for part, time in zip(parts, times, strict=True)])
                series = _join_parts(parts).astype("string")
            if constant:
                series = series.mask(series.str.strip() == "", constant)
            data[name] = series.reset_index(drop=True)
        elif constant is not None:
            data[name] = pd.Series([constant] * count, dtype="string")
    frame = pd.DataFrame(data, index=pd.RangeIndex(count))
    frame["line"] = pd.Series(chunk.lines, dtype="int64")
    return frame


def inspect_file(
    path: Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    header_row: int | None = None,
    template: Mapping | None = None,
    sample_size: int = 200,
) -> dict[str, Any]:
    """The `arena inspect --format json` payload: detected layout and suggested mapping."""
    layout = detect_layout(Path(path), encoding=encoding, delimiter=delimiter,
                           header_row=header_row)
    first_chunk = next(iter_records(Path(path), layout, chunk_rows=sample_size), RecordChunk())
    suggestion = suggest_mapping(layout.headers, first_chunk.rows[:sample_size], template=template)
    return {
        "encoding": layout.encoding,
        "delimiter": layout.delimiter,
        "quotechar": layout.quotechar,
        "header_row": layout.header_row,
        "columns": [
            {"index": column.index, "header": column.header, "field": column.field,
             "confidence": column.confidence, "samples": column.samples}
            for column in suggestion.columns
        ],
        "vendor": suggestion.vendor,
    }


def _check_field(name: object, where: str) -> None:
    if name not in FIELDS_BY_NAME:
        raise ValueError(
            f"Unknown field {name!r} for {where}; known fields are: {', '.join(FIELD_NAMES)}."
        )


def _column_index(key: str, headers: list[str], folded_headers: list[str]) -> int:
    if key in headers:
        return headers.index(key)
    if key.strip().isdigit():
        index = int(key)
        if index < len(headers):
            return index
        raise ValueError(f"Column index {index} is out of range: the file has {len(headers)} columns.")
    folded = fold(key)
    if folded and folded_headers.count(folded) == 1:
        return folded_headers.index(folded)
    raise ValueError(f"Unknown column {key!r}: it is neither a header of the file nor an index.")


def _column_samples(rows: list[list[str]], index: int) -> list[str]:
    """Distinct non-empty values of a column, in order of appearance."""
    seen: dict[str, None] = {}
    for row in rows:
        if index < len(row):
            value = row[index].strip()
            if value:
                seen.setdefault(value, None)
    return list(seen)


def _header_score(folded: str, spec: FieldSpec) -> tuple[float, str]:
    """How well a folded header names a field: exact alias, alias inside the header, or typo."""
    if not folded:
        return 0.0, "whole"
    tokens = folded.split()
    best, best_role = 0.0, "whole"
    for role, aliases in (("whole", spec.aliases), ("part", spec.part_aliases)):
        weight = 1.0 if role == "whole" else 0.9
        for alias in aliases:
            if folded == alias:
                score = 1.0
            else:
                alias_tokens = alias.split()
                contained = _contains_run(tokens, alias_tokens)
                score = 0.6 + 0.3 * len(alias_tokens) / len(tokens) if contained else 0.0
                if len(folded) >= 5 and len(alias) >= 5:
                    ratio = fuzz.ratio(folded, alias) / 100
                    if ratio >= 0.85:
                        score = max(score, ratio * 0.95)
            score *= weight
            if score > best:
                best, best_role = score, role
    return best, best_role


def _contains_run(tokens: list[str], run: list[str]) -> bool:
    width = len(run)
    return any(tokens[start:start + width] == run for start in range(len(tokens) - width + 1))


_KIND_EVIDENCE: dict[str, tuple[str, ...]] = {
    "email": ("email",),
    "date": ("date", "datetime"),
    "money": ("money", "integer", "postal_code_or_integer"),
    "phone": ("phone", "integer"),
    "postal_code": ("postal_code", "postal_code_or_integer"),
}


def _adjust_for_values(score: float, spec: FieldSpec, shares: dict[str, float], role: str) -> float:
    """Values that fit the field confirm the header; values that cannot fit it weaken it."""
    evidence = _KIND_EVIDENCE.get(spec.kind)
    if not shares or evidence is None:
        return score
    if spec.kind == "date" and role == "part":
        evidence = ("time",)
    fit = sum(shares.get(kind, 0.0) for kind in evidence)
    if fit >= 0.8:
        return min(1.0, score + 0.05)
    if fit < 0.2:
        return score * 0.6
    return score


def _value_only_score(spec: FieldSpec, shares: dict[str, float]) -> float:
    """Distinctive values name their field even under an unhelpful header, with less confidence."""
    if not shares:
        return 0.0
    if spec.name == "customer_email":
        return 0.65 * shares.get("email", 0.0) if shares.get("email", 0.0) >= 0.8 else 0.0
    if spec.name == "customer_phone":
        return 0.55 if shares.get("phone", 0.0) >= 0.8 else 0.0
    if spec.name == "customer_gender":
        return 0.55 if shares.get("gender", 0.0) >= 0.9 else 0.0
    if spec.name == "currency":
        return 0.6 if shares.get("currency", 0.0) >= 0.9 else 0.0
    if spec.name == "customer_country":
        return 0.55 if shares.get("country", 0.0) >= 0.8 else 0.0
    return 0.0


def _assign(candidates: list[tuple[float, int, str, str]]) -> dict[int, tuple[str, float]]:
    """Best pairs first; a field already taken accepts only part columns (or vendor parts)."""
    chosen: dict[int, tuple[str, float]] = {}
    roles_by_field: dict[str, list[str]] = {}
    # A recognized vendor layout is decided before any guess: it is known, not inferred.
    ordered = sorted(candidates, key=lambda item: (item[3] != "vendor", -item[0], item[1]))
    for score, index, name, role in ordered:
        if index in chosen:
            continue
        roles = roles_by_field.get(name)
        if roles is not None:
            if name not in COMBINABLE_FIELDS:
                continue
            if "vendor" in roles:  # the vendor layout says exactly which columns form the field
                if role != "vendor":
                    continue
            elif not (role == "part" or (role == "whole" and "whole" not in roles)):
                continue
        chosen[index] = (name, min(1.0, score))
        roles_by_field.setdefault(name, []).append(role)
    return chosen
