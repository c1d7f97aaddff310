"""Hostile files cost bounded memory and time, and end in one sentence, never a traceback:
rejected rows stream to the database while the report keeps a sample; columns, lines and values
have limits the user is told; every parser's complaint is put in words. The files are generated
small enough to run fast; bench/import/README.md records the full-size runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, func, select

from arena.cli import cli
from arena.ingest.service import SAMPLE_ISSUES
from arena.storage.accounts import ensure_organization
from arena.storage.importing import SqlImportStore
from arena.storage.schema import rejected_rows
from tests.support.imports import import_file

HEADER = "Manifestation;Date séance;N° billet;Commande;Prix;Email\n"


def test_a_file_whose_every_row_is_rejected_keeps_a_sample_and_stores_every_row(
    tmp_path: Path, engine: Engine
) -> None:
    rows = SAMPLE_ISSUES * 2 + 500
    path = tmp_path / "rejected.csv"
    path.write_text(HEADER + "".join(
        f"Gala;12/08/2023 20:30;T{i};O{i};gratuit?;x{i}@example.org\n" for i in range(rows)
    ), encoding="utf-8")
    with engine.begin() as connection:
        ensure_organization(connection, "club", "Club")
    report = import_file(path, SqlImportStore(engine), "club", chunk_rows=700)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (rows, 0, rows)
    assert len(report.rejected) == SAMPLE_ISSUES
    assert [r["line"] for r in report.rejected] == list(range(2, SAMPLE_ISSUES + 2))
    assert report.rejections_by_reason == [{
        "code": "invalid_price", "column": "Prix", "rows": rows,
        "example": report.rejected[0]["message"],
    }]
    with engine.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(rejected_rows)).scalar_one()
    assert stored == rows  # the download after the import has every one of them


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("ARENA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ARENA_DATABASE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(cli, ["orgs", "add", "club"]).exit_code == 0
    return runner


def _dry_run(runner: CliRunner, path: Path) -> Result:
    return runner.invoke(cli, ["import", str(path), "--org", "club", "--dry-run"])


def _one_sentence(result: Result) -> str:
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


def test_a_header_of_ten_thousand_columns_is_refused_in_one_sentence(
    tmp_path: Path, runner: CliRunner
) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(";".join(f"c{i}" for i in range(10_000)) + "\n"
                    + ";".join("1" for _ in range(10_000)) + "\n", encoding="utf-8")
    message = _one_sentence(_dry_run(runner, path))
    assert "10,000 columns" in message and "1,000" in message


# Valid rows before the hostile part: none (detection meets it), or more than detection's
# sample (then the readers do).
GOOD_ROWS = "".join(f"Gala;12/08/2023 20:30;G{i};P{i};20,00;g{i}@example.org\n"
                    for i in range(8_000))


@pytest.mark.parametrize("before", ["", GOOD_ROWS], ids=["at-the-start", "past-the-sample"])
def test_a_line_that_never_ends_is_refused_in_one_sentence(
    tmp_path: Path, runner: CliRunner, before: str
) -> None:
    """A 3 MB record without a line break: more than Arrow's block, more than the row reader
    reads of one line."""
    path = tmp_path / "endless.csv"
    path.write_text(HEADER + before + "Gala;12/08/2023 20:30;T1;O1;20,00;" + "x" * 3_000_000,
                    encoding="utf-8")
    message = _one_sentence(_dry_run(runner, path))
    assert "is longer than" in message and "characters" in message


@pytest.mark.parametrize("before", ["", GOOD_ROWS], ids=["at-the-start", "past-the-sample"])
def test_a_value_beyond_the_field_limit_is_refused_in_one_sentence(
    tmp_path: Path, runner: CliRunner, before: str
) -> None:
    """A quoted value of 200,000 characters over short lines (each line within limits)."""
    path = tmp_path / "long-value.csv"
    path.write_text(HEADER + before + 'Gala;12/08/2023 20:30;T1;O1;20,00;"' + "word\n" * 40_000 + '"\n'
                    + "Gala;12/08/2023 20:30;T2;O2;20,00;b@example.org\n", encoding="utf-8")
    message = _one_sentence(_dry_run(runner, path))
    assert "longer than" in message and "characters" in message


@pytest.mark.parametrize("before", ["", GOOD_ROWS], ids=["at-the-start", "past-the-sample"])
def test_a_file_of_quotes_is_refused_in_one_sentence(
    tmp_path: Path, runner: CliRunner, before: str
) -> None:
    path = tmp_path / "quotes.csv"
    path.write_text(HEADER + before + '"' * 300_000, encoding="utf-8")
    _one_sentence(_dry_run(runner, path))


def test_the_dashboard_bounds_what_one_upload_may_weigh() -> None:
    import tomllib

    config = tomllib.loads((Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml")
                           .read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == 300
