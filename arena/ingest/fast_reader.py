"""The fast path of record streaming: Apache Arrow's multi-threaded CSV parser, straight into
columns, for the regular files that make up nearly every large export.

It gives the same records, line numbers and skipped lines as `reader.iter_records`, which stays
the reference and the fallback: any irregular record (fewer or more cells than headers) raises
`FastPathUnavailable` and the caller starts again with the row-by-row reader.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from arena.ingest.parsers import string_bytes
from arena.ingest.reader import RecordChunk, is_footer_label, refuse_unclosed_quote
from arena.ingest.sniff import FileLayout, SkippedLine

FAST_ENCODINGS = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "cp1252": "cp1252", "latin-1": "latin-1"}
# Small blocks: Arrow reads ahead and transcodes several blocks at once; peak memory grows with
# the block size while throughput barely changes (measured: 8 MiB ≈ +280 MB, 2 MiB ≈ +150 MB).
_BLOCK_BYTES = 2 << 20
# Values are held to the csv module's field limit on both paths (bytes here: never fewer than
# characters, so nothing the row reader accepts is refused).
_FIELD_LIMIT = csv.field_size_limit()


class FastPathUnavailable(Exception):
    """The file has a record the columnar parser cannot place; use the row-by-row reader."""


def _is_decoding_error(error: Exception) -> bool:
    """Arrow's complaint about bytes the chosen encoding cannot decode (not any other error).

    With utf-8 Arrow validates strings itself ("invalid UTF8 data"); with cp1252 or latin-1 it
    transcodes through Python's codec, which raises UnicodeDecodeError.
    """
    if isinstance(error, UnicodeDecodeError):
        return True
    if isinstance(error, pa.ArrowInvalid):
        message = str(error).lower()
        return "utf8" in message or "utf-8" in message or "decode" in message
    return False


def _fallback(error: Exception) -> FastPathUnavailable:
    if _is_decoding_error(error):
        return FastPathUnavailable(f"undecodable bytes, the row reader replaces them: {error}")
    return FastPathUnavailable(f"Arrow cannot read the file, the row reader says why: {error}")


def fast_path_supported(layout: FileLayout) -> bool:
    return (
        layout.encoding in FAST_ENCODINGS
        and len(layout.delimiter) == 1
        and layout.quotechar == '"'
        and len(layout.headers) >= 2
    )


def iter_record_columns(
    path: Path, layout: FileLayout, chunk_rows: int = 100_000
) -> Iterator[RecordChunk]:
    """Stream records as columns (chunk.columns), raising FastPathUnavailable when irregular."""
    if not fast_path_supported(layout):
        raise FastPathUnavailable(f"encoding {layout.encoding} or dialect not supported")
    width = len(layout.headers)
    names = [f"c{i}" for i in range(width)]
    irregular: list[str] = []

    def on_invalid_row(row: pacsv.InvalidRow) -> str:
        irregular.append(row.text)
        return "skip"

    try:
        reader = _open(path, layout, names, on_invalid_row)
    except (pa.ArrowInvalid, UnicodeDecodeError) as error:
        # Arrow decodes the first block while opening: bytes the encoding cannot decode (a file
        # mixing encodings past the detection sample) go to the row reader, which turns them
        # into U+FFFD instead of failing the import. Any other complaint (a record longer than
        # a block) goes there too: the row reader names the line and the limit in one sentence.
        raise _fallback(error) from error
    yield from _records(path, reader, layout, width, irregular, chunk_rows)


def _batches(reader: pacsv.CSVStreamingReader) -> Iterator[pa.RecordBatch]:
    """The reader's batches; a decoding error in a later block becomes FastPathUnavailable."""
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            return
        except (pa.ArrowInvalid, UnicodeDecodeError) as error:
            raise _fallback(error) from error
        yield batch


def _open(
    path: Path,
    layout: FileLayout,
    names: list[str],
    on_invalid_row: Callable[[pacsv.InvalidRow], str],
) -> pacsv.CSVStreamingReader:
    return pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(
            encoding=FAST_ENCODINGS[layout.encoding],
            skip_rows=layout.header_row + 1,
            column_names=names,
            block_size=_BLOCK_BYTES,
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=layout.delimiter,
            quote_char=layout.quotechar,
            newlines_in_values=True,
            ignore_empty_lines=False,
            invalid_row_handler=on_invalid_row,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
        ),
    )


def _records(
    path: Path,
    reader: pacsv.CSVStreamingReader,
    layout: FileLayout,
    width: int,
    irregular: list[str],
    chunk_rows: int,
) -> Iterator[RecordChunk]:
    next_line = layout.header_row + 2  # 1-based physical line of the first record
    label_limit = max(2, width // 2)
    sparse_limit = max(1, width // 4) if width >= 4 else 0
    pending: list[tuple[int, list[str]]] = []  # sparse rows: a footer if nothing follows
    buffered: list[RecordChunk] = []
    buffered_rows = 0
    last_line, last_spans_lines = 0, False  # the last record, if it spans several lines
    for batch in _batches(reader):
        if irregular:
            raise FastPathUnavailable(f"irregular record: {irregular[0][:80]!r}")
        if batch.num_rows == 0:
            continue
        columns = [batch.column(i) for i in range(width)]
        newlines = np.zeros(batch.num_rows, dtype=np.int64)
        filled = np.zeros(batch.num_rows, dtype=np.int64)
        for column in columns:
            offsets, data = string_bytes(column)
            sizes = np.diff(offsets)
            if len(sizes) and sizes.max() > _FIELD_LIMIT:
                # The row reader holds values to the csv module's limit and names the line.
                raise FastPathUnavailable("a value longer than the field limit")
            filled += sizes != 0
            if np.count_nonzero(data[offsets[0]:offsets[-1]] == 0x0A):  # rare: quoted newlines
                newlines += pc.count_substring(column, "\n").to_numpy(zero_copy_only=False)
        lines = next_line + np.concatenate(([0], np.cumsum(newlines + 1)[:-1]))
        last_line, last_spans_lines = int(lines[-1]), bool(newlines[-1])
        next_line = int(lines[-1] + newlines[-1] + 1)
        keep = np.ones(batch.num_rows, dtype=bool)
        skipped: list[SkippedLine] = []
        for position in np.flatnonzero(filled <= label_limit):
            cells = [columns[i][int(position)].as_py() for i in range(width)]
            texts = [cell for cell in cells if cell.strip()]
            line = int(lines[position])
            if not texts:
                skipped.append(SkippedLine(line, "blank"))
                keep[position] = False
            elif is_footer_label(texts[0]):
                skipped.append(SkippedLine(line, "footer"))
                keep[position] = False
            elif len(texts) <= sparse_limit:
                pending.append((line, cells))
                keep[position] = False
        kept = np.flatnonzero(keep)
        if pending and len(kept) and pending[0][0] < int(lines[kept[-1]]):
            # A sparse row followed by data is data: the row-by-row reader places it.
            raise FastPathUnavailable("sparse record inside the data")
        chunk = RecordChunk(skipped=skipped)
        every_row = len(kept) == batch.num_rows
        chunk.columns = [
            pd.Series(pd.array(column if every_row else column.take(pa.array(kept)),
                               dtype=pd.StringDtype("pyarrow")))
            for column in columns
        ]
        chunk.lines = lines[kept].tolist()
        buffered.append(chunk)
        buffered_rows += len(chunk.lines)
        if buffered_rows >= chunk_rows:
            merged = RecordChunk.concat(buffered)
            buffered, buffered_rows = [], 0
            for piece in merged.split(chunk_rows):
                if len(piece) == chunk_rows or piece.skipped:
                    yield piece
                else:  # a short tail waits for the next block
                    buffered, buffered_rows = [piece], len(piece)
    if irregular:
        raise FastPathUnavailable(f"irregular record: {irregular[0][:80]!r}")
    if last_spans_lines:
        refuse_unclosed_quote(path, layout, last_line)
    tail = RecordChunk(skipped=[SkippedLine(line, "footer") for line, _ in pending])
    tail.columns = None
    merged = RecordChunk.concat([*buffered, tail])
    merged.skipped.sort(key=lambda s: s.line)
    if merged.lines or merged.skipped:
        yield from merged.split(chunk_rows)
