"""Settings are declared once, have working defaults and are all documented."""

from pathlib import Path

from arena.config import SETTINGS, load_settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = README.read_text(encoding="utf-8")
    undocumented = [s.env for s in SETTINGS if f"`{s.env}`" not in readme]
    assert undocumented == []


def test_every_setting_has_a_help_text_and_an_arena_prefix() -> None:
    for setting in SETTINGS:
        assert setting.env.startswith("ARENA_")
        assert len(setting.help) > 20


def test_the_default_database_is_a_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings({"ARENA_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'arena.db'}"
    assert settings.uses_embedded_database
    assert settings.riak_url is None


def test_environment_overrides_the_defaults(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "ARENA_DATABASE_URL": "postgresql+psycopg2://u@h/db",
            "ARENA_RIAK_URL": "http://127.0.0.1:8098",
            "ARENA_IMPORT_CHUNK_ROWS": "5000",
        }
    )
    assert settings.database_url.startswith("postgresql")
    assert not settings.uses_embedded_database
    assert settings.riak_url == "http://127.0.0.1:8098"
    assert settings.import_chunk_rows == 5000
