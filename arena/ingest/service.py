"""The import service: one file in, every record loaded or rejected with its reason.

detect → map (suggestion, template or the user's mapping) → stream chunks → validate → stage →
normalize and commit in one transaction. CSV uploads, FTP drops and vendor APIs all end here.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from arena.errors import ArenaUserError
from arena.ingest.catalogue import fold, missing_required
from arena.ingest.fast_reader import (
    FastPathUnavailable,
    fast_path_supported,
    iter_record_columns,
)
from arena.ingest.mapping import Mapping, apply_mapping, header_signature, suggest_mapping
from arena.ingest.normalize import customer_keys
from arena.ingest.ports import ImportRequest, ImportStore, ImportWriter, RejectedRow, Warning
from arena.ingest.reader import iter_records
from arena.ingest.sniff import FileLayout, detect_layout
from arena.ingest.validation import ParseOptions, RowIssue, ValidationState, validate_chunk

ProgressCallback = Callable[[int, float], None]
"""Called after each chunk with the records processed so far and the rate in records/s."""


@dataclass
class ImportReport:
    """The outcome of one import, in the shape of `arena import --format json`."""

    import_id: int | None
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    rejected: list[dict[str, Any]]
    warnings: list[dict[str, Any]]
    skipped_lines: list[dict[str, Any]]
    dry_run: bool = False
    status: str = "completed"
    vendor: str | None = None
    mapping: dict[str, Any] = field(default_factory=dict)
    added: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    load_seconds: dict[str, float] = field(default_factory=dict)
    bulk_tables: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ImportOptions:
    """What the user may set or override for one import."""

    organization: str
    source: str | None = None
    mapping: Mapping | None = None
    constants: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    delimiter: str | None = None
    header_row: int | None = None
    dry_run: bool = False
    user: str | None = None
    parse: ParseOptions = field(default_factory=ParseOptions)
    chunk_rows: int = 50_000
    save_template: bool = True


class NullWriter:
    """Stands in for storage during a dry run: validates everything, writes nothing."""

    import_id: int | None = None

    def stage(self, rows: pd.DataFrame) -> None:
        return None

    def reject(self, rows: list[RejectedRow]) -> None:
        return None

    def warn(self, warnings: list[Warning]) -> None:
        return None

    def finish(self, rows_read: int, rows_loaded: int, rows_rejected: int):  # type: ignore[no-untyped-def]
        from arena.ingest.ports import LoadSummary

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


def estimate_rows(path: Path, layout: FileLayout, sample_bytes: int = 1 << 16) -> int:
    """Records in the file, estimated from the size of its first lines (no full read)."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        sample = handle.read(sample_bytes)
    lines = sample.count(b"\n") - layout.header_row - 1
    if lines <= 0 or len(sample) < sample_bytes:
        return max(lines, 0)
    return int(size / len(sample) * (sample.count(b"\n"))) - layout.header_row - 1


def resolve_mapping(
    path: Path,
    layout: FileLayout,
    options: ImportOptions,
    store: ImportStore | None,
    source: str,
) -> tuple[Mapping, str | None]:
    """The mapping to use: the user's, else a saved template for this header signature, else the
    suggestion; constants given on the command line are added on top."""
    sample: list[list[str]] = []
    for chunk in iter_records(path, layout, chunk_rows=200):
        sample = chunk.rows[:200]
        break
    template = None
    if options.mapping is None and store is not None:
        saved = store.find_template(options.organization, source, header_signature(layout.headers))
        if saved is not None:
            template = Mapping.from_json(saved, layout.headers)
    suggestion = suggest_mapping(layout.headers, sample, template=template)
    mapping = options.mapping if options.mapping is not None else suggestion.to_mapping()
    mapping = Mapping(columns=dict(mapping.columns), constants={**mapping.constants, **options.constants})
    return mapping, suggestion.vendor


_CENTS_HEADER = re.compile(r"\b(centimes?|cents|cts)\b")


def prices_in_cents(mapping: Mapping, headers: list[str]) -> bool:
    """Whether the header of the price column says its amounts are in cents."""
    price_headers = [headers[i] for i, f in mapping.columns.items()
                     if f == "price" and i < len(headers)]
    return any(_CENTS_HEADER.search(fold(header)) for header in price_headers)


def _column_label(field_name: str | None, mapping: Mapping, headers: list[str]) -> str | None:
    if field_name is None:
        return None
    indexes = [i for i, f in sorted(mapping.columns.items()) if f == field_name]
    if indexes:
        return " + ".join(headers[i] for i in indexes if i < len(headers))
    if field_name in mapping.constants:
        return f"(constant {field_name})"
    return field_name


def run_import(path: Path, options: ImportOptions, store: ImportStore | None,
               progress: ProgressCallback | None = None) -> ImportReport:
    """Import one file. Every data record ends up loaded or rejected with its reason:
    rows_read == rows_loaded + rows_rejected. Unusable input raises ArenaUserError."""
    started = time.perf_counter()
    path = Path(path)
    if not path.exists():
        raise ArenaUserError(f"The file {path} does not exist.")
    layout = detect_layout(
        path, encoding=options.encoding, delimiter=options.delimiter, header_row=options.header_row
    )
    source = options.source or "csv"
    mapping, vendor = resolve_mapping(path, layout, options, store, source)
    missing = missing_required(mapping)
    if missing:
        raise ArenaUserError(
            "Required field(s) not mapped and without a constant: "
            + ", ".join(missing)
            + " (map a column or pass --const FIELD=VALUE)."
        )
    mapping_json = mapping.to_json(layout.headers)
    if not options.parse.price_in_cents and prices_in_cents(mapping, layout.headers):
        # The source says so: "Montant (centimes)", "price_cents", "Prix en cts".
        options = replace(options, parse=replace(options.parse, price_in_cents=True))
    writer: ImportWriter
    if options.dry_run or store is None:
        writer = NullWriter()
    else:
        writer = store.begin(
            ImportRequest(
                organization=options.organization,
                source=source,
                vendor=vendor,
                file_name=path.name,
                file_hash=file_sha256(path),
                mapping=mapping_json,
                user=options.user,
                expected_rows=estimate_rows(path, layout),
            )
        )
    fast = fast_path_supported(layout)
    while True:
        state = ValidationState()
        rows_read = rows_loaded = 0
        rejected: list[RejectedRow] = []
        warnings: list[Warning] = []
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
                result = validate_chunk(frame, state, options.parse)
                rows_read += result.rows_in
                valid = result.valid
                if len(valid):
                    valid = valid.assign(customer_key=customer_keys(valid))
                    writer.stage(valid)
                rows_loaded += len(valid)
                chunk_rejected = _rejected_rows(result.rejected, chunk, layout, mapping)
                chunk_warnings = [_warning(i, mapping, layout.headers) for i in result.warnings]
                writer.reject(chunk_rejected)
                writer.warn(chunk_warnings)
                rejected.extend(chunk_rejected)
                warnings.extend(chunk_warnings)
                if progress is not None:
                    elapsed = time.perf_counter() - started
                    progress(rows_read, rows_read / elapsed if elapsed else 0.0)
            break
        except FastPathUnavailable:
            # An irregular record: start again with the row-by-row reader, from a clean stage.
            writer.reset()
            fast = False
        except BaseException as error:
            writer.abort(f"{type(error).__name__}: {error}")
            raise
    try:
        summary = writer.finish(rows_read, rows_loaded, len(rejected))
    except BaseException as error:
        writer.abort(f"{type(error).__name__}: {error}")
        raise
    if options.save_template and store is not None and not options.dry_run:
        store.save_template(options.organization, source, header_signature(layout.headers), mapping_json)
    return ImportReport(
        import_id=summary.import_id,
        rows_read=rows_read,
        rows_loaded=rows_loaded,
        rows_rejected=len(rejected),
        rejected=[asdict(r) for r in rejected],
        warnings=[asdict(w) for w in warnings],
        skipped_lines=sorted(skipped, key=lambda s: s["line"]),
        dry_run=options.dry_run,
        status=summary.status,
        vendor=vendor,
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
    )


def _rejected_rows(
    issues: list[RowIssue], chunk: Any, layout: FileLayout, mapping: Mapping
) -> list[RejectedRow]:
    if not issues:
        return []
    position = {line: i for i, line in enumerate(chunk.lines)}
    rows = []
    for issue in issues:
        raw = chunk.record_at(position[issue.line]) if issue.line in position else []
        record = {
            (layout.headers[i] if i < len(layout.headers) else f"column {i + 1}"): value
            for i, value in enumerate(raw)
        }
        rows.append(
            RejectedRow(
                line=issue.line,
                record=record,
                column=_column_label(issue.field, mapping, layout.headers),
                value=issue.value,
                code=issue.code,
                message=issue.message,
            )
        )
    return rows


def _warning(issue: RowIssue, mapping: Mapping, headers: list[str]) -> Warning:
    return Warning(
        line=issue.line,
        column=_column_label(issue.field, mapping, headers),
        value=issue.value,
        code=issue.code,
        message=issue.message,
    )
