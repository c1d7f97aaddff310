"""Layout detection on the messy corpus: encodings, separators, title blocks and unusable files."""

from __future__ import annotations

from pathlib import Path

import pytest

from arena.ingest.sniff import SkippedLine, UnusableFileError, detect_encoding, detect_layout

CORPUS = Path(__file__).parent / "corpus"
FRENCH = "Hélène à l’Opéra : cœur, fenêtre, 12 €, Noël, garçon"


@pytest.mark.parametrize(
    ("name", "encoding", "delimiter"),
    [
        ("cp1252_semicolon_title_footer.csv", "cp1252", ";"),
        ("utf8_bom_comma.csv", "utf-8-sig", ","),
        ("utf16_tab_excel.txt", "utf-16", "\t"),
        ("latin1_semicolon.csv", "latin-1", ";"),
        ("pipe_delimited.csv", "utf-8", "|"),
        ("multiline_quoted.csv", "utf-8", ","),
        ("njuko_like.csv", "cp1252", ";"),
        ("eventbrite_like.csv", "utf-8", ","),
        ("pretix_like.csv", "utf-8", ","),
    ],
)
def test_each_corpus_file_is_detected_with_its_encoding_and_separator(
    name: str, encoding: str, delimiter: str
) -> None:
    layout = detect_layout(CORPUS / name)
    assert (layout.encoding, layout.delimiter, layout.quotechar) == (encoding, delimiter, '"')


def test_french_accents_come_out_right_from_a_windows_1252_export() -> None:
    layout = detect_layout(CORPUS / "cp1252_semicolon_title_footer.csv")
    assert layout.headers[:3] == ["N° billet", "Spectacle", "Date représentation"]
    assert "Catégorie" in layout.headers and "Prénom" in layout.headers


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_every_supported_encoding_decodes_french_text_exactly(encoding: str) -> None:
    text = f"Spectacle;Prix;Nom\n{FRENCH};48,00 €;Cœur\n" * 3
    layout = detect_layout(text.encode(encoding))
    assert text.encode(encoding).decode(layout.encoding).lstrip("\ufeff") == text
    assert layout.headers == ["Spectacle", "Prix", "Nom"]


def test_a_file_with_euro_and_apostrophe_bytes_is_cp1252_not_a_central_european_codepage() -> None:
    sample = "Nom;Prix\nRivière;12 €\nL’Arène;8 €\n".encode("cp1252")
    assert detect_encoding(sample) == "cp1252"
    assert detect_encoding("Nom;Ville\nRivière;Orléans\n".encode("latin-1")) == "latin-1"


def test_a_file_decodable_as_utf8_is_utf8() -> None:
    assert detect_encoding("Nom;Prénom\nLefèvre;Zoé\n".encode()) == "utf-8"


def test_title_block_and_blank_line_above_the_header_are_skipped_with_their_line_numbers() -> None:
    layout = detect_layout(CORPUS / "cp1252_semicolon_title_footer.csv")
    assert layout.header_row == 3
    assert layout.skipped_lines == [
        SkippedLine(1, "title"), SkippedLine(2, "title"), SkippedLine(3, "blank")
    ]


def test_trailing_empty_header_columns_are_dropped() -> None:
    layout = detect_layout(CORPUS / "trailing_empty_columns.csv")
    assert len(layout.headers) == 11 and layout.headers[-1] == "Ville"


def test_blank_and_duplicate_headers_get_unique_names() -> None:
    layout = detect_layout(b"Nom;;Nom;Prix\nA;b;C;1\nD;e;F;2\n")
    assert layout.headers == ["Nom", "Column 2", "Nom (2)", "Prix"]


def test_a_header_with_a_quoted_newline_still_counts_as_one_row() -> None:
    data = b'"Nom\nde famille",Prix,Ville\nDupont,12.00,Lyon\nMartin,8.00,Paris\n'
    layout = detect_layout(data)
    assert layout.headers == ["Nom\nde famille", "Prix", "Ville"]
    assert layout.header_row == 0


def test_the_user_can_override_encoding_delimiter_and_header_row() -> None:
    data = "Rapport;2015\nNom;Prix;Ville\nDupré;12;Lyon\n".encode("cp1252")
    layout = detect_layout(data, encoding="latin-1", delimiter=";", header_row=1)
    assert (layout.encoding, layout.delimiter, layout.header_row) == ("latin-1", ";", 1)
    assert layout.headers == ["Nom", "Prix", "Ville"]
    assert layout.skipped_lines == [SkippedLine(1, "title")]


def test_a_header_row_inside_a_quoted_field_is_refused() -> None:
    with pytest.raises(UnusableFileError, match="Line 3"):
        detect_layout(b'a,b\n"x\ny",z\n', header_row=2)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.csv", "empty"),
        ("blank_lines_only.csv", "empty"),
        ("workbook.xlsx", "Excel"),
        ("binary.bin", "binary"),
        ("headerless.csv", "No header row"),
    ],
)
def test_unusable_files_fail_with_one_clear_sentence(name: str, message: str) -> None:
    with pytest.raises(UnusableFileError, match=message) as caught:
        detect_layout(CORPUS / name)
    assert str(caught.value).count(". ") == 0 and str(caught.value).endswith(".")
