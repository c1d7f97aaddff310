"""Overview, Import history and organization isolation, as a manager sees them in the app."""

from __future__ import annotations

from arena.ui.formatting import format_count, format_euros

PAGES = ("pages/overview.py", "pages/import_studio.py", "pages/import_history.py")


def _page_text(app) -> str:  # type: ignore[no-untyped-def]
    """Everything a page shows as text: headings, metrics, messages and table cells."""
    parts = [element.value for element in (*app.title, *app.caption, *app.markdown)]
    parts += [f"{metric.label} {metric.value}" for metric in app.metric]
    parts += [frame.value.to_csv() for frame in app.dataframe]
    parts += [" ".join(map(str, box.options)) for box in app.selectbox]
    return "\n".join(str(part) for part in parts)


def test_the_overview_shows_what_was_imported(two_clubs) -> None:  # type: ignore[no-untyped-def]
    arena, _, bob = two_clubs
    report = arena.load("pleyel", "weezevent.csv")  # same show, other ticketing system
    app = arena.app(bob)
    assert not app.exception
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Tickets sold"] == format_count(5 + report.rows_loaded)
    events = app.dataframe[0].value
    assert events["sold"].sum() == 5 + report.rows_loaded
    assert metrics["Revenue"] == format_euros(events["revenue"].sum(), 0)


def test_a_user_of_one_organization_never_sees_the_other_ones_events(two_clubs) -> None:  # type: ignore[no-untyped-def]
    arena, alice, bob = two_clubs
    for user, own, foreign in ((alice, "Semi-Marathon", "Concert"), (bob, "Concert", "Semi-Marathon")):
        app = arena.app(user)
        picker = app.sidebar.selectbox(key="sidebar_organization")
        assert len(picker.options) == 1, "the picker lists only the user's organization"
        for page in PAGES:
            app.switch_page(page).run()
            assert not app.exception
            text = _page_text(app)
            assert foreign not in text, f"{user.username} sees {foreign} on {page}"
        app.switch_page("pages/overview.py").run()
        assert own in _page_text(app)


def test_the_organization_picker_switches_every_figure(two_clubs) -> None:  # type: ignore[no-untyped-def]
    arena, _, _ = two_clubs
    both = arena.user("carol", "nantes", "pleyel")
    app = arena.app(both)
    picker = app.sidebar.selectbox(key="sidebar_organization")
    assert picker.options == ["Salle Pleyel", "Stade de Nantes"]  # by name, only hers
    first = _page_text(app)
    nantes = arena.organization("nantes", "Stade de Nantes")  # already there: returns its id
    picker.set_value(nantes).run()
    second = _page_text(app)
    assert "Concert" in first and "Semi-Marathon" not in first
    assert "Semi-Marathon" in second and "Concert" not in second


def test_a_filter_with_no_tickets_explains_itself(two_clubs) -> None:  # type: ignore[no-untyped-def]
    arena, alice, _ = two_clubs
    arena.organization("empty", "Empty club")
    app = arena.app(alice)
    season = app.sidebar.selectbox[1]
    assert season.label == "Season" and len(season.options) == 2  # All + the marathon's season
    season.set_value(season.options[1]).run()
    assert not app.exception and app.metric


def test_the_history_lists_each_import_and_undo_needs_a_confirmation(two_clubs) -> None:  # type: ignore[no-untyped-def]
    arena, _, bob = two_clubs
    app = arena.app(bob, "pages/import_history.py")
    history = app.dataframe[0].value
    assert list(history["file_name"]) == ["shotgun.csv"]
    assert history["rows_loaded"].iloc[0] == 5 and history["created_by"].iloc[0] == "tests"
    undo = app.button(key="history_undo")
    assert undo.disabled, "undo is disabled until the user confirms"
    app.checkbox[0].check().run()
    app.button(key="history_undo").click().run()
    assert not app.exception
    assert any("undone" in message.value for message in app.success)
    assert app.dataframe[0].value["status"].iloc[0] == "undone"
    app.switch_page("pages/overview.py").run()
    assert any("No data yet" in info.value for info in app.info), "the cached figures were cleared"
