"""The customer-profile store for pages: built once per process, its failures shown in one sentence.

A page wraps its profile-store calls in ``profile_store_errors_shown()``: an unreachable Riak node,
a mistyped bucket type or a node still starting becomes one error message on the page (the
sentence the store wrote for a person), never a traceback, and the page stops there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import streamlit as st

from arena.crm.profiles import ProfileStore, ProfileStoreError
from arena.ui.services import get_services


def _show_and_stop(error: ProfileStoreError) -> NoReturn:
    st.error(str(error), icon=":material/cloud_off:")
    st.stop()


@contextmanager
def profile_store_errors_shown() -> Iterator[None]:
    try:
        yield
    except ProfileStoreError as error:
        _show_and_stop(error)


def profile_store() -> ProfileStore:
    """The store the composition root chose (Riak opened and its bucket type checked once)."""
    try:
        return get_services().profile_store
    except ProfileStoreError as error:
        _show_and_stop(error)
