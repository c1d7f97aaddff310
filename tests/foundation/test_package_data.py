"""What Arena opens at run time ships in the wheel and is found inside the package, not next to a
source checkout (the non-editable install itself is exercised by .ci/check-installed-wheel)."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

from arena.package_data import dashboard_app, migrations_dir, reference_dir, samples_dir

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "arena"


def test_run_time_files_are_found_inside_the_package() -> None:
    for path in (migrations_dir(), dashboard_app(), samples_dir(), reference_dir()):
        assert path.exists() and path.resolve().is_relative_to(PACKAGE)
    assert (migrations_dir() / "env.py").is_file()
    assert (dashboard_app().parent / "pages").is_dir()


def test_every_data_file_the_package_opens_is_declared_as_package_data() -> None:
    """Python modules are collected by package discovery; everything else needs a glob."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["arena"]
    shipped_folders = [migrations_dir(), dashboard_app().parent, samples_dir(), reference_dir()]
    undeclared = [
        str(path.relative_to(PACKAGE))
        for folder in shipped_folders
        for path in folder.rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and not any(fnmatch(str(path.relative_to(PACKAGE)), pattern) for pattern in patterns)
        and path.suffix != ".py"
    ]
    assert undeclared == []


def test_pages_of_the_checkout_are_the_packaged_pages() -> None:
    """`streamlit run app.py` from a checkout resolves `pages/x.py` to the packaged page."""
    assert (ROOT / "pages").resolve() == (dashboard_app().parent / "pages").resolve()
