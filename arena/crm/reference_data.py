"""Reference tables shipped inside the package (found with importlib.resources, not a path)."""

from __future__ import annotations

from importlib import resources
from typing import IO


def open_reference(name: str) -> IO[bytes]:
    """Open one file of `arena/crm/data/` for reading, wherever the package is installed."""
    return resources.files("arena.crm").joinpath("data", name).open("rb")
