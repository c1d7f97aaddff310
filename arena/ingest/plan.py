"""The plan of one import: the facts of a file established once — its layout, its mapping (with
the constants typed for the whole file), its vendor, its source, the organization it goes to,
its row estimate — and passed down as one object. The command line and the Import studio make
it the same way (`read_sample`, `suggest`, `make_plan`); `run_import` executes it and never
detects, suggests or estimates again."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from arena.errors import ArenaUserError
from arena.ingest.catalogue import fold, missing_required
from arena.ingest.mapping import Mapping, MappingSuggestion, header_signature, suggest_mapping
from arena.ingest.reader import RecordChunk, iter_records
from arena.ingest.sniff import FileLayout, detect_layout
from arena.ingest.vendors import detect_vendor
from arena.tenancy import Organization

SAMPLE_ROWS = 200
_CENTS_HEADER = re.compile(r"\b(centimes?|cents|cts)\b")


class TemplateFinder(Protocol):
    """Where mappings saved for a source and header signature are found (the import store)."""

    def find_template(self, organization: Organization, source: str, signature: str
                      ) -> dict | None: ...


@dataclass(frozen=True)
class FileSample:
    """A file's detected (or user-corrected) layout and its first records."""

    path: Path
    layout: FileLayout
    first_rows: RecordChunk


@dataclass(frozen=True)
class ImportPlan:
    """Everything `run_import` needs to know about the file before reading its records."""

    path: Path
    organization: Organization
    source: str
    layout: FileLayout
    mapping: Mapping  # the columns and the constants for the whole file
    vendor: str | None
    expected_rows: int
    prices_in_cents: bool  # the price column's header says so ("Montant (centimes)")

    @property
    def mapping_json(self) -> dict:
        return self.mapping.to_json(self.layout.headers)

    @property
    def signature(self) -> str:
        return header_signature(self.layout.headers)


def read_sample(path: Path, *, encoding: str | None = None, delimiter: str | None = None,
                header_row: int | None = None, rows: int = SAMPLE_ROWS) -> FileSample:
    """Detect the layout (each given value overrides detection) and read the first records."""
    path = Path(path)
    if not path.exists():
        raise ArenaUserError(f"The file {path} does not exist.")
    layout = detect_layout(path, encoding=encoding, delimiter=delimiter, header_row=header_row)
    return FileSample(path, layout, next(iter_records(path, layout, chunk_rows=rows),
                                         RecordChunk()))


def suggest(sample: FileSample, organization: Organization, source: str,
            templates: TemplateFinder | None) -> MappingSuggestion:
    """Arena's proposal for the file: the template saved for this source and these headers, or
    a suggestion from the headers, the first values and the known vendor layouts."""
    template = None
    if templates is not None:
        saved = templates.find_template(organization, source,
                                        header_signature(sample.layout.headers))
        if saved is not None:
            template = Mapping.from_json(saved, sample.layout.headers)
    return suggest_mapping(sample.layout.headers, sample.first_rows.rows[:SAMPLE_ROWS],
                           template=template)


def make_plan(sample: FileSample, organization: Organization, source: str, mapping: Mapping,
              vendor: str | None, constants: dict[str, str] | None = None) -> ImportPlan:
    """The plan for a mapping the user accepted or wrote; constants are added on top. A
    mapping that misses a required field is one sentence (ArenaUserError)."""
    mapping = Mapping(columns=dict(mapping.columns),
                      constants={**mapping.constants, **(constants or {})})
    missing = missing_required(mapping)
    if missing:
        raise ArenaUserError(
            "Required field(s) not mapped and without a constant: " + ", ".join(missing)
            + " (map a column or pass --const FIELD=VALUE)."
        )
    return ImportPlan(
        path=sample.path, organization=organization, source=source, layout=sample.layout,
        mapping=mapping, vendor=vendor, expected_rows=estimate_rows(sample.path, sample.layout),
        prices_in_cents=prices_in_cents(mapping, sample.layout.headers),
    )


def plan_file(path: Path, organization: Organization, templates: TemplateFinder | None, *,
              source: str | None = None, mapping: Mapping | None = None,
              constants: dict[str, str] | None = None, encoding: str | None = None,
              delimiter: str | None = None, header_row: int | None = None) -> ImportPlan:
    """The plan for a file imported without a person looking (command line, automation): the
    user's mapping when given, else the saved template, else the suggestion."""
    sample = read_sample(path, encoding=encoding, delimiter=delimiter, header_row=header_row)
    source = source or "csv"
    if mapping is None:
        suggestion = suggest(sample, organization, source, templates)
        mapping, vendor = suggestion.to_mapping(), suggestion.vendor
    else:
        vendor = vendor_of(sample.layout)
    return make_plan(sample, organization, source, mapping, vendor, constants)


def vendor_of(layout: FileLayout) -> str | None:
    """The vendor whose export layout these headers are, if any (a header check, not a
    suggestion)."""
    vendor = detect_vendor(layout.headers)
    return vendor.name if vendor else None


def estimate_rows(path: Path, layout: FileLayout, sample_bytes: int = 1 << 16) -> int:
    """Records in the file, estimated from the size of its first lines (no full read): for
    the progress bar and for choosing a bulk-load strategy."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        sample = handle.read(sample_bytes)
    lines = sample.count(b"\n") - layout.header_row - 1
    if lines <= 0 or len(sample) < sample_bytes:
        return max(lines, 0)
    return int(size / len(sample) * (sample.count(b"\n"))) - layout.header_row - 1


def prices_in_cents(mapping: Mapping, headers: list[str]) -> bool:
    """Whether the header of the price column says its amounts are in cents."""
    price_headers = [headers[i] for i, f in mapping.columns.items()
                     if f == "price" and i < len(headers)]
    return any(_CENTS_HEADER.search(fold(header)) for header in price_headers)
