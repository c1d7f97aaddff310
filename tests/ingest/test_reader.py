"""Streaming records: padding, multiline fields, blank and footer lines, and round-trips."""

from __future__ import annotations

import csv
import io
import random
import string
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arena.ingest.reader import iter_records
from arena.ingest.sniff import SkippedLine, detect_layout

CORPUS = Path(__file__).parent / "corpus"


def read_all(path: Path, chunk_rows: int = 100_000, **overrides: str) -> tuple[list, list, list]:
    layout = detect_layout(path, **overrides)
    lines, rows, skipped = [], [], []
    for chunk in iter_records(path, layout, chunk_rows=chunk_rows):
        assert len(chunk.lines) == len(chunk.rows)
        lines += chunk.lines
        rows += chunk.rows
        skipped += chunk.skipped
    return lines, rows, skipped


def test_footer_total_and_blank_line_are_not_data() -> None:
    lines, rows, skipped = read_all(CORPUS / "cp1252_semicolon_title_footer.csv")
    assert len(rows) == 40
    assert lines[0] == 5 and lines[-1] == 44
    assert skipped == [SkippedLine(45, "blank"), SkippedLine(46, "footer")]
    assert all(len(row) == 11 for row in rows)
    assert rows[0][1] == "Les Misérables à l’Opéra" and rows[0][5].endswith("€")


def test_multiline_quoted_fields_keep_their_newline_and_doubled_quotes() -> None:
    lines, rows, _ = read_all(CORPUS / "multiline_quoted.csv")
    assert rows[0][2] == 'Fauteuil roulant\nAccès "PMR" côté jardin'
    # record 0 spans lines 2-3, so the next record starts on line 4
    assert lines[:3] == [2, 4, 5]
    assert len(rows) == 20


def test_utf16_excel_unicode_text_reads_accents_and_euro() -> None:
    _, rows, _ = read_all(CORPUS / "utf16_tab_excel.txt")
    assert len(rows) == 25 and rows[0][5].endswith(" €")


def test_short_rows_are_padded_and_extra_cells_kept_only_when_not_empty(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("a;b;c\n1\n1;2;3;;\n1;2;3;4\n", encoding="utf-8")
    _, rows, _ = read_all(path, delimiter=";")
    assert rows == [["1", "", ""], ["1", "2", "3"], ["1", "2", "3", "4"]]


def test_rows_are_streamed_in_chunks_with_the_right_line_numbers() -> None:
    layout = detect_layout(CORPUS / "njuko_like.csv")
    chunks = list(iter_records(CORPUS / "njuko_like.csv", layout, chunk_rows=7))
    assert [len(chunk.rows) for chunk in chunks] == [7, 7, 7, 7, 2]
    assert [line for chunk in chunks for line in chunk.lines] == list(range(2, 32))


def test_sparse_rows_in_the_middle_are_data_but_at_the_end_are_footers(tmp_path: Path) -> None:
    path = tmp_path / "sparse.csv"
    body = ["Nom;Prénom;Prix;Ville;Email"] + [f"N{i};P{i};{i},00;Lyon;n{i}@x.org" for i in range(6)]
    body.insert(3, "Oubli;;;;")  # a real, badly filled record mid-file
    path.write_text("\n".join(body + ["", ";;1234,00;;", "Export terminé;;;;"]) + "\n")
    lines, rows, skipped = read_all(path)
    assert ["Oubli", "", "", "", ""] in rows and len(rows) == 7
    assert skipped == [SkippedLine(9, "blank"), SkippedLine(10, "footer"), SkippedLine(11, "footer")]


def test_a_total_label_marks_a_footer_but_a_full_row_starting_with_total_is_data(
    tmp_path: Path,
) -> None:
    path = tmp_path / "totals.csv"
    path.write_text(
        "Client;Prix;Ville;Email\nTotal Energies;12,00;Paris;t@x.org\n"
        "Sous-total :;12,00;;\nDupont;8,00;Lyon;d@x.org\nTOTAUX;20,00;;\n"
    )
    _, rows, skipped = read_all(path)
    assert [row[0] for row in rows] == ["Total Energies", "Dupont"]
    assert skipped == [SkippedLine(3, "footer"), SkippedLine(5, "footer")]


ENCODINGS = {
    "utf-8": st.characters(blacklist_categories=("Cs", "Cc")),
    "utf-8-sig": st.characters(blacklist_categories=("Cs", "Cc")),
    "utf-16": st.characters(blacklist_categories=("Cs", "Cc")),
    "cp1252": st.sampled_from(string.ascii_letters + string.digits + " ;,|\t\"'\n-.éèàçœ’€ÉÀ"),
    "latin-1": st.sampled_from(string.ascii_letters + string.digits + " ;,|\t\"'\n-.éèàçÉÀñÿ"),
}


def write_table(path: Path, table: list[list[str]], delimiter: str, encoding: str) -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(table)
    path.write_bytes(buffer.getvalue().encode(encoding))


@st.composite
def tables(draw: st.DrawFn) -> tuple[str, str, list[list[str]]]:
    encoding = draw(st.sampled_from(sorted(ENCODINGS)))
    delimiter = draw(st.sampled_from([";", ",", "\t", "|"]))
    width = draw(st.integers(2, 5))
    cell = st.text(ENCODINGS[encoding], min_size=1, max_size=12).filter(
        lambda text: text.strip() and not text.lower().lstrip().startswith(("total", "sum", "sous"))
    )
    rows = draw(st.lists(st.lists(cell, min_size=width, max_size=width), min_size=1, max_size=15))
    headers = [f"Colonne é{index}" for index in range(width)]
    return encoding, delimiter, [headers, *rows]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=tables())
def test_any_table_round_trips_when_the_delimiter_is_given(
    tmp_path: Path, case: tuple[str, str, list[list[str]]]
) -> None:
    encoding, delimiter, table = case
    path = tmp_path / "table.csv"
    write_table(path, table, delimiter, encoding)
    layout = detect_layout(path, encoding=encoding, delimiter=delimiter)
    assert layout.headers == table[0]
    rows = [row for chunk in iter_records(path, layout, chunk_rows=4) for row in chunk.rows]
    assert rows == table[1:]


WORDS = ["Dupré", "Lefèvre", "48,00 €", "12.50", "Lyon", "Zoé", "a@b.fr",
                         "Rang B", "Le Cid, acte I", "14/03/2015 20:30", "N°5", "œuvre"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    delimiter=st.sampled_from([";", ",", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
    width=st.integers(3, 8),
    rows=st.integers(20, 60),
    seed=st.randoms(use_true_random=False),
)
def test_detection_finds_the_delimiter_on_reasonably_sized_files(
    tmp_path: Path, delimiter: str, encoding: str, width: int, rows: int, seed: random.Random
) -> None:
    table = [[f"Colonne {index}" for index in range(width)]]
    table += [[seed.choice(WORDS) for _ in range(width)]
              for _ in range(rows)]
    path = tmp_path / "table.csv"
    write_table(path, table, delimiter, encoding)
    layout = detect_layout(path)
    assert layout.delimiter == delimiter
    # cp1252 text without € ’ œ … is byte-identical to latin-1: only the decoded text matters
    assert path.read_bytes().decode(layout.encoding) == path.read_bytes().decode(encoding)
    read = [row for chunk in iter_records(path, layout) for row in chunk.rows]
    assert read == table[1:]
