"""One way through an import: the file's layout and mapping are established once, in the plan,
and the run never detects, suggests or estimates again; the plan's customers are handed on for
per-customer figures."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from arena.cli import cli
from arena.ingest import plan as planning
from arena.ingest.plan import plan_file
from arena.ingest.service import ImportOptions, run_import
from arena.storage.accounts import ensure_organization
from arena.storage.importing import SqlImportStore
from arena.storage.schema import customers

EXPORT = (
    "Manifestation;Date séance;N° billet;Commande;Prix;Email\n"
    "Nantes - Lyon;12/08/2023 20:30;B1;C1;20,00;ana@example.org\n"
    "Nantes - Lyon;12/08/2023 20:30;B2;C1;25,00;ana@example.org\n"
    "Nantes - Metz;19/08/2023 20:30;B3;C2;25,00;bob@example.org\n"
)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often the layout is detected and a mapping suggested."""
    counted = {"detect": 0, "suggest": 0}
    detect, suggest = planning.detect_layout, planning.suggest_mapping

    def counting_detect(*args, **kwargs):  # type: ignore[no-untyped-def]
        counted["detect"] += 1
        return detect(*args, **kwargs)

    def counting_suggest(*args, **kwargs):  # type: ignore[no-untyped-def]
        counted["suggest"] += 1
        return suggest(*args, **kwargs)

    monkeypatch.setattr(planning, "detect_layout", counting_detect)
    monkeypatch.setattr(planning, "suggest_mapping", counting_suggest)
    return counted


def test_an_import_detects_the_layout_and_suggests_the_mapping_once(
    tmp_path: Path, engine: Engine, calls: dict[str, int]
) -> None:
    with engine.begin() as connection:
        club = ensure_organization(connection, "club", "Club")
    path = tmp_path / "export.csv"
    path.write_text(EXPORT, encoding="utf-8")
    store = SqlImportStore(engine)
    plan = plan_file(path, club, store)
    assert calls == {"detect": 1, "suggest": 1}
    assert plan.expected_rows == 3 and plan.vendor is None and plan.organization == club
    report = run_import(plan, ImportOptions(), store)
    assert report.rows_loaded == 3
    assert calls == {"detect": 1, "suggest": 1}  # the run used the plan, nothing else


def test_the_command_line_detects_and_suggests_once(
    tmp_path: Path, calls: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARENA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ARENA_DATABASE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(cli, ["orgs", "add", "club"]).exit_code == 0
    path = tmp_path / "export.csv"
    path.write_text(EXPORT, encoding="utf-8")
    result = runner.invoke(cli, ["import", str(path), "--org", "club"])
    assert result.exit_code == 0, result.output
    assert "3 loaded" in result.output
    assert calls == {"detect": 1, "suggest": 1}


def test_an_import_and_its_undo_name_the_customers_they_touched(
    tmp_path: Path, engine: Engine
) -> None:
    """The seam for per-customer figures: which customers an import created or met, and which
    an undo removed or left with fewer tickets."""
    with engine.begin() as connection:
        club = ensure_organization(connection, "club", "Club")
    store = SqlImportStore(engine)
    first = tmp_path / "first.csv"
    first.write_text(EXPORT, encoding="utf-8")
    first_report = run_import(plan_file(first, club, store), ImportOptions(), store)
    with engine.connect() as connection:
        ids = dict(connection.execute(select(customers.c.email, customers.c.id)).all())
    assert first_report.touched_customer_ids.tolist() == sorted(ids.values())
    assert "touched_customer_ids" not in first_report.to_json()

    second = tmp_path / "second.csv"
    second.write_text(EXPORT.splitlines()[0] + "\n"
                      "Nantes - Brest;26/08/2023 20:30;B4;C3;30,00;ana@example.org\n"
                      "Nantes - Brest;26/08/2023 20:30;B5;C4;30,00;zoe@example.org\n",
                      encoding="utf-8")
    report = run_import(plan_file(second, club, store), ImportOptions(), store)
    with engine.connect() as connection:
        ids = dict(connection.execute(select(customers.c.email, customers.c.id)).all())
    assert report.touched_customer_ids.tolist() == sorted([ids["ana@example.org"],
                                                           ids["zoe@example.org"]])
    assert report.import_id is not None
    undone = store.undo(club, report.import_id)
    assert undone.removed["tickets"] == 2
    assert undone.removed_customer_ids == (ids["zoe@example.org"],)
    assert undone.affected_customer_ids == (ids["ana@example.org"],)
