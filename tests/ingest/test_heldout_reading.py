"""Reading files whose surprises come late (encoding past the detection sample) and events whose
name starts like a total line: every record is read, none crashes the import or is dropped."""

from __future__ import annotations

from pathlib import Path

import pytest

from arena.ingest.fast_reader import FastPathUnavailable, iter_record_columns
from arena.ingest.reader import is_footer_label, iter_records
from arena.ingest.sniff import ENCODING_SAMPLE_BYTES, UnusableFileError, detect_layout
from tests.support.imports import import_file
from tests.support.records import flatten_records

HEADER = "Spectacle;Date;Billet;Prix;Nom;Prénom\n"




def _rows(prefix: str, count: int, name: str = "Concert", price: str = "12,00") -> str:
    return "".join(
        f"{name};10/10/2024 20:00;{prefix}{i:06d};{price};Martin;Paul\n" for i in range(count)
    )


def _rows_past_the_sample(prefix: str) -> str:
    """Rows named Opéra filling more than the detection sample (latin-1/cp1252 bytes)."""
    row_bytes = len(_rows(prefix, 1, name="Opéra").encode("latin-1"))
    return _rows(prefix, ENCODING_SAMPLE_BYTES // row_bytes + 100, name="Opéra")


def _ascii_then_cp1252(path: Path, ascii_bytes: int) -> int:
    """ASCII rows filling `ascii_bytes`, then rows in cp1252; returns the number of records."""
    row_bytes = len(_rows("A", 1).encode())
    ascii_count = ascii_bytes // row_bytes + 1
    body = HEADER.replace("é", "e").encode() + _rows("A", ascii_count).encode("ascii")
    body += _rows("C", 20, name="Opéra de Lyon").encode("cp1252")
    path.write_bytes(body)
    return ascii_count + 20


@pytest.mark.parametrize(
    "ascii_bytes",
    [ENCODING_SAMPLE_BYTES + 200_000, 3 * ENCODING_SAMPLE_BYTES],
    ids=["in-first-arrow-block", "in-a-later-arrow-block"],
)
def test_bytes_past_the_sample_that_utf8_cannot_decode_become_replacement_characters(
    tmp_path: Path, ascii_bytes: int
) -> None:
    path = tmp_path / "ascii_then_cp1252.csv"
    records = _ascii_then_cp1252(path, ascii_bytes)
    layout = detect_layout(path)
    assert layout.encoding == "utf-8"  # the sample is plain ASCII
    with pytest.raises(FastPathUnavailable):
        list(iter_record_columns(path, layout))
    lines, rows, _ = flatten_records(list(iter_records(path, layout)))
    assert len(rows) == records
    assert rows[-1][0] == "Op\ufffdra de Lyon"

    report = import_file(path, None, "club", dry_run=True)
    assert report.rows_read == records
    assert report.rows_read == report.rows_loaded + report.rows_rejected


def test_forcing_utf8_on_a_cp1252_file_reads_it_with_replacement_characters(
    tmp_path: Path,
) -> None:
    path = tmp_path / "weezevent.csv"
    path.write_bytes((HEADER + _rows("W", 3, name="Opéra")).encode("cp1252"))
    layout = detect_layout(path, encoding="utf-8")
    with pytest.raises(FastPathUnavailable):
        list(iter_record_columns(path, layout))
    _, rows, _ = flatten_records(list(iter_records(path, layout)))
    assert [row[0] for row in rows] == ["Op\ufffdra"] * 3

    report = import_file(path, None, "club", encoding="utf-8", dry_run=True)
    assert report.rows_read == 3


def test_errors_other_than_decoding_still_surface_from_the_fast_path(tmp_path: Path) -> None:
    path = tmp_path / "gone.csv"
    path.write_text(HEADER + _rows("G", 2), encoding="utf-8")
    layout = detect_layout(path)
    path.unlink()
    with pytest.raises(FileNotFoundError):
        list(iter_record_columns(path, layout))


def _cp1252_with_late_euro(path: Path) -> int:
    early = _rows_past_the_sample("E")
    late = "Opéra;10/10/2024 20:00;L000001;12,00 €;Cœur;Zoé\n"
    path.write_bytes((HEADER + early + late).encode("cp1252"))
    assert path.stat().st_size > ENCODING_SAMPLE_BYTES + len(late)
    return early.count("\n") + 1


def test_a_cp1252_file_whose_euro_and_oe_come_after_the_sample_is_read_as_cp1252(
    tmp_path: Path,
) -> None:
    path = tmp_path / "late_euro.csv"
    records = _cp1252_with_late_euro(path)
    layout = detect_layout(path)
    assert layout.encoding == "cp1252"
    assert detect_layout(path.read_bytes()).encoding == "cp1252"
    _, rows, _ = flatten_records(list(iter_records(path, layout)))
    assert len(rows) == records
    assert rows[-1][3:5] == ["12,00 €", "Cœur"]
    _, fast_rows, _ = flatten_records(list(iter_record_columns(path, layout)))
    assert fast_rows[-1][3:5] == ["12,00 €", "Cœur"]


def test_a_long_latin1_file_without_cp1252_bytes_stays_latin1(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    rows = _rows_past_the_sample("L")
    path.write_bytes((HEADER + rows + "Opéra;10/10/2024 20:00;L9;12,00;Müller;Zoë\n").encode("latin-1"))
    assert detect_layout(path).encoding == "latin-1"


def test_a_late_byte_cp1252_leaves_undefined_keeps_latin1(tmp_path: Path) -> None:
    path = tmp_path / "latin1_c1.csv"
    rows = _rows_past_the_sample("L")
    late = b"Op\xe9ra;10/10/2024 20:00;L9;12,00 \x80;C\x81ur;Zo\xe9\n"
    path.write_bytes((HEADER + rows).encode("latin-1") + late)
    assert detect_layout(path).encoding == "latin-1"


def test_events_named_like_a_total_are_data_while_total_lines_stay_footers(
    tmp_path: Path,
) -> None:
    path = tmp_path / "sum41.csv"
    path.write_text(
        "Spectacle;Date;Billet;Prix;Nom;Prénom;Email;Téléphone;Code postal;Ville\n"
        "Sum 41 – Tour d’adieu;10/10/2024 20:00;S41-1;45,00;Durand;Léa;lea@example.org;"
        "0612345678;75011;Paris\n"
        "Sum 41 – Tour d’adieu;10/10/2024 20:00;S41-2;45,00;;;;;;\n"
        "Total Recall – ciné-concert;11/10/2024 20:00;TR-1;30,00;;;;;;\n"
        "Somme des étoiles;12/10/2024 20:00;SE-1;20,00;;;;;;\n"
        "Sous-total :;;;140,00;;;;;;\n"
        "Total Recall – ciné-concert;11/10/2024 20:00;TR-2;30,00;Martin;Éric;"
        "eric@example.org;;;\n"
        "Total général TTC;;;170,00 €;;;;;;\n"
        "TOTAL :;;;170,00;;;;;;\n",
        encoding="utf-8",
    )
    layout = detect_layout(path)
    reference = flatten_records(list(iter_records(path, layout, chunk_rows=2)))
    lines, rows, skipped = reference
    assert [row[2] for row in rows] == ["S41-1", "S41-2", "TR-1", "SE-1", "TR-2"]
    assert lines == [2, 3, 4, 5, 7]
    assert skipped == [(6, "footer"), (8, "footer"), (9, "footer")]
    assert flatten_records(list(iter_record_columns(path, layout, chunk_rows=2))) == reference


@pytest.mark.parametrize(
    "label",
    ["Total", "TOTAL :", "Sous-total", "Total général", "Total TTC", "Totaux", "Grand total",
     "Sum", "Somme", "Total des ventes", "Total : 1 234,50 €", "Total 12 billets",
     "Sous-total Tosca"],
)
def test_total_labels_are_footer_labels(label: str) -> None:
    assert is_footer_label(label)


@pytest.mark.parametrize(
    "cell",
    ["Sum 41 – Tour d’adieu", "Total Recall – ciné-concert", "Somme des étoiles",
     "Total Energies", "Summer Festival", "Totalement Rock"],
)
def test_names_that_merely_start_like_a_total_are_not_footer_labels(cell: str) -> None:
    assert not is_footer_label(cell)


RAGGED_SEMICOLONS = (
    "Manifestation;Date;Billet;Prix;Email;Nom;Prénom;Téléphone;Adresse;Code postal;Ville\n"
    "Concert A;12/08/2023 20:30;B1;12,50;a@x.fr;Roux;Ana\n"
    "Concert A;12/08/2023 20:30;B2;15,00;b@x.fr;Vidal;Bob;0611223344\n"
    "Concert A;12/08/2023 20:30;B3;12,50\n"
    "Concert A;12/08/2023 20:30;B4;20,00;c@x.fr;Noir;Léa;0611223345;1 rue A;44000;Nantes\n"
    "Concert A;12/08/2023 20:30;B5;12,50;d@x.fr\n"
    "Concert A;12/08/2023 20:30;B6;12,50;e@x.fr;Blanc\n"
)


def test_a_ragged_semicolon_file_with_decimal_commas_is_split_on_semicolons(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text(RAGGED_SEMICOLONS, encoding="utf-8")
    layout = detect_layout(path)
    assert layout.delimiter == ";"
    assert layout.headers[:4] == ["Manifestation", "Date", "Billet", "Prix"]
    report = import_file(path, None, "club", dry_run=True)
    assert (report.rows_read, report.rows_loaded) == (6, 6)


def test_a_comma_file_with_numeric_neighbours_keeps_its_commas(tmp_path: Path) -> None:
    # Adjacent numeric cells put digits on both sides of some commas; a stray `;` in a text
    # cell must not win either.
    path = tmp_path / "numbers.csv"
    path.write_text(
        "Event,Date,Ticket,Price,Row,Seat,Note\n"
        + "".join(f"Gala,12/08/2023,T{i},25,{i % 9},{i % 30},ok; thanks\n" for i in range(40)),
        encoding="utf-8",
    )
    assert detect_layout(path).delimiter == ","


def _unclosed_quote_file(path: Path, opened_in: str) -> Path:
    """Line 3 opens a quote, in its first or last cell, that is never closed."""
    record = "Gala de clôture;10/10/2024 20:00;B000001;12,00;Roux;Léa\n"
    record = f'"{record}' if opened_in == "first cell" else record.replace("Léa", '"Léa')
    path.write_text(HEADER + _rows("A", 1) + record + _rows("C", 40), encoding="utf-8")
    return path


@pytest.mark.parametrize("opened_in", ["first cell", "last cell"])
def test_a_quote_never_closed_is_refused_with_its_line_not_read_as_a_footer(
    tmp_path: Path, opened_in: str
) -> None:
    path = _unclosed_quote_file(tmp_path / "open_quote.csv", opened_in)
    layout = detect_layout(path)
    message = "Line 3 opens a quote that is never closed: the 40 lines after it"
    with pytest.raises(UnusableFileError, match=message):
        list(iter_records(path, layout))
    try:  # Arrow may give up on the ragged record first; then the row reader decides
        list(iter_record_columns(path, layout))
        raise AssertionError("the fast reader read an open quote as data")
    except FastPathUnavailable:
        assert opened_in == "first cell"
    except UnusableFileError as refusal:
        assert message in str(refusal)
    with pytest.raises(UnusableFileError, match=message):
        import_file(path, None, "club", dry_run=True)


def test_a_quoted_value_over_several_lines_still_reads_as_one_value(tmp_path: Path) -> None:
    path = tmp_path / "multiline.csv"
    path.write_text(
        "Spectacle;Date;Billet;Prix;Adresse;Commentaire\n"
        'Concert;10/10/2024 20:00;B1;12,00;"3 rue Haute\nBâtiment B; 2e étage\n44000 Nantes";ok\n'
        'Concert;10/10/2024 20:00;B2;12,00;1 rue Basse;"Placé; rang A;\nrang B"\n',
        encoding="utf-8",
    )
    layout = detect_layout(path)
    for records in (iter_records(path, layout), iter_record_columns(path, layout)):
        lines, rows, skipped = flatten_records(list(records))
        assert lines == [2, 5]
        assert rows[0][4] == "3 rue Haute\nBâtiment B; 2e étage\n44000 Nantes"
        assert rows[1][5] == "Placé; rang A;\nrang B"
        assert skipped == []
