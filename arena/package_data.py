"""Files Arena needs at run time, shipped inside the package and found with importlib.resources.

The migrations, the dashboard's scripts, the vendor sample exports and the demo's reference tables
live under ``arena/`` so that a wheel carries them (``[tool.setuptools.package-data]``) and a
non-editable install finds them exactly where a source checkout does.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def package_path(*parts: str) -> Path:
    """A file or folder inside the installed ``arena`` package, as a real path on disk.

    Alembic and Streamlit open paths, not resources, so the package must be installed as files
    (every pip install is; a zipped import is refused here in one sentence)."""
    resource = files("arena").joinpath(*parts)
    path = Path(str(resource))
    if not path.exists():
        raise FileNotFoundError(
            f"Arena's {'/'.join(parts)} is missing from the installed package at {path}; "
            "reinstall Arena from a wheel or a source checkout."
        )
    return path


def migrations_dir() -> Path:
    return package_path("migrations")


def dashboard_app() -> Path:
    return package_path("dashboard", "app.py")


def samples_dir() -> Path:
    return package_path("data", "samples")


def reference_dir() -> Path:
    return package_path("data", "reference")
