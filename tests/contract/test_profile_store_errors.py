"""A person sees profile-store failures as one sentence, in the terminal and on a page, and
`arena profiles check` says ready only when the store really reads and writes."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from arena.cli import cli
from arena.storage.db import upgrade_database
from tests.support.riak_standin import RiakStandIn


def one_sentence(message: str) -> bool:
    return "\n" not in message.strip() and message.strip().endswith(".") and ". " not in message


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("ARENA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ARENA_DATABASE_URL", raising=False)
    for name in ("ARENA_RIAK_URL", "ARENA_RIAK_BUCKET_TYPE", "ARENA_RIAK_LAST_WRITE_WINS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ARENA_RIAK_RETRIES", "1")
    return monkeypatch


def unreachable_url() -> str:
    node = RiakStandIn().start()
    node.stop()
    return node.url


def check(*arguments: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["profiles", "check", *arguments])
    assert "Traceback" not in result.output
    return result.exit_code, result.output.removeprefix("Error: ").strip()


def test_check_says_ready_when_riak_reads_and_writes(
    environment: pytest.MonkeyPatch, standin: RiakStandIn
) -> None:
    environment.setenv("ARENA_RIAK_URL", standin.url)

    code, output = check()

    assert code == 0 and output.startswith("Profile store ready: RiakProfileStore")
    assert [r.method for r in standin.requests].count("PUT") == 1  # the write probe


@pytest.mark.parametrize(
    ("setting", "value", "expected"),
    [
        ("ARENA_RIAK_BUCKET_TYPE", "arena_profils", "no bucket type 'arena_profils'"),
        ("ARENA_RIAK_BUCKET_TYPE", "default", "ARENA_RIAK_LAST_WRITE_WINS=1"),
    ],
)
def test_a_misconfigured_riak_is_one_sentence(
    environment: pytest.MonkeyPatch, standin: RiakStandIn, setting: str, value: str, expected: str
) -> None:
    environment.setenv("ARENA_RIAK_URL", standin.url)
    environment.setenv(setting, value)

    code, output = check()

    assert code == 1 and expected in output and one_sentence(output)


def test_a_last_write_wins_bucket_type_is_used_once_accepted(
    environment: pytest.MonkeyPatch, standin: RiakStandIn
) -> None:
    environment.setenv("ARENA_RIAK_URL", standin.url)
    environment.setenv("ARENA_RIAK_BUCKET_TYPE", "default")
    environment.setenv("ARENA_RIAK_LAST_WRITE_WINS", "1")

    assert check()[0] == 0


def test_an_unreachable_riak_is_one_sentence(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("ARENA_RIAK_URL", unreachable_url())

    code, output = check()

    assert code == 1 and "unreachable" in output and one_sentence(output)


def test_check_can_wait_for_a_node_that_is_starting(
    environment: pytest.MonkeyPatch, standin: RiakStandIn
) -> None:
    environment.setenv("ARENA_RIAK_URL", standin.url)
    standin.simulate_start_up(routes_missing=4, vnodes_down=6)
    assert check()[0] == 1

    standin.simulate_start_up(routes_missing=4, vnodes_down=6)
    code, output = check("--wait", "20")

    assert code == 0, output


def test_check_on_the_sql_table_needs_a_migrated_database(
    environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code, output = check()
    assert code == 1 and "arena db upgrade" in output and one_sentence(output)

    upgrade_database(f"sqlite:///{tmp_path / 'data' / 'arena.db'}")
    code, output = check()
    assert code == 0 and output.startswith("Profile store ready: SqlProfileStore")


def profile_page() -> None:
    """A page reading a customer's profile through the UI helper."""
    import streamlit as st

    from arena.ui.profiles import profile_store, profile_store_errors_shown

    with profile_store_errors_shown():
        document = profile_store().get("stade-alpha", "camille@exemple.fr")
    st.write(f"document: {document}")


@pytest.mark.parametrize("failure", ["unreachable", "mistyped bucket type"])
def test_a_page_shows_a_profile_store_failure_as_one_sentence(
    environment: pytest.MonkeyPatch, standin: RiakStandIn, failure: str
) -> None:
    if failure == "unreachable":
        environment.setenv("ARENA_RIAK_URL", unreachable_url())
    else:
        environment.setenv("ARENA_RIAK_URL", standin.url)
        environment.setenv("ARENA_RIAK_BUCKET_TYPE", "arena_profils")
    st.cache_resource.clear()

    page = AppTest.from_function(profile_page, default_timeout=30).run()
    st.cache_resource.clear()

    assert not page.exception
    assert len(page.error) == 1 and one_sentence(page.error[0].value)
    assert not [text for text in page.markdown if text.value.startswith("document")]


def test_a_page_reads_profiles_when_the_store_is_healthy(
    environment: pytest.MonkeyPatch, standin: RiakStandIn
) -> None:
    environment.setenv("ARENA_RIAK_URL", standin.url)
    st.cache_resource.clear()

    page = AppTest.from_function(profile_page, default_timeout=30).run()
    st.cache_resource.clear()

    assert not page.exception and not page.error
    assert page.markdown[0].value == "document: None"
