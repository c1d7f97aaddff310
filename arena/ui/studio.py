"""The Import studio's building blocks: file choice, layout detection, the mapping editor, and
validation or import runs with a live progress bar.

The studio never holds the file as Python objects: detection reads a sample, the preview reads
the first rows, and validation and import stream the file chunk by chunk through `run_import`.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from arena.errors import ArenaUserError
from arena.ingest.catalogue import FIELD_NAMES, FIELDS_BY_NAME, missing_required
from arena.ingest.mapping import Mapping, MappingSuggestion, header_signature, suggest_mapping
from arena.ingest.reader import RecordChunk, iter_records
from arena.ingest.service import ImportOptions, ImportReport, run_import
from arena.ingest.sniff import FileLayout, detect_layout
from arena.ingest.vendors import detect_vendor
from arena.package_data import samples_dir
from arena.ui.data import forget_cached_sales
from arena.ui.formatting import format_count, format_percent, format_rate
from arena.ui.services import get_services

SAMPLES_DIR = samples_dir()  # shipped inside the package (arena/data/samples)
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16")
DELIMITERS = {";": "; semicolon", ",": ", comma", "\t": "tab", "|": "| pipe"}
# Fields a manager may type once for the whole file when the export lacks them.
CONSTANT_FIELDS = ("event_name", "event_date", "venue", "currency")
NOT_IMPORTED = ""
PREVIEW_ROWS = 15
SAMPLE_ROWS = 200


@dataclass(frozen=True)
class StudioFile:
    """The file being imported and a key that changes whenever the file does."""

    path: Path
    key: str


def sample_files() -> list[Path]:
    """Bundled example exports a user can try without a file of their own."""
    return sorted(SAMPLES_DIR.rglob("*.csv"))


def save_upload(name: str, content: bytes) -> StudioFile:
    """Write an upload under ARENA_DATA_DIR/uploads/<hash>/<name>: the pipeline reads paths, and
    the import history keeps the user's own file name."""
    digest = hashlib.sha256(content).hexdigest()[:16]
    folder = get_services().settings.data_dir / "uploads" / digest
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (Path(name).name or "upload.csv")
    if not path.exists():
        path.write_bytes(content)
    return StudioFile(path, digest)


def sample_file(path: Path) -> StudioFile:
    stat = path.stat()
    return StudioFile(path, hashlib.sha256(f"{path}:{stat.st_mtime}".encode()).hexdigest()[:16])


def detect(file: StudioFile, encoding: str | None = None, delimiter: str | None = None,
           header_row: int | None = None) -> FileLayout:
    return detect_layout(file.path, encoding=encoding, delimiter=delimiter, header_row=header_row)


def first_rows(file: StudioFile, layout: FileLayout, rows: int = SAMPLE_ROWS) -> RecordChunk:
    return next(iter_records(file.path, layout, chunk_rows=rows), RecordChunk())


def preview_frame(chunk: RecordChunk, layout: FileLayout) -> pd.DataFrame:
    """The first rows under their headers, as read with the chosen encoding and delimiter."""
    rows = [row[: len(layout.headers)] for row in chunk.rows[:PREVIEW_ROWS]]
    return pd.DataFrame(rows, columns=layout.headers, index=chunk.lines[:PREVIEW_ROWS])


def vendor_name(layout: FileLayout) -> str | None:
    vendor = detect_vendor(layout.headers)
    return vendor.name if vendor else None


def suggestion_for(layout: FileLayout, chunk: RecordChunk, organization: str,
                   source: str) -> MappingSuggestion:
    """Arena's proposal, or the template saved for this source and header signature."""
    store = get_services().import_store
    saved = store.find_template(organization, source, header_signature(layout.headers))
    template = Mapping.from_json(saved, layout.headers) if saved else None
    return suggest_mapping(layout.headers, chunk.rows, template=template)


def field_label(name: str) -> str:
    if name == NOT_IMPORTED:
        return "— not imported —"
    spec = FIELDS_BY_NAME[name]
    return f"{spec.label} *" if spec.required else spec.label


def mapping_editor(suggestion: MappingSuggestion, key: str) -> Mapping:
    """One row per file column (header, sample values, suggestion, a field picker), then the
    constants the file lacks. Returns the mapping as the user left it."""
    options = [NOT_IMPORTED, *FIELD_NAMES]
    widths = [2, 3, 2, 3]
    for title, cell in zip(("File column", "Sample values", "Suggested", "Imported as"),
                           st.columns(widths), strict=True):
        cell.markdown(f"**{title}**")
    columns: dict[int, str] = {}
    for column in suggestion.columns:
        header, samples, suggested, picker = st.columns(widths)
        header.write(column.header)
        samples.caption(" · ".join(column.samples[:3]) or "(empty)")
        suggested.caption(
            f"{field_label(column.field)} ({format_percent(column.confidence, 0)})"
            if column.field else "no guess"
        )
        chosen = picker.selectbox(
            f"Field for {column.header}", options, index=options.index(column.field or ""),
            format_func=field_label, key=f"map_{key}_{column.index}", label_visibility="collapsed",
        )
        if chosen:
            columns[column.index] = chosen
    mapped = set(columns.values())
    missing = set(missing_required(Mapping(columns=columns)))
    wanted = [n for n in FIELD_NAMES if n in CONSTANT_FIELDS or (
        n in missing and FIELDS_BY_NAME[n].constant_allowed)]
    visible = [name for name in wanted if name not in mapped]
    constants: dict[str, str] = {}
    if not visible:
        return Mapping(columns=columns, constants=constants)
    st.markdown("**Values for the whole file** (when the export does not have the column)")
    for field_name, box in zip(visible, st.columns(len(visible)), strict=True):
        value = box.text_input(
            field_label(field_name), value=suggestion.constants.get(field_name, ""),
            key=f"const_{key}_{field_name}",
            placeholder="e.g. 14/03/2015 20:30" if field_name == "event_date" else "",
        )
        if value.strip():
            constants[field_name] = value.strip()
    return Mapping(columns=columns, constants=constants)


def missing_message(mapping: Mapping) -> str | None:
    """A sentence naming the required fields still missing, or None when the mapping is usable."""
    missing = missing_required(mapping)
    if not missing:
        return None
    names = ["Ticket number or Order number" if name == "ticket_id" else FIELDS_BY_NAME[name].label
             for name in missing]
    return ("Still missing: " + ", ".join(names) + ". Pick a column for each, or type a value "
            "for the whole file.")


def fingerprint(*parts: Any) -> str:
    """Identifies one (file, layout, source, mapping) so a stale validation is never shown."""
    return hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode()).hexdigest()


def save_template(organization: str, source: str, layout: FileLayout, mapping: Mapping) -> None:
    get_services().import_store.save_template(
        organization, source, header_signature(layout.headers), mapping.to_json(layout.headers)
    )


def estimate_rows(file: StudioFile, layout: FileLayout, chunk: RecordChunk) -> int:
    """Rows in the file, estimated from its size and the first rows, for the progress bar."""
    size = file.path.stat().st_size
    if not chunk.rows:
        return 1
    sample_bytes = sum(len(layout.delimiter.join(row)) + 2 for row in chunk.rows)
    return max(len(chunk.rows), int(size / (sample_bytes / len(chunk.rows))))


def _progress(total: int) -> Callable[[int, float], None]:
    bar = st.progress(0.0, text="Reading the file…")

    def update(rows: int, rate: float) -> None:
        bar.progress(min(rows / max(total, 1), 1.0),
                     text=f"{format_count(rows)} rows processed · {format_rate(rate)}")

    return update


def run(file: StudioFile, layout: FileLayout, mapping: Mapping, *, organization: str,
        source: str, user: str, dry_run: bool, expected_rows: int) -> ImportReport | None:
    """Validate (dry run, nothing written) or import, streaming with a progress bar."""
    options = ImportOptions(
        organization=organization, source=source, mapping=mapping, encoding=layout.encoding,
        delimiter=layout.delimiter, header_row=layout.header_row, dry_run=dry_run, user=user,
        chunk_rows=get_services().settings.import_chunk_rows,
    )
    store = None if dry_run else get_services().import_store
    try:
        report = run_import(file.path, options, store, progress=_progress(expected_rows))
    except ArenaUserError as error:
        st.error(str(error))
        return None
    if not dry_run:
        forget_cached_sales(organization)
    return report


def warned_rows(report: ImportReport) -> int:
    return len({warning["line"] for warning in report.warnings})


def errors_by_code(report: ImportReport) -> pd.DataFrame:
    """Rejections counted by reason and column, most frequent first."""
    frame = pd.DataFrame(report.rejected, columns=["code", "column", "message"])
    if frame.empty:
        return pd.DataFrame(columns=["code", "column", "rows", "example"])
    frame["column"] = frame["column"].fillna("(row)")
    return (
        frame.groupby(["code", "column"], dropna=False)
        .agg(rows=("message", "size"), example=("message", "first"))
        .reset_index()
        .sort_values("rows", ascending=False)
    )


def rejected_csv(rows: list[dict[str, Any]]) -> bytes:
    """Rejected rows with their reasons, as a CSV Excel opens (UTF-8 with BOM, `;`)."""
    flat = [{"line": r["line"], "column": r.get("column"), "value": r.get("value"),
             "code": r["code"], "message": r["message"], **(r.get("record") or {})} for r in rows]
    buffer = io.StringIO()
    pd.DataFrame(flat).to_csv(buffer, sep=";", index=False)
    return buffer.getvalue().encode("utf-8-sig")
