"""The import service: one planned file in, every record loaded or rejected with its reason.

plan (arena.ingest.plan: layout, mapping, vendor, estimate, established once) → stream chunks →
validate → derive → stage → normalize and commit in one transaction. CSV uploads, FTP drops
and vendor APIs all end here.
"""

from __future__ import annotations

import csv
import hashlib
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from arena.errors import ArenaUserError
from arena.ingest.derive import ChunkFacts, Deriver
from arena.ingest.fast_reader import (
    FastPathUnavailable,
    fast_path_supported,
    iter_record_columns,
)
from arena.ingest.mapping import Mapping, apply_mapping
from arena.ingest.normalize import customer_keys
from arena.ingest.plan import ImportPlan
from arena.ingest.ports import (
    ImportRequest,
    ImportStore,
    ImportWriter,
    LoadSummary,
    RejectedRow,
    Warning,
)
from arena.ingest.reader import iter_records
from arena.ingest.sniff import FileLayout
from arena.ingest.validation import ParseOptions, RowIssue, ValidationState, validate_chunk

ProgressCallback = Callable[[int, float], None]
"""Called after each chunk with the records processed so far and the rate in records/s."""

# Rejected rows and warnings kept in the report (and the Import studio's session) as a sample:
# every one of them is written to the database as its chunk is (`arena import rejected ID`),
# so a file whose every row is rejected costs this much memory, not its size.
SAMPLE_ISSUES = 1_000


@dataclass
class ImportReport:
    """The outcome of one import, in the shape of `arena import --format json`."""

    import_id: int | None
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    rejected: list[dict[str, Any]]  # the first SAMPLE_ISSUES rejected rows, in line order
    warnings: list[dict[str, Any]]  # the first SAMPLE_ISSUES warnings, in line order
    skipped_lines: list[dict[str, Any]]
    dry_run: bool = False
    status: str = "completed"
    vendor: str | None = None
    mapping: dict[str, Any] = field(default_factory=dict)
    added: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    load_seconds: dict[str, float] = field(default_factory=dict)
    bulk_tables: list[str] = field(default_factory=list)
    # Every rejection counted by reason and column, with one example message each.
    rejections_by_reason: list[dict[str, Any]] = field(default_factory=list)
    rows_warned: int = 0  # rows loaded with at least one warning
    # Not in the JSON: the customers the import created or met (see LoadSummary).
    touched_customer_ids: np.ndarray = field(
        default_factory=lambda: np.empty(0, np.int64), repr=False
    )

    def to_json(self) -> dict[str, Any]:
        payload = asdict(self)
        del payload["touched_customer_ids"]
        return payload


@dataclass
class ImportOptions:
    """How to run a planned import (what the file is and where it goes is in the plan)."""

    dry_run: bool = False
    user: str | None = None
    parse: ParseOptions = field(default_factory=ParseOptions)
    chunk_rows: int = 50_000
    save_template: bool = True


class NullWriter:
    """Stands in for storage during a dry run: validates everything, writes nothing."""

    import_id: int | None = None

    def stage(self, rows: pd.DataFrame, facts: ChunkFacts) -> None:
        return None

    def reject(self, rows: list[RejectedRow]) -> None:
        return None

    def warn(self, warnings: list[Warning]) -> None:
        return None

    def finish(self, rows_read: int, rows_loaded: int, rows_rejected: int) -> LoadSummary:
        return LoadSummary(import_id=None, status="dry_run")

    def abort(self, message: str) -> None:
        return None

    def reset(self) -> None:
        return None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _column_label(field_name: str | None, mapping: Mapping, headers: list[str]) -> str | None:
    if field_name is None:
        return None
    indexes = [i for i, f in sorted(mapping.columns.items()) if f == field_name]
    if indexes:
        return " + ".join(headers[i] for i in indexes if i < len(headers))
    if field_name in mapping.constants:
        return f"(constant {field_name})"
    return field_name


def run_import(plan: ImportPlan, options: ImportOptions, store: ImportStore | None,
               progress: ProgressCallback | None = None) -> ImportReport:
    """Import one planned file. Every data record ends up loaded or rejected with its reason:
    rows_read == rows_loaded + rows_rejected. Unusable input raises ArenaUserError."""
    started = time.perf_counter()
    path, layout, mapping = plan.path, plan.layout, plan.mapping
    mapping_json = plan.mapping_json
    parse = options.parse
    if not parse.price_in_cents and plan.prices_in_cents:
        # The source says so: "Montant (centimes)", "price_cents", "Prix en cts".
        parse = replace(parse, price_in_cents=True)
    writer: ImportWriter
    if options.dry_run or store is None:
        writer = NullWriter()
    else:
        writer = store.begin(
            ImportRequest(
                organization=plan.organization,
                source=plan.source,
                vendor=plan.vendor,
                file_name=path.name,
                file_hash=file_sha256(path),
                mapping=mapping_json,
                user=options.user,
                expected_rows=plan.expected_rows,
            )
        )
    dry = isinstance(writer, NullWriter)  # nothing stored: records only for the sample
    fast = fast_path_supported(layout)
    while True:
        state = ValidationState()
        deriver = Deriver()
        rows_read = rows_loaded = rows_warned = 0
        rejected: list[RejectedRow] = []
        warnings: list[Warning] = []
        reasons = _ReasonTally()
        skipped: list[dict[str, Any]] = [asdict(s) for s in layout.skipped_lines]
        chunks = (
            iter_record_columns(path, layout, chunk_rows=options.chunk_rows)
            if fast
            else iter_records(path, layout, chunk_rows=options.chunk_rows)
        )
        try:
            for chunk in chunks:
                skipped.extend(asdict(s) for s in chunk.skipped)
                if not len(chunk):
                    continue
                frame = apply_mapping(chunk, mapping, width=len(layout.headers))
                result = validate_chunk(frame, state, parse)
                rows_read += result.rows_in
                valid = result.valid
                if len(valid):
                    valid = valid.assign(customer_key=customer_keys(valid))
                    writer.stage(valid, deriver.facts(valid))
                rows_loaded += len(valid)
                chunk_rejected = _rejected_rows(
                    result.rejected, chunk, layout, mapping,
                    records=SAMPLE_ISSUES - len(rejected) if dry else None,
                )
                chunk_warnings = [_warning(i, mapping, layout.headers) for i in result.warnings]
                writer.reject(chunk_rejected)
                writer.warn(chunk_warnings)
                reasons.add(chunk_rejected)
                rows_warned += len({w.line for w in chunk_warnings})
                rejected.extend(chunk_rejected[:SAMPLE_ISSUES - len(rejected)])
                warnings.extend(chunk_warnings[:SAMPLE_ISSUES - len(warnings)])
                del chunk_rejected, chunk_warnings
                if progress is not None:
                    elapsed = time.perf_counter() - started
                    progress(rows_read, rows_read / elapsed if elapsed else 0.0)
            break
        except FastPathUnavailable:
            # An irregular record: start again with the row-by-row reader, from a clean stage.
            writer.reset()
            fast = False
        except (csv.Error, pa.ArrowInvalid) as error:
            # A parser's complaint the readers did not put in words: still one sentence.
            writer.abort(f"{type(error).__name__}: {error}")
            raise ArenaUserError(
                f"The file cannot be read as CSV after {rows_read:,} records: {error}."
            ) from error
        except BaseException as error:
            writer.abort(f"{type(error).__name__}: {error}")
            raise
    try:
        summary = writer.finish(rows_read, rows_loaded, reasons.total)
    except BaseException as error:
        writer.abort(f"{type(error).__name__}: {error}")
        raise
    if options.save_template and store is not None and not options.dry_run:
        store.save_template(plan.organization, plan.source, plan.signature, mapping_json)
    return ImportReport(
        import_id=summary.import_id,
        rows_read=rows_read,
        rows_loaded=rows_loaded,
        rows_rejected=reasons.total,
        rejected=[asdict(r) for r in rejected],
        warnings=[asdict(w) for w in warnings],
        skipped_lines=sorted(skipped, key=lambda s: s["line"]),
        dry_run=options.dry_run,
        status=summary.status,
        vendor=plan.vendor,
        mapping=mapping_json,
        added={
            "tickets": summary.tickets_added,
            "customers": summary.customers_added,
            "events": summary.events_added,
            "orders": summary.orders_added,
        },
        seconds=round(time.perf_counter() - started, 3),
        load_seconds=summary.seconds,
        bulk_tables=list(summary.bulk_tables),
        rejections_by_reason=reasons.rows(),
        rows_warned=rows_warned,
        touched_customer_ids=summary.touched_customer_ids,
    )


class _ReasonTally:
    """Rejections counted by (code, column), with the first message of each: what the report
    shows of a file whose rejected rows are too many to keep."""

    def __init__(self) -> None:
        self.total = 0
        self._counts: dict[tuple[str, str | None], list[Any]] = {}

    def add(self, rows: list[RejectedRow]) -> None:
        self.total += len(rows)
        for row in rows:
            entry = self._counts.setdefault((row.code, row.column), [0, row.message])
            entry[0] += 1

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"code": code, "column": column, "rows": count, "example": example}
            for (code, column), (count, example) in sorted(
                self._counts.items(), key=lambda item: -item[1][0]
            )
        ]


def _rejected_rows(
    issues: list[RowIssue], chunk: Any, layout: FileLayout, mapping: Mapping,
    records: int | None = None,
) -> list[RejectedRow]:
    """The chunk's rejected rows with their raw records, read column by column (one `take`
    per column, not one lookup per cell). Only the first `records` rows get their record when a
    limit is given (a dry run keeps a sample and writes nothing)."""
    if not issues:
        return []
    position = {line: i for i, line in enumerate(chunk.lines)}
    wanted = issues if records is None else issues[:max(records, 0)]
    raws = _raw_records(chunk, [position.get(issue.line) for issue in wanted])
    names = layout.headers
    labels: dict[str | None, str | None] = {}
    rows = []
    for index, issue in enumerate(issues):
        raw = raws[index] if index < len(raws) else []
        if issue.field not in labels:
            labels[issue.field] = _column_label(issue.field, mapping, layout.headers)
        rows.append(
            RejectedRow(
                line=issue.line,
                record={(names[i] if i < len(names) else f"column {i + 1}"): value
                        for i, value in enumerate(raw)},
                column=labels[issue.field],
                value=issue.value,
                code=issue.code,
                message=issue.message,
            )
        )
    return rows


def _raw_records(chunk: Any, positions: list[int | None]) -> list[list[str]]:
    """The raw cells at these positions of the chunk (empty for a position it lacks)."""
    found = [p for p in positions if p is not None]
    if chunk.columns is None or not found:
        return [chunk.record_at(p) if p is not None else [] for p in positions]
    columns = [column.iloc[found].fillna("").astype(str).tolist() for column in chunk.columns]
    by_position = dict(zip(found, (list(cells) for cells in zip(*columns, strict=True)),
                           strict=True))
    return [by_position.get(p, []) if p is not None else [] for p in positions]


def _warning(issue: RowIssue, mapping: Mapping, headers: list[str]) -> Warning:
    return Warning(
        line=issue.line,
        column=_column_label(issue.field, mapping, headers),
        value=issue.value,
        code=issue.code,
        message=issue.message,
    )
