"""Errors a user can cause and fix: the CLI prints their one-sentence message, no traceback."""


class ArenaUserError(Exception):
    """A mistake in the input or the command (bad file, unknown organization, missing field)."""
