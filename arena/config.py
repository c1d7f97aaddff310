"""Every Arena setting, declared once with a working local default and a help text.

Settings are read from ``ARENA_*`` environment variables. The README documents each of them and a
test fails when one is added here without being documented there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    """One environment-driven setting: its variable name, its local default and why it exists."""

    env: str
    default: str | None
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "ARENA_DATA_DIR",
        "./var",
        "Folder for the embedded SQLite database, uploads and caches; created on first use.",
    ),
    Setting(
        "ARENA_DATABASE_URL",
        None,
        "URL of the relational database. Unset: a SQLite file arena.db in "
        "ARENA_DATA_DIR. PostgreSQL: postgresql://user:password@host/dbname (driver psycopg2).",
    ),
    Setting(
        "ARENA_RIAK_URL",
        None,
        "Base URL of a Riak KV node's HTTP API (e.g. http://127.0.0.1:8098) for customer-profile "
        "documents. Unset: profile documents live in a table of the relational database.",
    ),
    Setting(
        "ARENA_RIAK_BUCKET_TYPE",
        "arena_profiles",
        "Riak bucket type holding Arena's per-organization profile buckets; it must exist and "
        "keep concurrent writes as siblings (allow_mult true).",
    ),
    Setting(
        "ARENA_RIAK_LAST_WRITE_WINS",
        "0",
        "1 accepts a Riak bucket type without allow_mult (such as `default`), where the last of "
        "two simultaneous updates of one profile silently wins; 0 refuses to use it.",
    ),
    Setting(
        "ARENA_RIAK_TIMEOUT",
        "5",
        "Seconds before a request to Riak is abandoned (then retried with backoff).",
    ),
    Setting(
        "ARENA_RIAK_RETRIES",
        "3",
        "How many times a Riak request is retried while the node is unreachable or not ready "
        "(503, starting up) before failing.",
    ),
    Setting(
        "ARENA_DEMO_ON_FIRST_RUN",
        "1",
        "When 1, `arena run` on an empty embedded database loads the synthetic demo first and "
        "logs in as the demo user without a password prompt.",
    ),
    Setting(
        "ARENA_IMPORT_CHUNK_ROWS",
        "50000",
        "Rows parsed, validated and loaded per chunk during an import; bounds peak memory.",
    ),
    Setting(
        "ARENA_GEOCODER",
        None,
        "Online geocoder for full street addresses: tomtom or osm (Nominatim). Unset: distances "
        "come from the bundled postal-code gazetteer only, with no network call.",
    ),
    Setting(
        "ARENA_GEOCODER_KEY",
        None,
        "API key of the online geocoder (required for TomTom).",
    ),
    Setting(
        "ARENA_GEOCODER_URL",
        None,
        "Base URL of the online geocoder (e.g. a self-hosted Nominatim). Unset: the provider's "
        "public API.",
    ),
    Setting(
        "ARENA_GEOCODER_TIMEOUT",
        "3",
        "Seconds before a geocoder request is abandoned; after 3 failures in a row a run stops "
        "asking.",
    ),
    Setting(
        "ARENA_SMTP_URL",
        None,
        "SMTP relay for sending email campaigns: smtp://user:password@host:587 (STARTTLS) or "
        "smtps://user:password@host:465, with ?from=sender%40venue.fr&rate=5 (messages per "
        "second). Unset: campaigns are exported to a mailing tool, never sent by Arena. The "
        "password is never shown.",
    ),
)


def setting_names() -> list[str]:
    """The names of all declared settings, for documentation checks and `arena settings`."""
    return [s.env for s in SETTINGS]


@dataclass(frozen=True)
class Settings:
    """The resolved settings of one process."""

    data_dir: Path
    database_url: str
    riak_url: str | None
    riak_bucket_type: str
    riak_last_write_wins: bool
    riak_timeout: float
    riak_retries: int
    demo_on_first_run: bool
    import_chunk_rows: int
    geocoder: str | None = None
    geocoder_key: str | None = None
    geocoder_url: str | None = None
    geocoder_timeout: float = 3.0
    smtp_url: str | None = None

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url.startswith("sqlite")


def _raw(name: str, environ: dict[str, str]) -> str | None:
    declared = {s.env: s for s in SETTINGS}
    if name not in declared:
        raise KeyError(f"{name} is not a declared Arena setting")
    value = environ.get(name)
    return value if value not in (None, "") else declared[name].default


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Resolve every setting from the environment, falling back to the declared defaults."""
    env = dict(os.environ if environ is None else environ)
    data_dir = Path(_raw("ARENA_DATA_DIR", env) or "./var").expanduser().resolve()
    database_url = _raw("ARENA_DATABASE_URL", env) or f"sqlite:///{data_dir / 'arena.db'}"
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        riak_url=_raw("ARENA_RIAK_URL", env),
        riak_bucket_type=_raw("ARENA_RIAK_BUCKET_TYPE", env) or "arena_profiles",
        riak_last_write_wins=(_raw("ARENA_RIAK_LAST_WRITE_WINS", env) or "0") == "1",
        riak_timeout=float(_raw("ARENA_RIAK_TIMEOUT", env) or 5),
        riak_retries=int(_raw("ARENA_RIAK_RETRIES", env) or 3),
        demo_on_first_run=(_raw("ARENA_DEMO_ON_FIRST_RUN", env) or "1") == "1",
        import_chunk_rows=int(_raw("ARENA_IMPORT_CHUNK_ROWS", env) or 50000),
        geocoder=(_raw("ARENA_GEOCODER", env) or "").strip().lower() or None,
        geocoder_key=_raw("ARENA_GEOCODER_KEY", env),
        geocoder_url=_raw("ARENA_GEOCODER_URL", env),
        geocoder_timeout=float(_raw("ARENA_GEOCODER_TIMEOUT", env) or 3),
        smtp_url=_raw("ARENA_SMTP_URL", env),
    )
