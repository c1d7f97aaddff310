"""The Import studio: pick a file, map it (a field changed, constants typed), validate, import."""

from __future__ import annotations

from arena.storage.analytics import Scope, revenue_by
from tests.ui.conftest import SAMPLES, Arena

EVENTBRITE = SAMPLES / "eventbrite.csv"  # no event name nor date: they must be typed in


def _studio(arena: Arena, organization: str = "gala"):  # type: ignore[no-untyped-def]
    arena.organization(organization, "Gala de Lyon")
    user = arena.user("alice", organization)
    app = arena.app(user, "pages/import_studio.py")
    app.selectbox(key="studio_sample").set_value(EVENTBRITE).run()
    assert not app.exception
    return app


def _by_label(widgets, label: str):  # type: ignore[no-untyped-def]
    return next(widget for widget in widgets if widget.label == label)


def test_a_file_lacking_required_fields_cannot_be_imported_until_they_are_given(
    arena: Arena,
) -> None:
    app = _studio(arena)
    assert any("Still missing: Event name, Event date" in w.value for w in app.warning)
    assert not any(button.key == "studio_import" for button in app.button)
    _by_label(app.text_input, "Event name *").input("Gala de printemps")
    _by_label(app.text_input, "Event date *").input("20/06/2015 20:00").run()
    assert not app.warning
    assert any(button.key == "studio_import" for button in app.button)


def test_the_detection_is_shown_and_can_be_changed(arena: Arena) -> None:
    app = _studio(arena)
    assert app.selectbox(key=next(k for k in _keys(app) if k.startswith("studio_enc_"))).value == "utf-8"
    delimiter = app.selectbox(key=next(k for k in _keys(app) if k.startswith("studio_delim_")))
    assert delimiter.value == ","
    preview = app.dataframe[0].value
    assert "Order #" in preview.columns and len(preview) == 5
    delimiter.set_value(";").run()
    assert not app.exception
    assert len(app.dataframe[0].value.columns) == 1, "the preview follows the chosen delimiter"


def _keys(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [box.key for box in app.selectbox if box.key]


def test_mapping_validating_and_importing_a_file_the_way_the_user_chose(arena: Arena) -> None:
    app = _studio(arena)
    _by_label(app.text_input, "Event name *").input("Gala de printemps")
    _by_label(app.text_input, "Event date *").input("20/06/2015 20:00").run()
    _by_label(app.selectbox, "Field for Price Tier").set_value("channel").run()
    app.button(key="studio_validate").click().run()
    assert not app.exception
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Valid rows"] == "5" and metrics["Rejected rows"] == "0"
    assert any("Nothing has been written yet" in c.value for c in app.caption)
    assert revenue_by(arena.engine(), Scope(1), "channel").empty, "validation wrote nothing"

    app.button(key="studio_import").click().run()
    assert not app.exception
    assert any("5 new tickets" in message.value for message in app.success)
    channels = revenue_by(arena.engine(), Scope(1), "channel")
    assert list(channels["name"]) == ["Standard"], "the user's choice of field was imported"

    app.switch_page("pages/overview.py").run()
    assert "Gala de printemps" in app.dataframe[0].value["event"].tolist()
    app.switch_page("pages/import_history.py").run()
    assert app.dataframe[0].value["file_name"].tolist() == ["eventbrite.csv"]


def test_the_mapping_used_last_time_is_applied_to_the_same_export_format(arena: Arena) -> None:
    app = _studio(arena)
    _by_label(app.text_input, "Event name *").input("Gala de printemps")
    _by_label(app.text_input, "Event date *").input("20/06/2015 20:00").run()
    _by_label(app.selectbox, "Field for Price Tier").set_value("channel").run()
    app.button(key="studio_template").click().run()
    assert not app.exception

    again = arena.app(app.session_state["arena.user"], "pages/import_studio.py")
    again.selectbox(key="studio_sample").set_value(EVENTBRITE).run()
    assert any("applied automatically" in message.value for message in again.success)
    assert _by_label(again.selectbox, "Field for Price Tier").value == "channel"
    assert _by_label(again.text_input, "Event name *").value == "Gala de printemps"
    assert not again.warning
