"""`load_demo`: generate the synthetic demo and load it through the real import pipeline.

The ticket exports go through `run_import` exactly as a user's files would (same detection,
validation, rejections and customer keys), so the demo also exercises the import. What an
export cannot carry (venue addresses, capacities, list prices, season tickets) comes from the
generator's tables and is written through the `DemoCatalog` port.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from arena.demo.generator import DemoManifest, ExportFile, generate_demo
from arena.demo.ports import (
    EVENT_CATEGORY_COLUMNS,
    EVENT_COLUMNS,
    SEASON_TICKET_COLUMNS,
    VENUE_COLUMNS,
    DemoCatalog,
    ImportedFile,
)
from arena.demo.scenarios import ClubScenario, RaceScenario, TheatreScenario
from arena.errors import ArenaUserError
from arena.ingest.mapping import Mapping
from arena.ingest.normalize import customer_keys, event_type, season_label
from arena.ingest.plan import make_plan, read_sample, vendor_of
from arena.ingest.ports import ImportStore
from arena.ingest.service import ImportOptions, file_sha256, run_import
from arena.ingest.validation import ParseOptions, ValidationState, validate_chunk
from arena.tenancy import Organization

DemoProgress = Callable[[str], None]
"""Called with one human sentence per step (generation, each export, each table)."""

IMPORT_USER = "arena demo"

# What each demo organization's events are. Event names alone cannot say it (a play called
# "Le Misanthrope" reads as "other" to the import's name rules); the generator knows.
_EVENT_TYPE_BY_ORGANIZATION: dict[str, str] = {
    ClubScenario().slug: "match",
    TheatreScenario().slug: "show",
    RaceScenario().slug: "race",
}


def demo_organization_slugs() -> tuple[str, ...]:
    """The organizations the demo creates, known without generating anything (for a reset)."""
    return tuple(_EVENT_TYPE_BY_ORGANIZATION)


@dataclass(frozen=True)
class ExportLoad:
    """How one export went: counts from the import pipeline, or from the earlier identical one."""

    organization_slug: str
    source_name: str
    file_name: str
    rows_in_file: int
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    rows_warned: int
    rejected_reasons: dict[str, int]
    status: str  # "loaded" now, or "unchanged" when this exact file was already imported
    seconds: float


@dataclass
class DemoLoadReport:
    """Everything `load_demo` did, with the figures a user or a benchmark wants to see."""

    seed: int
    scale: float
    as_of: date
    out_dir: Path
    exports: list[ExportLoad] = field(default_factory=list)
    venues: int = 0
    events: int = 0
    season_ticket_rows: int = 0
    season_tickets_added: int = 0
    season_ticket_rows_rejected: int = 0
    customers_added_from_season_tickets: int = 0
    reset: bool = False
    generation_seconds: float = 0.0
    seconds: float = 0.0

    @property
    def rows_read(self) -> int:
        return sum(e.rows_read for e in self.exports)

    @property
    def rows_loaded(self) -> int:
        return sum(e.rows_loaded for e in self.exports)

    @property
    def rows_rejected(self) -> int:
        return sum(e.rows_rejected for e in self.exports)

    @property
    def unchanged(self) -> bool:
        """True when every export was already imported: the run added no ticket."""
        return bool(self.exports) and all(e.status == "unchanged" for e in self.exports)


def load_demo(
    import_store: ImportStore,
    catalog: DemoCatalog,
    *,
    work_dir: Path,
    seed: int = 42,
    scale: float = 1.0,
    as_of: date | None = None,
    reset: bool = False,
    progress: DemoProgress | None = None,
    manifest: DemoManifest | None = None,
) -> DemoLoadReport:
    """Generate the demo into `work_dir` and load it; idempotent, and resumable after a crash.

    `as_of` is the demo's "now" (see `generate_demo`); by default the date of the demo already
    loaded from `work_dir` (so running again on a later day still changes nothing), else today.
    `manifest`, when given, is a demo generated earlier (its seed, scale and as_of win):
    benchmarks and tests load one generation into several databases. Each export is one import
    transaction; files already imported (same organization, same content hash) are skipped, so
    a second run changes nothing. A demo generated with another seed, scale or date is never
    mixed into a loaded one: pass `reset=True` to rebuild from scratch.
    """
    started = time.perf_counter()
    say = progress or (lambda message: None)
    if reset:
        removed = catalog.reset(demo_organization_slugs())
        say(f"Removed the previous demo ({removed} organizations and everything they owned).")
    generation_started = time.perf_counter()
    if manifest is None:
        if as_of is None and not reset:
            as_of = _loaded_as_of(Path(work_dir), catalog)
        as_of = as_of or date.today()
        say(f"Generating the demo exports (seed {seed}, scale {scale:g}, as of "
            f"{as_of.isoformat()}) into {work_dir}…")
        manifest = generate_demo(Path(work_dir), seed=seed, scale=scale, as_of=as_of)
    report = DemoLoadReport(seed=manifest.seed, scale=manifest.scale, as_of=manifest.as_of,
                            out_dir=manifest.out_dir, reset=reset)
    report.generation_seconds = round(time.perf_counter() - generation_started, 3)
    slugs = list(manifest.organizations["organization_slug"])
    hashes = {export.path: file_sha256(export.path) for export in manifest.exports}
    already = _check_same_demo(manifest.exports, hashes, catalog.imported_files(slugs))
    organizations = catalog.ensure_organizations(manifest.organizations)

    for export in manifest.exports:
        previous = already.get((export.organization_slug, hashes[export.path]))
        if previous is not None:
            report.exports.append(_unchanged(export, previous))
            say(f"{export.path.name}: already imported, unchanged.")
            continue
        load = _import_export(export, organizations[export.organization_slug], import_store)
        report.exports.append(load)
        say(f"{export.path.name}: {load.rows_loaded:,} rows loaded, {load.rows_rejected:,} "
            f"rejected ({_reasons(load.rejected_reasons)}) in {load.seconds:.1f} s.")

    for slug in slugs:
        report.venues += catalog.set_venues(slug, venue_frame(manifest, slug))
        events, categories = event_frames(manifest, slug)
        report.events += catalog.set_event_capacities(slug, events, categories)
        holders, rejected = season_ticket_frame(manifest.subscriptions, slug)
        report.season_ticket_rows_rejected += rejected
        if len(holders):
            loaded = catalog.load_season_tickets(slug, holders)
            report.season_ticket_rows += loaded.rows
            report.season_tickets_added += loaded.season_tickets_added
            report.customers_added_from_season_tickets += loaded.customers_added
    say(f"Venues, capacities and list prices set for {report.events} events; "
        f"{report.season_ticket_rows:,} season tickets checked "
        f"({report.season_tickets_added:,} new).")
    catalog.ensure_demo_user(slugs)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _loaded_as_of(work_dir: Path, catalog: DemoCatalog) -> date | None:
    """The `as_of` of the demo generated into `work_dir` when it is the one loaded (its files
    were imported): regenerating with it gives the same files, so nothing changes."""
    truth_path = work_dir / "truth.json"
    if not truth_path.exists() or not catalog.imported_files(demo_organization_slugs()):
        return None
    try:
        recorded = json.loads(truth_path.read_text(encoding="utf-8")).get("as_of")
        return date.fromisoformat(recorded) if recorded else None
    except (ValueError, OSError):
        return None


def _check_same_demo(
    exports: Sequence[ExportFile], hashes: dict[Path, str], imported: Sequence[ImportedFile]
) -> dict[tuple[str, str], ImportedFile]:
    """The earlier imports of these exact files; refuses when the loaded demo differs."""
    by_hash = {(f.organization_slug, f.file_hash): f for f in imported}
    names = {(f.organization_slug, f.file_name) for f in imported}
    for export in exports:
        key = (export.organization_slug, export.path.name)
        if key in names and (export.organization_slug, hashes[export.path]) not in by_hash:
            raise ArenaUserError(
                f"The demo already in the database was generated with another seed, scale or "
                f"--as-of date ({export.path.name} differs): run `arena demo --reset` to "
                f"rebuild it."
            )
    return by_hash


def _import_export(export: ExportFile, organization: Organization,
                   import_store: ImportStore) -> ExportLoad:
    sample = read_sample(export.path, encoding=export.encoding, delimiter=export.delimiter)
    # The manifest's mapping is the one a user would save for this organization, constants
    # included (Njuko files carry no event date and no venue).
    mapping = Mapping.from_json(export.mapping, sample.layout.headers)
    plan = make_plan(sample, organization, export.source_name, mapping,
                     vendor_of(sample.layout))
    result = run_import(plan, ImportOptions(user=IMPORT_USER), import_store)
    return ExportLoad(
        organization_slug=export.organization_slug, source_name=export.source_name,
        file_name=export.path.name, rows_in_file=export.rows, rows_read=result.rows_read,
        rows_loaded=result.rows_loaded, rows_rejected=result.rows_rejected,
        rows_warned=len({w["line"] for w in result.warnings}),
        rejected_reasons=dict(Counter(r["code"] for r in result.rejected)),
        status="loaded", seconds=result.seconds,
    )


def _unchanged(export: ExportFile, previous: ImportedFile) -> ExportLoad:
    return ExportLoad(
        organization_slug=export.organization_slug, source_name=export.source_name,
        file_name=export.path.name, rows_in_file=export.rows, rows_read=previous.rows_read,
        rows_loaded=previous.rows_loaded, rows_rejected=previous.rows_rejected, rows_warned=0,
        rejected_reasons={}, status="unchanged", seconds=0.0,
    )


def _reasons(reasons: dict[str, int]) -> str:
    return ", ".join(f"{count} {code}" for code, count in sorted(reasons.items())) or "none"


def _events_of(manifest: DemoManifest, slug: str) -> pd.DataFrame:
    events = manifest.events
    return events[events["organization_slug"] == slug].copy()


def _event_types(events: pd.DataFrame, slug: str) -> pd.Series:
    if "event_type" in events.columns:
        return events["event_type"].astype(str)
    known = _EVENT_TYPE_BY_ORGANIZATION.get(slug)
    if known is not None:
        return pd.Series(known, index=events.index)
    return events["event_name"].map(event_type)


def event_frames(manifest: DemoManifest, slug: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One organization's events (`EVENT_COLUMNS`) and event categories
    (`EVENT_CATEGORY_COLUMNS`). An event's capacity counts the seats held by season-ticket
    holders: they are part of the house, only not for sale."""
    rows = _events_of(manifest, slug)
    rows["starts_at"] = pd.to_datetime(rows["event_date"])
    rows["event_type"] = _event_types(rows, slug)
    categories = rows[list(EVENT_CATEGORY_COLUMNS)].reset_index(drop=True)
    events = (
        rows.groupby(["event_name", "starts_at"], sort=True)
        .agg(venue=("venue", "first"), event_type=("event_type", "first"),
             capacity=("capacity", "sum"))
        .reset_index()
    )
    events["season"] = [
        season_label(start.to_pydatetime(), kind)
        for start, kind in zip(events["starts_at"], events["event_type"], strict=True)
    ]
    return events[list(EVENT_COLUMNS)], categories


def venue_frame(manifest: DemoManifest, slug: str) -> pd.DataFrame:
    """One organization's venues (`VENUE_COLUMNS`): the listed venues, plus every venue its
    events name that is not listed (a theatre's halls), which inherits the address of the
    listed venue its name starts with and holds its largest event."""
    listed = manifest.venues[manifest.venues["organization_slug"] == slug].copy()
    listed["country"] = listed["country"] if "country" in listed.columns else "FR"
    events, _ = event_frames(manifest, slug)
    largest = events.groupby("venue")["capacity"].max()
    rows = [row for row in listed[list(VENUE_COLUMNS)].to_dict("records")]
    known = {row["name"] for row in rows}
    for name, capacity in largest.items():
        if name in known:
            continue
        parent = next((row for row in rows if str(name).startswith(row["name"])), None)
        place = {column: parent[column] for column in VENUE_COLUMNS} if parent else {
            column: None for column in VENUE_COLUMNS}
        rows.append({**place, "name": name, "capacity": int(capacity)})
    return pd.DataFrame(rows, columns=list(VENUE_COLUMNS))


def season_ticket_frame(subscriptions: pd.DataFrame, slug: str) -> tuple[pd.DataFrame, int]:
    """One organization's season tickets (`SEASON_TICKET_COLUMNS`) and how many rows were
    rejected. Holder identities go through the import's own validation and `customer_keys`, so
    a holder who also buys single tickets is one customer, not two."""
    rows = subscriptions[subscriptions["organization_slug"] == slug].reset_index(drop=True)
    if rows.empty:
        return pd.DataFrame(columns=list(SEASON_TICKET_COLUMNS)), 0
    text = {
        name: rows[name].astype(object).where(rows[name].notna(), "").astype(str)
        for name in rows.columns if name.startswith("customer_")
    }
    text["customer_birth_date"] = pd.to_datetime(rows["customer_birth_date"]).dt.strftime(
        "%Y-%m-%d").fillna("")
    # Stand-in ticket fields: a season ticket is not a ticket of one event, but the validation
    # needs an identifier, a price and an event to accept the row.
    frame = pd.DataFrame({
        "line": np.arange(2, len(rows) + 2), "ticket_id": rows.index.astype(str),
        "event_name": "season ticket " + rows["season"].astype(str),
        "event_date": "2000-01-01", "price": rows["price"].map(lambda p: f"{p:.2f}"),
        "purchase_date": "", **text,
    })
    result = validate_chunk(frame, ValidationState(), ParseOptions())
    valid = result.valid
    source = rows.loc[valid["ticket_ref"].astype(int).to_numpy()].reset_index(drop=True)
    holders = valid[["email", "first_name", "last_name", "gender", "birth_date", "phone",
                     "address", "postal_code", "city", "country"]].copy()
    holders["customer_key"] = customer_keys(valid).to_numpy()
    holders["season"] = source["season"].astype(str).to_numpy()
    # A theatre abonnement is a choice of shows, not a seat: it has no category.
    holders["category"] = source["category"].astype(object).where(
        source["category"].notna(), None).to_numpy()
    holders["price"] = source["price"].astype(float).to_numpy()
    identified = holders["customer_key"].notna()
    rejected = len(result.rejected) + int((~identified).sum())
    return holders[identified][list(SEASON_TICKET_COLUMNS)].reset_index(drop=True), rejected
