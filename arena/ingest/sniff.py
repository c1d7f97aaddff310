"""Detection of an export's layout: encoding, CSV dialect, header row and the lines above it."""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from arena.errors import ArenaUserError
from arena.ingest.shapes import EMAIL, looks_like_value

# Encodings are decided from the first MiB: enough to meet the accented names of a French
# export, small enough to stay instant on a 1 GB file.
ENCODING_SAMPLE_BYTES = 1 << 20
# The stdlib sniffer fails on small samples; dialect and header are read from this many chars.
DIALECT_SAMPLE_CHARS = 256 * 1024
# The widest export known (pretix's order positions, all questions answered) has about a
# hundred columns; ten times that is refused before anything reads the records, so a hostile
# header (a million columns) costs a sample, not minutes and a mapping editor nobody can use.
MAX_COLUMNS = 1_000
DELIMITERS: tuple[str, ...] = (";", ",", "\t", "|")
# A header sits within the first lines; a title block longer than this is not a title block.
MAX_HEADER_SEARCH_RECORDS = 50
# Bytes that cp1252 leaves undefined: their presence means the file is not cp1252.
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")
# Everything but 0x80-0x9F, for bytes.translate(None, ...) to keep only those bytes (C speed).
_NOT_HIGH_CONTROL = bytes(byte for byte in range(256) if not 0x80 <= byte <= 0x9F)
# The rest of a file is scanned in blocks of this size (never loaded whole).
_SCAN_BLOCK_BYTES = 4 << 20
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a zip archive or an Excel .xlsx workbook (save it as CSV first)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook (save it as CSV first)"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x1f\x8b", "a gzip archive"),
)


@dataclass(frozen=True)
class SkippedLine:
    """A physical line that is not data; `line` is 1-based, `kind` is title, blank or footer."""

    line: int
    kind: str


@dataclass(frozen=True)
class FileLayout:
    """Everything needed to read the records of one file; every value may be user-overridden."""

    encoding: str
    delimiter: str
    quotechar: str
    header_row: int
    headers: list[str]
    skipped_lines: list[SkippedLine] = field(default_factory=list)


class UnusableFileError(ArenaUserError, ValueError):
    """The file cannot be read as a table; the message is one sentence a user can act on."""


def detect_layout(
    data: bytes | Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    header_row: int | None = None,
) -> FileLayout:
    """Detect how to read an export; any argument given by the user wins over detection."""
    sample, truncated = _read_sample(data)
    _reject_unusable_bytes(sample)
    chosen_encoding = encoding or detect_encoding(sample, truncated=truncated)
    if encoding is None and chosen_encoding == "latin-1" and truncated:
        chosen_encoding = _latin1_or_late_cp1252(data, sample)
    text = _decode_sample(sample, chosen_encoding)[:DIALECT_SAMPLE_CHARS]
    truncated = truncated or len(text) == DIALECT_SAMPLE_CHARS
    if not text.strip():
        raise UnusableFileError("The file is empty: it contains no text.")
    if _control_character_share(text) > 0.05:
        raise UnusableFileError(
            "The file looks binary, not like a CSV or text export (check the encoding or the file)."
        )
    chosen_delimiter = delimiter or detect_delimiter(text, truncated=truncated)
    quotechar = detect_quotechar(text, chosen_delimiter)
    records = _parse_records(text, chosen_delimiter, quotechar, truncated=truncated)
    header_index = _find_header(records, header_row)
    header_line, header_cells = records[header_index]
    if len(header_cells) > MAX_COLUMNS:
        raise UnusableFileError(
            f"The header has {len(header_cells):,} columns; Arena reads exports of at most "
            f"{MAX_COLUMNS:,} columns (is the delimiter right?)."
        )
    skipped = [
        SkippedLine(line + 1, "blank" if not any(cell.strip() for cell in cells) else "title")
        for line, cells in records[:header_index]
    ]
    return FileLayout(
        encoding=chosen_encoding,
        delimiter=chosen_delimiter,
        quotechar=quotechar,
        header_row=header_line,
        headers=clean_headers(header_cells),
        skipped_lines=skipped,
    )


def detect_encoding(sample: bytes, *, truncated: bool = False) -> str:
    """Pick among the encodings ticketing exports really use, by rule rather than by guess.

    A free detector picks cp1250 or mac-roman on short French files (è becomes č), so the
    candidates are fixed: a BOM decides; bytes that decode as UTF-8 are UTF-8; otherwise
    cp1252 when bytes 0x80-0x9F appear (they are € ’ œ … there) and latin-1 when they cannot be
    cp1252 or when none appear. Only the sample is seen here: `detect_layout` scans the rest of
    a longer file when this says latin-1, since a late € or œ makes it cp1252.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    bomless_utf16 = _bomless_utf16(sample)
    if bomless_utf16:
        return bomless_utf16
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=not truncated)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    high_control_bytes = {byte for byte in set(sample) if 0x80 <= byte <= 0x9F}
    if high_control_bytes and not high_control_bytes & _CP1252_UNDEFINED:
        return "cp1252"
    return "latin-1"


def _latin1_or_late_cp1252(data: bytes | Path, sample: bytes) -> str:
    """`cp1252` when the bytes after the sample show € ’ œ … (0x80-0x9F) that the sample lacked.

    The sample said latin-1 because it had no byte 0x80-0x9F; a cp1252 export whose first € or
    œ comes later would otherwise show U+0080/U+009C there. The rest of the file is scanned in
    blocks; any byte cp1252 leaves undefined (in the sample or after) keeps latin-1.
    """
    if _high_control_bytes(sample):
        return "latin-1"  # the sample had bytes cp1252 cannot decode
    found: set[int] = set()
    for block in _blocks_after_sample(data):
        found |= _high_control_bytes(block)
        if found & _CP1252_UNDEFINED:
            return "latin-1"
    return "cp1252" if found else "latin-1"


def _high_control_bytes(chunk: bytes) -> set[int]:
    return set(chunk.translate(None, _NOT_HIGH_CONTROL))


def _blocks_after_sample(data: bytes | Path) -> Iterator[bytes]:
    if isinstance(data, bytes | bytearray):
        for start in range(ENCODING_SAMPLE_BYTES, len(data), _SCAN_BLOCK_BYTES):
            yield bytes(data[start:start + _SCAN_BLOCK_BYTES])
        return
    with Path(data).open("rb") as handle:
        handle.seek(ENCODING_SAMPLE_BYTES)
        while block := handle.read(_SCAN_BLOCK_BYTES):
            yield block


def detect_delimiter(text: str, *, truncated: bool = False) -> str:
    """The candidate delimiter that splits most records into the same number (>1) of cells."""
    scores = {
        candidate: _delimiter_score(text, candidate, truncated=truncated)
        for candidate in DELIMITERS if candidate in text
    }
    if scores.get(",", 0) > 0 and any(scores[c] > 0 for c in scores if c != ","):
        # French exports write decimal commas (`12,50`): in a `;` file whose rows are ragged
        # (trailing empty cells left out), splitting on those commas can look more regular
        # than the real delimiter. Commas between digits count against "," as a delimiter.
        scores[","] *= 1.0 - _decimal_comma_share(text)
    best, best_score = DELIMITERS[0], -1.0
    for candidate, score in scores.items():
        if score > best_score + 1e-9:
            best, best_score = candidate, score
    if best_score <= 0:
        raise UnusableFileError(
            "No column separator found: the file is not a table separated by ; , tab or |."
        )
    return best


def detect_quotechar(text: str, delimiter: str) -> str:
    """`"` unless single quotes clearly wrap whole fields (some old exporters do that)."""
    counts = {}
    for quote in ('"', "'"):
        escaped_delimiter, escaped_quote = re.escape(delimiter), re.escape(quote)
        pattern = re.compile(
            rf"(^|{escaped_delimiter}){escaped_quote}|{escaped_quote}({escaped_delimiter}|$)",
            re.MULTILINE,
        )
        counts[quote] = len(pattern.findall(text))
    return "'" if counts["'"] > 2 * counts['"'] + 4 else '"'


def clean_headers(cells: list[str]) -> list[str]:
    """Strip headers, drop trailing empty ones, name blank ones and make duplicates unique.

    Blank headers become `Column N` (N is the 1-based column position) and repeated ones get
    ` (2)`, ` (3)`… so that every column can be named in a mapping file.
    """
    headers = [cell.strip() for cell in cells]
    while headers and not headers[-1]:
        headers.pop()
    seen: Counter[str] = Counter()
    unique: list[str] = []
    taken = {header.casefold() for header in headers if header}
    for position, header in enumerate(headers, start=1):
        name = header or f"Column {position}"
        seen[name.casefold()] += 1
        if seen[name.casefold()] > 1 or (not header and name.casefold() in taken):
            suffix = seen[name.casefold()]
            while f"{name} ({suffix})".casefold() in taken:
                suffix += 1
            name = f"{name} ({suffix})"
        taken.add(name.casefold())
        unique.append(name)
    return unique


def _read_sample(data: bytes | Path) -> tuple[bytes, bool]:
    if isinstance(data, bytes | bytearray):
        return bytes(data[:ENCODING_SAMPLE_BYTES]), len(data) > ENCODING_SAMPLE_BYTES
    path = Path(data)
    if not path.is_file():
        raise UnusableFileError(f"No file at {path}.")
    with path.open("rb") as handle:
        sample = handle.read(ENCODING_SAMPLE_BYTES + 1)
    return sample[:ENCODING_SAMPLE_BYTES], len(sample) > ENCODING_SAMPLE_BYTES


def _reject_unusable_bytes(sample: bytes) -> None:
    if not sample.strip(b" \t\r\n\x00") or sample in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE,
                                                      codecs.BOM_UTF16_BE):
        raise UnusableFileError("The file is empty: it contains no text.")
    for magic, description in _BINARY_MAGIC:
        if sample.startswith(magic):
            raise UnusableFileError(f"The file is {description}, not a CSV export.")
    has_utf16_shape = sample.startswith(
        (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    ) or _bomless_utf16(sample)
    if b"\x00" in sample and not has_utf16_shape:
        raise UnusableFileError("The file looks binary, not like a CSV or text export.")


def _bomless_utf16(sample: bytes) -> str | None:
    """UTF-16 without BOM shows as a NUL byte beside nearly every ASCII character."""
    head = sample[:4096]
    if len(head) < 8:
        return None
    even_nuls = head[0::2].count(0) / len(head[0::2])
    odd_nuls = head[1::2].count(0) / len(head[1::2])
    if odd_nuls > 0.4 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.4 and odd_nuls < 0.05:
        return "utf-16-be"
    return None


def _decode_sample(sample: bytes, encoding: str) -> str:
    try:
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    except LookupError as error:
        raise UnusableFileError(f"Unknown encoding {encoding!r}.") from error
    return decoder.decode(sample, final=False)


def _control_character_share(text: str) -> float:
    window = text[:20_000]
    controls = sum(1 for char in window if ord(char) < 32 and char not in "\t\r\n\f")
    return controls / max(len(window), 1)


def _parse_records(
    text: str, delimiter: str, quotechar: str, *, truncated: bool
) -> list[tuple[int, list[str]]]:
    """Records with the 0-based physical line where each starts (quoted newlines span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quotechar)
    records: list[tuple[int, list[str]]] = []
    consumed = 0
    try:
        for cells in reader:
            records.append((consumed, cells))
            consumed = reader.line_num
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise UnusableFileError(
                f"A value near line {reader.line_num} is longer than "
                f"{csv.field_size_limit():,} characters: a quote opened and never closed, a "
                "missing line break, or not a ticketing export."
            ) from None
        raise UnusableFileError(f"The file cannot be read as CSV: {error}.") from error
    if truncated and len(records) > 1:
        records.pop()  # the sample cut the last record in two
    return records


def _delimiter_score(text: str, delimiter: str, *, truncated: bool) -> float:
    """Consistency of cell counts, rewarded by width: a real delimiter splits every row alike."""
    records = _parse_records(text, delimiter, '"', truncated=truncated)
    widths = [len(cells) for _, cells in records if any(cell.strip() for cell in cells)]
    if not widths:
        return 0.0
    counts = Counter(widths)
    width, occurrences = max(counts.items(), key=lambda item: (item[1], item[0]))
    if width < 2:
        return 0.0
    consistency = occurrences / len(widths)
    # Rows wider than the typical width are worse than narrower ones (footers, titles).
    overflow = sum(count for found, count in counts.items() if found > width) / len(widths)
    return (consistency - overflow) ** 2 * math.log2(1 + width)


_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")


def _decimal_comma_share(text: str) -> float:
    """Share of the sample's commas that sit between two digits, when that is most of them
    (a comma-separated file with a few adjacent numeric cells keeps its full score)."""
    commas = text.count(",")
    share = len(_DECIMAL_COMMA.findall(text)) / commas if commas else 0.0
    return share if share >= 0.8 else 0.0


def _find_header(records: list[tuple[int, list[str]]], header_row: int | None) -> int:
    """Index (in records) of the header record; title and blank records come before it."""
    if header_row is not None:
        for index, (line, _) in enumerate(records):
            if line == header_row:
                if not any(cell.strip() for cell in records[index][1]):
                    raise UnusableFileError(f"Line {header_row + 1} is blank, not a header row.")
                return index
        raise UnusableFileError(
            f"Line {header_row + 1} does not start a row of the file, so it cannot be the header."
        )
    filled = [sum(1 for cell in cells if cell.strip()) for _, cells in records]
    wide = [count for count in filled if count >= 2]
    typical = Counter(wide).most_common(1)[0][0] if wide else 1
    needed = max(2 if typical >= 2 else 1, math.ceil(0.5 * typical))
    for index, (_, cells) in enumerate(records[:MAX_HEADER_SEARCH_RECORDS]):
        if filled[index] >= needed and _looks_like_header(cells):
            return index
    raise UnusableFileError(
        "No header row found: the first lines hold data, not column names "
        "(add a header line or give the header row)."
    )


def _looks_like_header(cells: list[str]) -> bool:
    labels = [cell.strip() for cell in cells if cell.strip()]
    if any(EMAIL.match(label) for label in labels):
        return False
    value_like = sum(1 for label in labels if looks_like_value(label))
    return value_like <= 0.25 * len(labels)
