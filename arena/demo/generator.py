"""The `generate_demo` entry point: writes every export, the truth file and returns a manifest."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from arena.demo.exports import NJUKO, SECUTIX, WEEZEVENT, ExportLayout, degrade, render, write_chunk
from arena.demo.scenarios import Venue, scenarios_as_of
from arena.demo.simulate import OrganizationData, simulate_club, simulate_race, simulate_theatre


@dataclass(frozen=True)
class ExportFile:
    """One vendor export on disk and what the import pipeline needs to load it."""

    organization_slug: str
    organization_name: str
    source_name: str
    vendor: str
    path: Path
    encoding: str
    delimiter: str
    mapping: dict
    rows: int


@dataclass
class DemoManifest:
    """Everything `generate_demo` produced: exports to import plus tables the import doesn't cover.

    Tables are tidy DataFrames, also written as CSV (UTF-8, `,`) under `out_dir/tables/`.
    """

    out_dir: Path
    seed: int
    scale: float
    as_of: date
    exports: list[ExportFile] = field(default_factory=list)
    organizations: pd.DataFrame = field(default_factory=pd.DataFrame)
    venues: pd.DataFrame = field(default_factory=pd.DataFrame)
    events: pd.DataFrame = field(default_factory=pd.DataFrame)
    subscriptions: pd.DataFrame = field(default_factory=pd.DataFrame)
    price_schedules: pd.DataFrame = field(default_factory=pd.DataFrame)
    truth_path: Path | None = None


Simulator = Callable[[np.random.Generator, Any, float, OrganizationData, date],
                     Iterator[tuple[str, pd.DataFrame]]]


def _run_organization(manifest: DemoManifest, rng: np.random.Generator, scenario: Any,
                      simulator: Simulator, layout: ExportLayout, file_stem: str,
                      constants_for: Callable[[str, pd.DataFrame], dict[str, str]],
                      data: OrganizationData) -> None:
    exports_dir = manifest.out_dir / "exports"
    exports_dir.mkdir(parents=True, exist_ok=True)
    handle = None
    current_key: str | None = None
    counts: dict[str, int] = {}
    constants: dict[str, dict[str, str]] = {}

    def close() -> None:
        if handle is not None:
            handle.close()

    for key, rows in simulator(rng, scenario, manifest.scale, data, manifest.as_of):
        if key != current_key:
            close()
            current_key = key
            path = exports_dir / f"{file_stem}_{key}.csv"
            handle = path.open("w", encoding=layout.encoding, errors="replace", newline="")
            counts[key] = 0
            constants[key] = constants_for(key, rows)
            header = True
        else:
            header = False
        if rows.empty:
            continue
        damaged = degrade(rng, rows, layout.imperfections)
        assert handle is not None
        write_chunk(handle, render(damaged, layout), layout, header=header or counts[key] == 0)
        counts[key] += len(damaged)
    close()
    for key, count in counts.items():
        if count == 0:  # a season not on sale yet at `as_of`: no export, like at the venue
            (exports_dir / f"{file_stem}_{key}.csv").unlink()
            continue
        manifest.exports.append(ExportFile(
            scenario.slug, scenario.name, f"{layout.vendor}-{key}", layout.vendor,
            exports_dir / f"{file_stem}_{key}.csv", layout.encoding, layout.delimiter,
            layout.mapping(constants[key]), count))


def _venue_row(slug: str, venue: Venue, scale: float) -> dict:
    return {"organization_slug": slug, **asdict(venue), "capacity": round(venue.capacity * scale)}


def generate_demo(out_dir: Path, *, seed: int = 42, scale: float = 1.0,
                  as_of: date | None = None) -> DemoManifest:
    """Generate the three organizations' exports, tables and truth into `out_dir`.

    `as_of` (default: today) is the demo's "now": calendars are shifted so that the last season
    holds it; events before it are complete, later ones carry only the sales made before it
    (booking curve in progress) or none yet. Deterministic: the same seed, scale and `as_of`
    give byte-identical files. `scale` multiplies capacities, demand and customer pools
    (1.0 ≈ 350k ticket rows; 30 ≈ 10M).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    as_of = as_of or date.today()
    manifest = DemoManifest(out_dir=out_dir, seed=seed, scale=scale, as_of=as_of)
    club, theatre, race = scenarios_as_of(as_of)
    datas = {s.slug: OrganizationData() for s in (club, theatre, race)}

    _run_organization(manifest, np.random.default_rng([seed, 1]), club, simulate_club, SECUTIX,
                      "club_secutix", lambda key, rows: {}, datas[club.slug])
    _run_organization(manifest, np.random.default_rng([seed, 2]), theatre, simulate_theatre,
                      WEEZEVENT, "theatre_weezevent", lambda key, rows: {}, datas[theatre.slug])
    # Njuko exports carry no race date and no venue: both are constants typed in at import.
    _run_organization(
        manifest, np.random.default_rng([seed, 3]), race, simulate_race, NJUKO, "race_njuko",
        lambda key, rows: {"event_date": pd.Timestamp(rows["event_date"].iloc[0]).strftime(
            "%d/%m/%Y %H:%M"), "venue": race.venue.name, "currency": "EUR"},
        datas[race.slug])

    manifest.organizations = pd.DataFrame([
        {"organization_slug": s.slug, "organization_name": s.name, "vendor": s.vendor}
        for s in (club, theatre, race)])
    manifest.venues = pd.DataFrame([_venue_row(s.slug, s.venue, scale)
                                    for s in (club, theatre, race)])
    manifest.events = pd.DataFrame([e for d in datas.values() for e in d.events])
    manifest.subscriptions = pd.concat([t for d in datas.values() for t in d.subscriptions],
                                       ignore_index=True)
    manifest.price_schedules = pd.concat([t for d in datas.values() for t in d.schedules],
                                         ignore_index=True)
    tables_dir = out_dir / "tables"
    tables_dir.mkdir(exist_ok=True)
    for name in ("organizations", "venues", "events", "subscriptions", "price_schedules"):
        getattr(manifest, name).to_csv(tables_dir / f"{name}.csv", index=False,
                                       lineterminator="\n", date_format="%Y-%m-%d %H:%M:%S")
    truth = {"seed": seed, "scale": scale, "as_of": as_of.isoformat(),
             "organizations": {slug: d.truth for slug, d in datas.items()},
             "exports": {e.path.name: {"rows": e.rows, "imperfections": asdict(
                 {"secutix": SECUTIX, "weezevent": WEEZEVENT, "njuko": NJUKO}[e.vendor]
                 .imperfections)} for e in manifest.exports}}
    manifest.truth_path = out_dir / "truth.json"
    manifest.truth_path.write_text(json.dumps(truth, indent=1, ensure_ascii=False, default=str,
                                              sort_keys=True), encoding="utf-8")
    return manifest
