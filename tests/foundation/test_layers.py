"""The dependency rule: pages and app.py go through arena.ui, features never touch storage."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_IN_PAGES = ("arena.storage", "sqlalchemy", "requests", "psycopg2")
FORBIDDEN_IN_FEATURES = ("streamlit", "sqlalchemy", "arena.storage", "arena.ui", "arena.bootstrap")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _violations(paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in paths
        for name in sorted(_imports(path))
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    ]


def test_pages_and_app_never_touch_storage_directly() -> None:
    dashboard = ROOT / "arena" / "dashboard"  # the app and its pages ship inside the package
    paths = [ROOT / "app.py", dashboard / "app.py", *sorted((dashboard / "pages").glob("*.py"))]
    assert _violations(paths, FORBIDDEN_IN_PAGES) == []


def test_feature_packages_never_import_streamlit_or_storage() -> None:
    paths = [
        path
        for package in ("ingest", "crm", "pricing", "demo")
        for path in sorted((ROOT / "arena" / package).rglob("*.py"))
    ]
    assert paths, "the feature packages exist"
    assert _violations(paths, FORBIDDEN_IN_FEATURES) == []


def test_every_module_of_the_package_sits_in_a_layer_of_the_import_contracts() -> None:
    """A module left out of the layers contract escapes every rule: `lint-imports` would stay
    green whatever it imports."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    layered = {
        name.strip()
        for contract in contracts if contract["type"] == "layers"
        for layer in contract["layers"]
        for name in layer.split("|")
    }
    modules = {
        f"arena.{path.stem if path.is_file() else path.name}"
        for path in (ROOT / "arena").iterdir()
        if (path.suffix == ".py" and path.stem != "__init__")
        or (path.is_dir() and (path / "__init__.py").exists())
    }
    assert modules - layered == set()


def test_sqlalchemy_is_imported_only_by_storage_and_the_composition_root() -> None:
    paths = [
        path for path in sorted((ROOT / "arena").rglob("*.py"))
        # Alembic runs the migrations (storage's schema history); nothing in arena imports them.
        if path.relative_to(ROOT / "arena").parts[0] not in ("storage", "bootstrap.py", "migrations")
    ]
    assert _violations(paths, ("sqlalchemy", "psycopg2", "alembic")) == []
