"""Riak KV's HTTP API as a client: bounded retries, and which answers mean "not ready, try again".

A real node answers in three ways while it is not ready, all measured on Riak KV 3.2.2:

* connection refused (not started), or ``503`` (overloaded, request timed out inside Riak);
* for about 2 s after start, ``404`` with an HTML page on *every* route, ``/ping`` included
  (the web routes are not registered yet), where a missing object answers ``404`` in plain text;
* for about 10 s more, ``/ping`` says ``200 OK`` while reads answer ``500 {insufficient_vnodes,…}``,
  writes ``500 all_nodes_down`` and index queries a ``500`` HTML page with
  ``insufficient_vnodes_available`` (the partitions are not up yet).

All of these are retried with a jittered exponential backoff, then reported as one sentence
(``ProfileStoreUnavailable``). Any other unexpected answer is one sentence too, never a raw body.
"""

from __future__ import annotations

import random
import time
from typing import Any

import requests

from arena.crm.profiles import ProfileStoreError, ProfileStoreUnavailable

# Requests that may be retried after a timeout without risking a double write.
SAFE_METHODS = frozenset({"GET", "HEAD", "DELETE"})
# Markers of a 500 that means "the node's partitions are not available", not "your request is
# wrong": the coordinator did not write anything, so retrying is safe for every method.
NOT_READY_MARKERS = (
    "insufficient_vnodes",
    "all_nodes_down",
    "pr_val_unsatisfied",
    "pw_val_unsatisfied",
)
STARTING_ADVICE = (
    "wait until the node has started (`riak admin wait-for-service riak_kv`) and try again"
)
UNREACHABLE_ADVICE = (
    "check that the node runs and that ARENA_RIAK_URL points at its HTTP port (8098), or unset "
    "ARENA_RIAK_URL to keep profiles in the relational database"
)


def is_html_404(response: requests.Response) -> bool:
    """A 404 page: every route while the node starts, an unknown bucket type's index or props."""
    content_type = response.headers.get("Content-Type", "")
    return response.status_code == 404 and content_type.startswith("text/html")


def not_ready_reason(response: requests.Response, *, html_404_is_starting: bool = True) -> str | None:
    """Why an answer means the node is not ready to serve (retry later), or None."""
    if response.status_code == 503:
        return "it answered 503 (overloaded)"
    if html_404_is_starting and is_html_404(response):
        return "it answers 404 pages on every route (it is still starting)"
    if response.status_code == 500 and any(marker in response.text for marker in NOT_READY_MARKERS):
        return "its partitions are not up yet (insufficient_vnodes)"
    return None


def answer_summary(response: requests.Response) -> str:
    """``500 Error: {too_many_siblings,101}``: a status and the first words of Riak's reason."""
    text = response.text
    if response.headers.get("Content-Type", "").startswith("text/html"):
        text = ""  # an HTML error page says nothing a person needs to read
    words = " ".join(text.split())[:160].rstrip(". ")
    return f"{response.status_code} {words}".strip()


class RiakHttp:
    """Sends requests to one Riak node, retrying what a node that is not ready answers."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 5.0,
        retries: int = 3,
        backoff_seconds: float = 0.1,
        session: requests.Session | None = None,
    ) -> None:
        if retries < 0:
            raise ValueError("retries cannot be negative")
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff_seconds = backoff_seconds
        self.session = session or requests.Session()

    def request(
        self, method: str, path: str, *, html_404_is_starting: bool = True, **kwargs: Any
    ) -> requests.Response:
        """One call to ``self.url + path``, retried ``retries`` times while the node is not ready.

        ``html_404_is_starting=False`` returns an HTML 404 instead of retrying it, for routes
        where it may also mean an unknown bucket type (the caller asks /ping to tell them apart).
        """
        failure, advice = "", STARTING_ADVICE
        started = time.monotonic()
        for attempt in range(self.retries + 1):
            if attempt:
                pause = self.backoff_seconds * 2 ** (attempt - 1)
                time.sleep(pause * random.uniform(0.5, 1.0))
            try:
                response = self.session.request(
                    method, f"{self.url}{path}", timeout=self.timeout, **kwargs
                )
            except requests.ConnectionError as error:
                failure = f"it is unreachable ({error.__class__.__name__})"
                advice = UNREACHABLE_ADVICE
                continue
            except requests.Timeout as error:
                # A PUT that timed out may have been applied: retrying it blindly could write
                # twice, so only reads and deletes are retried.
                if method not in SAFE_METHODS:
                    raise ProfileStoreUnavailable(
                        f"Riak at {self.url} did not answer {method} within {self.timeout:g} s, "
                        "so the write may or may not have been applied."
                    ) from error
                failure = f"it did not answer within {self.timeout:g} s"
                advice = UNREACHABLE_ADVICE
                continue
            reason = not_ready_reason(response, html_404_is_starting=html_404_is_starting)
            if reason is None:
                return response
            failure, advice = reason, STARTING_ADVICE
        elapsed = time.monotonic() - started
        raise ProfileStoreUnavailable(
            f"Riak at {self.url} is not ready: {failure}, still after {self.retries + 1} "
            f"attempts over {elapsed:.1f} s; {advice}."
        )

    def unexpected(self, response: requests.Response, what: str) -> ProfileStoreError:
        """The one-sentence error for an answer the adapter has no rule for."""
        return ProfileStoreError(
            f"Riak at {self.url} answered {answer_summary(response)} to {what}."
        )
