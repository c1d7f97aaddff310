"""Streaming of an export's data records in chunks, setting aside blank lines and footer totals."""

from __future__ import annotations

import csv
import gc
import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from arena.ingest.catalogue import fold
from arena.ingest.sniff import FileLayout, SkippedLine, UnusableFileError

# A footer label is the whole (folded) cell: `Total`, `TOTAL :`, `Totaux`, `Sous-total`,
# `Grand total`, `Sum`, `Somme`, optionally with a short qualifier (`Total général`, `Total TTC`,
# `Total des ventes`) and/or an amount or count (`Total : 1 234,50 €`, `Total 12`). A cell that
# merely starts with such a word (`Sum 41 – Tour d'adieu`, `Total Recall`) is data. Only
# `Sous-total` may name its group (`Sous-total Tosca`): no event is called that way.
_FOOTER_LABEL = re.compile(
    r"^(?:sous totaux|sous total)(?: |$)|"
    r"^(?:totaux|total|grand total|sum|somme)"
    r"(?: (?:generale|general|ttc|ht|des ventes|ventes|sales|amount|montant|billets|tickets"
    r"|eur|euros|\d+)){0,6}$"
)


@dataclass
class RecordChunk:
    """Consecutive data records; `rows[i]` starts on physical line `lines[i]` (1-based).

    Rows are padded with "" to the number of headers. Extra cells beyond the headers are dropped
    when empty (trailing separators) and kept when not, so such a row is longer than the headers
    and validation can report it instead of data disappearing silently.
    """

    lines: list[int] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    skipped: list[SkippedLine] = field(default_factory=list)
    # The fast path (arena.ingest.fast_reader) fills one string Series per header instead of rows.
    columns: list[pd.Series] | None = None

    def __len__(self) -> int:
        return len(self.lines)

    def record_at(self, position: int) -> list[str]:
        """The raw cells of one record, whichever representation the chunk holds."""
        if self.columns is not None:
            return ["" if pd.isna(v) else str(v) for v in (c.iloc[position] for c in self.columns)]
        return self.rows[position]

    @classmethod
    def concat(cls, chunks: list[RecordChunk]) -> RecordChunk:
        """One chunk from consecutive columnar chunks (chunks without records may be mixed in)."""
        with_columns = [c for c in chunks if c.columns is not None and c.lines]
        merged = cls(
            lines=[line for c in chunks for line in c.lines],
            skipped=[s for c in chunks for s in c.skipped],
        )
        if with_columns:
            width = len(with_columns[0].columns or [])
            merged.columns = [
                pd.concat([c.columns[i] for c in with_columns], ignore_index=True)  # type: ignore[index]
                for i in range(width)
            ]
        return merged

    def split(self, size: int) -> Iterator[RecordChunk]:
        """Columnar pieces of at most `size` records (skipped lines travel with the first)."""
        if self.columns is None or len(self) <= size:
            yield self
            return
        for start in range(0, len(self), size):
            yield RecordChunk(
                lines=self.lines[start:start + size],
                skipped=self.skipped if start == 0 else [],
                columns=[c.iloc[start:start + size].reset_index(drop=True) for c in self.columns],
            )


def refuse_unclosed_quote(path: Path, layout: FileLayout, line: int) -> None:
    """Refuse the file when the quote its last record opens is never closed.

    `"Gala de clôture;12/08/2025;…` with no closing quote makes every CSV parser read the rest of
    the file as one value: the records in it would be lost, read as one sparse row (a footer)
    or as one row with a huge value. Only the last record can end inside a quote, and only a
    last record spanning several lines needs this look: its text (from `line`, 1-based, to the
    end) is parsed again strictly. A quote closed further down is valid CSV and reads as
    written."""
    with open(path, encoding=layout.encoding, errors="replace", newline="") as handle:
        tail = "".join(itertools.islice(handle, line - 1, None))
    try:
        for _ in csv.reader(io.StringIO(tail), delimiter=layout.delimiter,
                            quotechar=layout.quotechar, strict=True):
            pass
    except csv.Error as error:
        if "unexpected end of data" in str(error):
            swallowed = tail.rstrip("\r\n").count("\n")
            raise UnusableFileError(
                f"Line {line} opens a quote that is never closed: the {swallowed} lines after "
                "it were read as one value. Close or remove that quote, then import again."
            ) from None


def is_footer_label(cell: str) -> bool:
    """True for a cell that names a total line (`Total`, `Sous-total :`, `TOTAUX`, `Sum`)."""
    return bool(_FOOTER_LABEL.match(fold(cell)))


def iter_records(path: Path, layout: FileLayout, chunk_rows: int = 100_000) -> Iterator[RecordChunk]:
    """Yield the records below the header, `chunk_rows` at a time, never the whole file at once.

    Footer rule (conservative, data is never guessed away mid-file without a label):
    - a row whose first non-empty cell is a total label (Total/Totaux/Sous-total/Grand total/
      Sum/Somme, alone or with a short qualifier such as général/TTC/des ventes and/or an
      amount) and where at most half of the columns are filled is a footer, wherever it is;
    - rows where at most a quarter of the columns (at least one) are filled, in a file of four
      columns or more, are footers only when nothing but such rows and blank lines follow them
      until the end of the file; if a normal row follows, they were data after all.
    Undecodable bytes (a file mixing encodings after the detection sample) become U+FFFD so
    that validation can point at the line rather than the import crashing.
    """
    # Building a chunk allocates many small lists that the cyclic GC would rescan again and again
    # (measured: about 2x slower); they cannot form cycles, so the GC pauses while a chunk is
    # built, and runs normally whenever the caller holds control.
    collector_was_on = _pause_gc()
    try:
        yield from _read(path, layout, chunk_rows, collector_was_on)
    finally:
        _resume_gc(collector_was_on)


def _pause_gc() -> bool:
    was_on = gc.isenabled()
    gc.disable()
    return was_on


def _resume_gc(was_on: bool) -> None:
    if was_on:
        gc.enable()


def _read(
    path: Path, layout: FileLayout, chunk_rows: int, collector_was_on: bool
) -> Iterator[RecordChunk]:
    width = len(layout.headers)
    sparse_limit = max(1, width // 4) if width >= 4 else 0
    label_limit = max(2, width // 2)
    chunk = RecordChunk()
    pending: list[tuple[int, list[str]]] = []  # sparse rows waiting to learn if they end the file
    pending_blanks: list[SkippedLine] = []
    with open(path, encoding=layout.encoding, errors="replace", newline="") as handle:
        for _ in range(layout.header_row):
            handle.readline(MAX_LINE_CHARS)
        reader = csv.reader(_bounded_lines(handle, layout.header_row + 1),
                            delimiter=layout.delimiter, quotechar=layout.quotechar)
        try:
            next(reader, None)  # the header record
        except csv.Error as error:
            raise _csv_sentence(error, layout.header_row + 1) from None
        offset = layout.header_row + 1
        consumed = reader.line_num
        last_line, last_spans_lines = 0, False
        for cells in _records_or_sentence(reader, layout.header_row):
            line = offset + consumed
            last_line, last_spans_lines = line, reader.line_num - consumed > 1
            consumed = reader.line_num
            filled = len(cells) - cells.count("")
            if filled <= label_limit:  # rare: only sparse rows pay for the closer look
                texts = [cell for cell in cells if cell.strip()]
                if not texts:
                    skipped_blank = SkippedLine(line, "blank")
                    (pending_blanks if pending else chunk.skipped).append(skipped_blank)
                    continue
                if is_footer_label(texts[0]):
                    chunk.skipped.append(SkippedLine(line, "footer"))
                    continue
                if len(texts) <= sparse_limit:
                    pending.append((line, cells))
                    continue
            if pending:
                for pending_line, pending_cells in pending:
                    _append(chunk, pending_line, pending_cells, width)
                pending.clear()
                chunk.skipped.extend(pending_blanks)
                pending_blanks.clear()
            # inlined padding: this is the per-row hot path
            if len(cells) < width:
                cells.extend([""] * (width - len(cells)))
            elif len(cells) > width:
                while len(cells) > width and not cells[-1]:
                    cells.pop()
            chunk.lines.append(line)
            chunk.rows.append(cells)
            if len(chunk.rows) >= chunk_rows:
                _resume_gc(collector_was_on)
                yield chunk
                _pause_gc()
                chunk = RecordChunk()
    if last_spans_lines:
        refuse_unclosed_quote(path, layout, last_line)
    chunk.skipped.extend(SkippedLine(line, "footer") for line, _ in pending)
    chunk.skipped.extend(pending_blanks)
    chunk.skipped.sort(key=lambda skipped: skipped.line)
    _resume_gc(collector_was_on)
    if chunk.rows or chunk.skipped:
        yield chunk



def _append(chunk: RecordChunk, line: int, cells: list[str], width: int) -> None:
    """Pad a row to the header width; drop only empty cells beyond it (off the hot path)."""
    if len(cells) < width:
        cells.extend([""] * (width - len(cells)))
    while len(cells) > width and not cells[-1]:
        cells.pop()
    chunk.lines.append(line)
    chunk.rows.append(cells)


# What one physical line and one value may hold. Python's csv module refuses a value beyond its
# field limit (131,072 characters); a line is read at most this long, so a file with no line
# break (a 1 GB "record") costs a megabyte or two before it is refused, never its size.
MAX_LINE_CHARS = 1 << 20
MAX_FIELD_CHARS = csv.field_size_limit()


def _bounded_lines(handle: Any, first_line: int) -> Iterator[str]:
    """The file's physical lines, refusing one longer than MAX_LINE_CHARS in one sentence."""
    line_number = first_line
    while True:
        line = handle.readline(MAX_LINE_CHARS + 1)
        if not line:
            return
        if len(line) > MAX_LINE_CHARS and not line.endswith(("\n", "\r")):
            raise UnusableFileError(
                f"Line {line_number} is longer than {MAX_LINE_CHARS:,} characters: this is not a "
                "ticketing export (or its line breaks are missing)."
            )
        line_number += 1
        yield line


def _records_or_sentence(reader: Any, header_row: int) -> Iterator[list[str]]:
    """The reader's records; a parser error (a value beyond the field limit) becomes one
    sentence naming the line."""
    try:
        yield from reader
    except csv.Error as error:
        raise _csv_sentence(error, header_row + 1 + reader.line_num) from None


def _csv_sentence(error: csv.Error, line: int) -> UnusableFileError:
    if "field larger than field limit" in str(error):
        return UnusableFileError(
            f"A value around line {line} is longer than {MAX_FIELD_CHARS:,} characters: a quote "
            "opened and never closed, or not a ticketing export."
        )
    return UnusableFileError(f"The file cannot be read as CSV around line {line}: {error}.")
