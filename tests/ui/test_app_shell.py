"""The frame: login, the organization picker, navigation and empty states."""

from __future__ import annotations

from tests.ui.conftest import PASSWORD, Arena

PAGES = ("pages/overview.py", "pages/import_studio.py", "pages/import_history.py")


def test_an_anonymous_visitor_sees_only_the_login_form(arena: Arena) -> None:
    app = arena.app(user=None)
    assert not app.exception
    assert [box.label for box in app.text_input] == ["Username", "Password"]
    assert not app.sidebar.selectbox  # no organization picker, no data before login


def test_a_user_logs_in_with_the_right_password_only(arena: Arena) -> None:
    arena.organization("nantes", "Stade de Nantes")
    arena.user("alice", "nantes")
    app = arena.app(user=None)
    app.text_input(key="login_username").input("alice")
    app.text_input(key="login_password").input("not the password")
    app.button[0].click().run()
    assert any("wrong password" in error.value for error in app.error)
    app.text_input(key="login_password").input(PASSWORD)
    app.button[0].click().run()
    assert not app.exception
    assert app.sidebar.selectbox(key="sidebar_organization").value is not None
    assert [title.value for title in app.title] == ["Overview"]


def test_every_page_renders_on_an_empty_database_and_says_what_to_do(arena: Arena) -> None:
    arena.organization("nantes", "Stade de Nantes")
    alice = arena.user("alice", "nantes")
    app = arena.app(alice)
    assert not app.exception
    assert any("No data yet" in info.value for info in app.info)
    for page in PAGES[1:]:
        app.switch_page(page).run()
        assert not app.exception, page
        assert app.info, f"{page} shows an empty state"


def test_every_page_renders_on_imported_data(two_clubs) -> None:  # type: ignore[no-untyped-def]
    arena, alice, _ = two_clubs
    app = arena.app(alice)
    for page in PAGES:
        app.switch_page(page).run()
        assert not app.exception, page


def test_a_user_without_organization_sees_no_data_and_is_told_why(arena: Arena) -> None:
    arena.organization("nantes", "Stade de Nantes")
    arena.load("nantes", "shotgun.csv")
    loner = arena.user("loner")
    app = arena.app(loner)
    assert not app.exception
    assert any("no organization" in info.value for info in app.info)
    assert not app.metric and not app.dataframe
