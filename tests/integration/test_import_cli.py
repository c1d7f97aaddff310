"""`arena inspect` and `arena import` keep their JSON contract for scripts and automation."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from arena.cli import cli
from tests.integration.messy_files import write_messy_export


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> CliRunner:
    monkeypatch.setenv("ARENA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ARENA_DATABASE_URL", database_url)
    runner = CliRunner()
    assert runner.invoke(cli, ["orgs", "add", "club"]).exit_code == 0
    return runner


def test_inspect_prints_the_detected_layout_and_the_suggested_mapping(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    write_messy_export(path)
    result = runner.invoke(cli, ["inspect", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["encoding"] in ("cp1252", "latin-1") and payload["delimiter"] == ";"
    assert payload["header_row"] == 3
    fields = {c["header"]: c["field"] for c in payload["columns"]}
    assert fields["Prix"] == "price" and fields["Email"] == "customer_email"
    assert all(0 <= c["confidence"] <= 1 for c in payload["columns"])


def test_import_reports_every_row_and_rejected_rows_download_as_csv(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    write_messy_export(path)
    result = runner.invoke(cli, ["import", str(path), "--org", "club", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["rows_read"] == report["rows_loaded"] + report["rows_rejected"]
    assert {"line", "record", "column", "value", "code", "message"} <= set(report["rejected"][0])
    assert {s["kind"] for s in report["skipped_lines"]} >= {"title", "footer"}

    download = runner.invoke(cli, ["import", "rejected", str(report["import_id"]), "--org", "club"])
    assert download.exit_code == 0, download.output
    rows = list(csv.DictReader(io.StringIO(download.output), delimiter=";"))
    assert len(rows) == report["rows_rejected"]
    assert {r["code"] for r in rows} == {r["code"] for r in report["rejected"]}


def test_a_dry_run_writes_nothing_and_constants_fill_missing_fields(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    write_messy_export(path)
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"columns": {"N° billet": "ticket_id", "Prix": "price",
                                               "Date séance": "event_date"},
                                   "constants": {}}), encoding="utf-8")
    result = runner.invoke(cli, ["import", str(path), "--org", "club", "--mapping", str(mapping),
                                 "--const", "event_name=Gala", "--dry-run", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["import_id"] is None and report["rows_read"] > 0
    assert report["mapping"]["constants"] == {"event_name": "Gala"}
    listing = runner.invoke(cli, ["import", "list", "--org", "club", "--format", "json"])
    assert json.loads(listing.output)["imports"] == []


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"\x00\x01\x02\x03" * 100, "binary"), ]
)
def test_unusable_input_is_one_sentence_and_a_non_zero_exit(
    runner: CliRunner, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    result = runner.invoke(cli, ["import", str(path), "--org", "club", "--format", "json"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output and message in result.output.lower()


def test_a_missing_required_field_without_constant_is_refused(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    path.write_text("Billet;Prix\nB1;10,00\n", encoding="utf-8")
    result = runner.invoke(cli, ["import", str(path), "--org", "club"])
    assert result.exit_code != 0
    assert "event_date" in result.output and "event_name" in result.output


@pytest.mark.parametrize("command", ["inspect", "import"])
def test_a_delimiter_of_several_characters_is_refused_in_one_sentence(
    runner: CliRunner, tmp_path: Path, command: str
) -> None:
    path = tmp_path / "export.csv"
    write_messy_export(path)
    arguments = [command, str(path), "--delimiter", "XY"]
    if command == "import":
        arguments += ["--org", "club", "--dry-run"]
    result = runner.invoke(cli, arguments)
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "The delimiter must be one character" in result.output
