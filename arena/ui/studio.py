"""The Import studio's building blocks: file choice, layout detection, the mapping editor, and
validation or import runs with a live progress bar.

The studio never holds the file as Python objects: detection reads a sample, the preview reads
the first rows, and validation and import stream the file chunk by chunk through `run_import`.
What the page establishes (layout, the suggestion the editor starts from, the mapping, the
vendor) goes into one `ImportPlan`, made as the command line makes it (`arena.ingest.plan`).
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
from arena.ingest.mapping import Mapping, MappingSuggestion
from arena.ingest.plan import FileSample, ImportPlan, make_plan, read_sample, suggest, vendor_of
from arena.ingest.rejections import rejected_table
from arena.ingest.service import ImportOptions, ImportReport, run_import
from arena.package_data import samples_dir
from arena.tenancy import Organization
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


def detect(file: StudioFile) -> FileSample:
    """The file's layout as Arena detects it, and its first records; a file Arena cannot read
    (no header, too many columns, a line without end) is one sentence on the page."""
    try:
        return read_sample(file.path)
    except ArenaUserError as error:
        st.error(str(error))
        st.stop()
        raise  # st.stop() ends the script run; this line only tells mypy


def adjust(detected: FileSample, encoding: str, delimiter: str, header_row: int) -> FileSample:
    """The sample read with the user's corrections; the detected one when nothing changed."""
    layout = detected.layout
    if (encoding, delimiter, header_row) == (layout.encoding, layout.delimiter,
                                             layout.header_row):
        return detected
    return read_sample(detected.path, encoding=encoding, delimiter=delimiter,
                       header_row=header_row)


def preview_frame(sample: FileSample) -> pd.DataFrame:
    """The first rows under their headers, as read with the chosen encoding and delimiter."""
    layout, chunk = sample.layout, sample.first_rows
    rows = [row[: len(layout.headers)] for row in chunk.rows[:PREVIEW_ROWS]]
    return pd.DataFrame(rows, columns=layout.headers, index=chunk.lines[:PREVIEW_ROWS])


def vendor_name(sample: FileSample) -> str | None:
    return vendor_of(sample.layout)


def suggestion_for(sample: FileSample, organization: Organization,
                   source: str) -> MappingSuggestion:
    """Arena's proposal, or the template saved for this source and header signature."""
    return suggest(sample, organization, source, get_services().import_store)


def plan(sample: FileSample, organization: Organization, source: str, mapping: Mapping,
         suggestion: MappingSuggestion) -> ImportPlan:
    """The plan of the import as the page shows it: the mapping the user left in the editor."""
    return make_plan(sample, organization, source, mapping, suggestion.vendor)


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


def save_template(plan: ImportPlan) -> None:
    get_services().import_store.save_template(
        plan.organization, plan.source, plan.signature, plan.mapping_json
    )


def _progress(total: int) -> Callable[[int, float], None]:
    bar = st.progress(0.0, text="Reading the file…")

    def update(rows: int, rate: float) -> None:
        bar.progress(min(rows / max(total, 1), 1.0),
                     text=f"{format_count(rows)} rows processed · {format_rate(rate)}")

    return update


def run(plan: ImportPlan, *, user: str, dry_run: bool, rows: int | None = None
        ) -> ImportReport | None:
    """Validate (dry run, nothing written) or import, streaming with a progress bar (out of
    `rows` when a validation counted them, else the plan's estimate)."""
    options = ImportOptions(dry_run=dry_run, user=user,
                            chunk_rows=get_services().settings.import_chunk_rows)
    store = None if dry_run else get_services().import_store
    try:
        report = run_import(plan, options, store, progress=_progress(rows or plan.expected_rows))
    except ArenaUserError as error:
        st.error(str(error))
        return None
    if not dry_run:
        forget_cached_sales(plan.organization)
    return report


def warned_rows(report: ImportReport) -> int:
    return report.rows_warned


def errors_by_code(report: ImportReport) -> pd.DataFrame:
    """Rejections counted by reason and column, most frequent first (every rejected row
    counted, not only the sample the report keeps)."""
    frame = pd.DataFrame(report.rejections_by_reason,
                         columns=["code", "column", "rows", "example"])
    frame["column"] = frame["column"].fillna("(row)")
    return frame


def rejected_download_label(report: ImportReport) -> str:
    """The download holds the sample the report keeps; say so when it is not every row."""
    if report.rows_rejected > len(report.rejected):
        return (f"Download the first {format_count(len(report.rejected))} rejected rows (CSV); "
                "after the import, all of them are in the import history")
    return "Download the rejected rows (CSV)"


def rejected_csv(rows: list[dict[str, Any]]) -> bytes:
    """Rejected rows with their reasons, as a CSV Excel opens (UTF-8 with BOM, `;`)."""
    buffer = io.StringIO()
    rejected_table(rows).to_csv(buffer, sep=";", index=False)
    return buffer.getvalue().encode("utf-8-sig")
