"""The `arena` command: help texts, database setup, and one-sentence errors for user mistakes."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from arena.cli import cli


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("ARENA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ARENA_DATABASE_URL", raising=False)
    return CliRunner()


def test_help_lists_the_commands(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("db", "run", "users", "orgs", "settings"):
        assert command in result.output


def test_db_upgrade_creates_the_embedded_database(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "arena.db").exists()
    assert runner.invoke(cli, ["db", "current"]).output.strip() != ""


def test_a_bad_organization_id_is_one_sentence_and_a_failure(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["orgs", "add", "Bad Slug"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "not a valid organization id" in result.output


def test_users_can_be_added_to_existing_organizations(runner: CliRunner) -> None:
    assert runner.invoke(cli, ["orgs", "add", "club", "--name", "Club"]).exit_code == 0
    result = runner.invoke(
        cli, ["users", "add", "manager", "--org", "club", "--password", "long-password"]
    )
    assert result.exit_code == 0, result.output
    duplicate = runner.invoke(
        cli, ["users", "add", "manager", "--org", "club", "--password", "long-password"]
    )
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output


def test_an_unreachable_database_is_a_clear_error(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARENA_DATABASE_URL", "postgresql+psycopg2://nobody@127.0.0.1:1/none")
    result = runner.invoke(cli, ["orgs", "list"])
    assert result.exit_code != 0
    assert "database cannot be reached" in result.output


def test_settings_lists_every_setting(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["settings"])
    assert "ARENA_DATABASE_URL" in result.output and "ARENA_RIAK_URL" in result.output


@pytest.mark.postgres
def test_an_ordinary_postgresql_url_works(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, postgres_database: str
) -> None:
    """`postgresql://user@host/db`, as a user or a host prints it, not SQLAlchemy's
    `postgresql+psycopg2://`: Arena chooses the driver it installs."""
    ordinary = "postgresql://" + postgres_database.split("://", 1)[1]
    monkeypatch.setenv("ARENA_DATABASE_URL", ordinary)
    result = runner.invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(cli, ["orgs", "add", "url-check"]).exit_code == 0
    assert "url-check" in runner.invoke(cli, ["orgs", "list"]).output
    monkeypatch.setenv("ARENA_DATABASE_URL", "postgres://" + postgres_database.split("://", 1)[1])
    assert runner.invoke(cli, ["db", "current"]).exit_code == 0


@pytest.mark.parametrize("url", ["mysql://root@localhost/arena", "postgresql+asyncpg://u@h/db",
                                 "not a url at all"])
def test_an_unsupported_database_url_is_one_sentence(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("ARENA_DATABASE_URL", url)
    for command in (["db", "upgrade"], ["orgs", "list"]):
        result = runner.invoke(cli, command)
        assert result.exit_code != 0
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert "Traceback" not in result.output
        assert "Arena" in result.output and "database URL" in result.output
        assert len(result.output.strip().splitlines()) == 1, result.output


@pytest.mark.parametrize("command", [["users", "add"], ["orgs", "add"], ["import", "file"],
                                     ["import", "undo"], ["import", "list"],
                                     ["import", "rejected"]])
def test_the_help_calls_the_organization_a_slug_never_an_id(
    runner: CliRunner, command: list[str]
) -> None:
    """`--org` takes the short name users type (`arena orgs list` shows it); the numeric id is
    internal."""
    result = runner.invoke(cli, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "organization id" not in result.output.lower()
    assert "slug" in result.output.lower()
