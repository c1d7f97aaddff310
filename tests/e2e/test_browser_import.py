"""End to end in a real headless Chromium: log in, upload a messy export, fix its mapping,
import it, and find the tickets on the Overview. Screenshots of each step go to test-artifacts/."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.messy_export import write_messy_export

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PASSWORD = "a long demo password"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's chromium and chromium-driver (apt-get install -y chromium "
        "chromium-driver; .ci/run installs them)",
    ),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _arena(env: dict[str, str], *args: str) -> None:
    command = [str(Path(sys.executable).parent / "arena"), *args]
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=120)


@pytest.fixture
def dashboard(tmp_path: Path) -> Iterator[str]:
    """The real app, started with `streamlit run` on a free port, with one user and no data."""
    env = {**os.environ, "ARENA_DATA_DIR": str(tmp_path / "var"), "ARENA_DEMO_ON_FIRST_RUN": "0"}
    env.pop("ARENA_DATABASE_URL", None)
    _arena(env, "orgs", "add", "chatelet", "--name", "Théâtre du Châtelet")
    _arena(env, "users", "add", "alice", "--org", "chatelet", "--password", PASSWORD)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless",
         "true", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("the dashboard did not start within 60 s")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_a_manager_imports_a_messy_export_and_sees_it_on_the_overview(
    dashboard: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    export = tmp_path / "ventes_chatelet.csv"
    tickets = write_messy_export(export)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="fr-FR")
        page.set_default_timeout(30_000)
        # Generous bounds: CI machines are shared; speed is measured by bench/, not here.
        expect.set_options(timeout=30_000)

        page.goto(dashboard)
        page.get_by_role("textbox", name="Username").fill("alice")
        page.get_by_role("textbox", name="Password").fill(PASSWORD)
        page.screenshot(path=ARTIFACTS / "1-login.png")
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_text("No data yet")).to_be_visible()
        page.screenshot(path=ARTIFACTS / "2-empty-overview.png")

        page.get_by_role("link", name="Import", exact=True).click()
        page.locator("input[type=file]").set_input_files(str(export))
        expect(page.get_by_text("title line(s) above the header skipped")).to_be_visible()
        expect(page.get_by_text("Still missing: Ticket number or Order number")).to_be_visible()
        expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
        page.wait_for_timeout(1000)  # let the preview grid paint
        page.screenshot(path=ARTIFACTS / "3-detected-and-mapping.png", full_page=True)

        page.get_by_label("Field for Réf.").click()
        page.keyboard.type("Ticket number")
        page.keyboard.press("Enter")
        expect(page.get_by_text("Still missing")).to_have_count(0)
        page.get_by_role("button", name="Validate every row").click()
        expect(page.get_by_text("Nothing has been written yet")).to_be_visible()
        page.screenshot(path=ARTIFACTS / "4-validated.png", full_page=True)

        page.get_by_role("button", name="Import", exact=True).click()
        expect(page.get_by_text(f"{tickets} new tickets")).to_be_visible(timeout=60_000)
        page.screenshot(path=ARTIFACTS / "5-imported.png", full_page=True)

        page.get_by_role("link", name="Overview", exact=True).first.click()
        expect(page.get_by_text("Tickets sold")).to_be_visible()
        expect(page.get_by_test_id("stMetricValue").first).to_have_text(str(tickets))
        expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible()
        page.wait_for_timeout(1500)  # let Plotly finish drawing before the screenshot
        page.screenshot(path=ARTIFACTS / "6-overview.png", full_page=True)
        browser.close()
