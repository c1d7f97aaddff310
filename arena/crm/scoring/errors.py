"""The errors scoring raises: each says in one sentence what is wrong and what to do."""

from __future__ import annotations


class ScoringError(Exception):
    """Base class of every scoring error."""


class ScoringInputError(ScoringError, ValueError):
    """The data given to a scoring model is not usable as it is (missing column, bad values)."""


class TooLittleHistory(ScoringError):
    """There is not enough history to train or validate a model honestly."""


class NotFittedError(ScoringError, RuntimeError):
    """A model was used before ``fit``."""


def require_columns(frame: object, columns: tuple[str, ...], what: str) -> None:
    """Raise ``ScoringInputError`` naming the first required column ``frame`` lacks."""
    present = set(getattr(frame, "columns", ()))
    missing = [column for column in columns if column not in present]
    if missing:
        raise ScoringInputError(
            f"The {what} lack the column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(c) for c in missing)} (required: {', '.join(columns)})."
        )
