"""The dashboard starts and shows its navigation."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "app.py"


def test_the_app_renders_without_exceptions() -> None:
    app = AppTest.from_file(str(APP), default_timeout=30).run()
    assert not app.exception
    assert any("Arena" in title.value for title in app.title)
