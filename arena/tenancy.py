"""Whose data it is: the organization a request acts for, resolved once where the request
enters Arena (the command line's `--org`, the dashboard's organization picker) and passed down
as this one type, so no lower layer looks the slug up again."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Organization:
    """An organization (a club, a venue, a promoter): `id` keys its rows, `slug` is the short
    name users type (`--org`), `name` the one they read."""

    id: int
    slug: str
    name: str
