"""What a reader yields, flattened so two readers (or two chunk sizes) can be compared."""

from __future__ import annotations

from arena.ingest.reader import RecordChunk


def flatten_records(
    chunks: list[RecordChunk],
) -> tuple[list[int], list[list[str]], list[tuple[int, str]]]:
    """Line numbers, raw records and skipped lines of a whole read, whatever the chunking."""
    lines: list[int] = []
    records: list[list[str]] = []
    skipped: list[tuple[int, str]] = []
    for chunk in chunks:
        lines.extend(chunk.lines)
        records.extend(chunk.record_at(i) for i in range(len(chunk)))
        skipped.extend((s.line, s.kind) for s in chunk.skipped)
    return lines, records, sorted(skipped)
