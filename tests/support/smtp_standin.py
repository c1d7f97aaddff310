"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the campaign-sending tests.

It speaks the real protocol — EHLO, STARTTLS, AUTH, MAIL/RCPT/DATA — so the tests exercise
`smtplib` exactly as against a relay. It keeps every message it accepted, refuses the
recipients it is told to refuse (550), and can require a login and TLS.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class ReceivedMessage:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class SmtpStandIn:
    host: str = "127.0.0.1"
    port: int = 0
    received: list[ReceivedMessage] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)
    try_later: bool = False  # answer 451 (temporary failure) to every recipient
    logins: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def recipients(self) -> list[str]:
        with self.lock:
            return [to for item in self.received for to in item.rcpt_tos]


class _Handler:
    def __init__(self, stand_in: SmtpStandIn) -> None:
        self.stand_in = stand_in

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          rcpt_options: list[str]) -> str:
        if self.stand_in.try_later:
            return "451 4.3.0 Try again later"
        if address in self.stand_in.refused:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.original_content or envelope.content,
                                     policy=policy.default)
        with self.stand_in.lock:
            self.stand_in.received.append(
                ReceivedMessage(envelope.mail_from, list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 2.0.0 Ok: queued"


class _FreePortController(Controller):
    """aiosmtpd's Controller listening on a port the system picks (port 0)."""

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@contextmanager
def smtp_stand_in(*, user: str | None = None, password: str | None = None,
                  tls_context: ssl.SSLContext | None = None, implicit_tls: bool = False,
                  require_starttls: bool = False) -> Iterator[SmtpStandIn]:
    """Serve SMTP on a free port of 127.0.0.1 for the block's duration.

    ``user``/``password``: AUTH is required and only these credentials pass.
    ``tls_context``: STARTTLS offered (or, with ``implicit_tls``, TLS from the first byte).
    """
    stand_in = SmtpStandIn()

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str,
                     auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            login, secret = auth_data.login.decode(), auth_data.password.decode()
            stand_in.logins.append((login, secret))
            if login == user and secret == password:
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    options: dict[str, Any] = {"hostname": "127.0.0.1", "port": 0}
    if user is not None:
        options.update(authenticator=authenticate, auth_required=True,
                       # With TLS from the first byte the session is encrypted already.
                       auth_require_tls=tls_context is not None and not implicit_tls)
    if tls_context is not None and implicit_tls:
        options["ssl_context"] = tls_context
    elif tls_context is not None:
        options.update(tls_context=tls_context, require_starttls=require_starttls)
    controller = _FreePortController(_Handler(stand_in), **options)
    controller.start()
    stand_in.port = controller.port
    try:
        yield stand_in
    finally:
        controller.stop()
