"""``ARENA_SMTP_URL`` read into a sending configuration, with the password kept out of messages.

Form: ``smtp://user:password@host:587`` (STARTTLS when the server offers it) or
``smtps://user:password@host:465`` (TLS from the first byte). Query parameters:
``from`` (the sender address, e.g. ``from=billetterie%40club.fr``), ``rate`` (messages per
second, 5 by default — relays throttle or block bursts), ``starttls`` (``auto``, ``required`` or
``off``) and ``timeout`` (seconds, 30). User and password are percent-encoded in the URL like
any URL's (``@`` in a user name is ``%40``).

A password is never sent in clear: on ``smtp://`` without STARTTLS, credentials are only used
with a server on this machine (127.0.0.1, ::1, localhost) or when ``starttls=off`` says the
administrator knows the link is private.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, unquote, urlsplit

from arena.config import Settings

DEFAULT_PORTS = {"smtp": 587, "smtps": 465}
DEFAULT_RATE_PER_SECOND = 5.0
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


class SmtpConfigError(ValueError):
    """ARENA_SMTP_URL cannot be used; the message never contains the password."""


@dataclass(frozen=True)
class SmtpConfig:
    scheme: str  # smtp or smtps
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str | None = None
    rate_per_second: float = DEFAULT_RATE_PER_SECOND
    starttls: str = "auto"  # auto, required, off (smtp:// only)
    timeout_s: float = 30.0

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        """Read an ``smtp://`` or ``smtps://`` URL (see the module docstring)."""
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS:
            raise SmtpConfigError(f"ARENA_SMTP_URL must start with smtp:// or smtps://, got "
                                  f"{redact_url(url)!r}")
        if not parts.hostname:
            raise SmtpConfigError(f"ARENA_SMTP_URL names no server: {redact_url(url)!r}")
        try:
            port = parts.port or DEFAULT_PORTS[scheme]
        except ValueError as error:
            raise SmtpConfigError(f"ARENA_SMTP_URL has an invalid port: {redact_url(url)!r}") \
                from error
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        unknown = set(query) - {"from", "rate", "starttls", "timeout"}
        if unknown:
            raise SmtpConfigError(f"ARENA_SMTP_URL has unknown parameters {sorted(unknown)}; "
                                  "known: from, rate, starttls, timeout")
        starttls = query.get("starttls", "auto").lower()
        if starttls not in {"auto", "required", "off"}:
            raise SmtpConfigError("starttls is auto, required or off")
        try:
            rate = float(query.get("rate", DEFAULT_RATE_PER_SECOND))
            timeout = float(query.get("timeout", 30))
        except ValueError as error:
            raise SmtpConfigError("rate and timeout are numbers") from error
        if rate <= 0 or timeout <= 0:
            raise SmtpConfigError("rate and timeout must be positive")
        username = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password is not None else None
        return cls(scheme, parts.hostname, port, username, password, query.get("from"), rate,
                   starttls, timeout)

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig | None:
        """The configuration, or None when ``ARENA_SMTP_URL`` is unset (no sending offered)."""
        return cls.from_url(settings.smtp_url) if settings.smtp_url else None

    @property
    def uses_implicit_tls(self) -> bool:
        return self.scheme == "smtps"

    @property
    def is_loopback(self) -> bool:
        return self.host.lower() in LOOPBACK_HOSTS

    def redacted_url(self) -> str:
        """The URL as it may be shown or logged: the password replaced by ``***``."""
        user = f"{quote(self.username, safe='')}:***@" if self.username else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{user}{host}:{self.port}"

    def redact(self, text: str) -> str:
        """``text`` (an error message, a server reply) with the password removed."""
        if not self.password:
            return text
        for secret in {self.password, quote(self.password, safe=""), quote(self.password)}:
            if secret:
                text = text.replace(secret, "***")
        return text


def redact_url(text: str) -> str:
    """Any ``scheme://user:password@`` in ``text`` with the password replaced by ``***``."""
    out, rest = [], text
    while "://" in rest:
        head, tail = rest.split("://", 1)
        authority_end = min((i for i in (tail.find("/"), tail.find("?"), tail.find("#"))
                             if i >= 0), default=len(tail))
        authority = tail[:authority_end]
        if "@" in authority:
            userinfo, hostpart = authority.rsplit("@", 1)
            if ":" in userinfo:
                userinfo = userinfo.split(":", 1)[0] + ":***"
            authority = f"{userinfo}@{hostpart}"
        out.append(f"{head}://{authority}")
        rest = tail[authority_end:]
    out.append(rest)
    return "".join(out)
