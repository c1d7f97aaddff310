"""The columnar fast path reads exactly what the row-by-row reader reads, or steps aside."""

from __future__ import annotations

from pathlib import Path

import pytest

from arena.ingest.fast_reader import FastPathUnavailable, iter_record_columns
from arena.ingest.reader import iter_records
from arena.ingest.sniff import UnusableFileError, detect_layout
from tests.integration.messy_files import write_messy_export
from tests.support.records import flatten_records

CORPUS = Path(__file__).resolve().parent / "corpus"
SAMPLES = Path(__file__).resolve().parents[2] / "arena" / "data" / "samples" / "vendors"




def _files() -> list[Path]:
    return sorted(
        [p for p in CORPUS.glob("*") if p.suffix in (".csv", ".txt")]
        + list(SAMPLES.glob("*.csv"))
    )


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_fast_path_matches_the_reference_reader(path: Path) -> None:
    try:
        layout = detect_layout(path)
    except UnusableFileError:
        return
    reference = flatten_records(list(iter_records(path, layout, chunk_rows=3)))
    try:
        fast = flatten_records(list(iter_record_columns(path, layout, chunk_rows=3)))
    except FastPathUnavailable:
        return
    assert fast == reference


def test_fast_path_keeps_line_numbers_across_multiline_values_blanks_and_footers(
    tmp_path: Path,
) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        'Rapport des ventes\n\nEvent;Ticket;Price;Note\n'
        'Gala;T1;10;"two\nlines"\n\nGala;T2;12;ok\nGala;T3;14;"a ""quoted"" word"\n'
        "Total;;36;\n",
        encoding="utf-8",
    )
    layout = detect_layout(path)
    lines, records, skipped = flatten_records(list(iter_record_columns(path, layout)))
    assert lines == [4, 7, 8]
    assert records[0][3] == "two\nlines" and records[2][3] == 'a "quoted" word'
    assert (6, "blank") in skipped and (9, "footer") in skipped
    assert flatten_records(list(iter_records(path, layout))) == (lines, records, skipped)


def test_an_irregular_record_sends_the_file_to_the_reference_reader(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("Event;Ticket;Price\nGala;T1;10\nGala;T2\nGala;T3;14\n", encoding="utf-8")
    layout = detect_layout(path)
    with pytest.raises(FastPathUnavailable):
        list(iter_record_columns(path, layout))
    lines, records, _ = flatten_records(list(iter_records(path, layout)))
    assert lines == [2, 3, 4] and records[1] == ["Gala", "T2", ""]


def test_the_messy_export_reads_the_same_both_ways(tmp_path: Path) -> None:
    path = tmp_path / "messy.csv"
    write_messy_export(path)
    layout = detect_layout(path)
    assert flatten_records(list(iter_record_columns(path, layout, chunk_rows=4))) == flatten_records(
        list(iter_records(path, layout, chunk_rows=4))
    )
