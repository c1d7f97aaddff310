"""Unsubscribe links that cannot be forged, and the RFC 8058 one-click headers that carry them.

Each message carries a link with a token: the organization, the campaign, the customer and the
channel, signed with HMAC-SHA256 under a secret the server keeps. The page (or endpoint) behind
the link reads the token back with `read_unsubscribe_token` and appends an ``unsubscribed``
consent record; a token someone edited (another customer id) fails the signature.

RFC 8058: ``List-Unsubscribe: <https://…>`` (RFC 2369) plus
``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` lets mail clients offer an unsubscribe
button that POSTs to the link without opening a page; Gmail and Yahoo require it of bulk senders.
The mail must also be DKIM-signed by the sending domain with both headers covered — the relay's
job (Brevo, a hosted SMTP, or the venue's own MTA), not Arena's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass

_SIGNATURE_BYTES = 16  # 128 bits: unguessable, and the link stays short


@dataclass(frozen=True)
class UnsubscribeRequest:
    organization: str
    campaign_id: str
    customer_id: str
    channel: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def unsubscribe_token(secret: bytes, organization: str, campaign_id: object,
                      customer_id: object, channel: str = "email") -> str:
    """A URL-safe token naming who unsubscribes from what, signed with ``secret``."""
    if len(secret) < 16:
        raise ValueError("the unsubscribe secret must be at least 16 bytes long")
    payload = json.dumps([organization, str(campaign_id), str(customer_id), channel],
                         separators=(",", ":")).encode("utf-8")
    signature = hmac.new(secret, payload, hashlib.sha256).digest()[:_SIGNATURE_BYTES]
    return f"{_b64(payload)}.{_b64(signature)}"


def read_unsubscribe_token(secret: bytes, token: str) -> UnsubscribeRequest | None:
    """The request a token carries, or None when it was not signed with ``secret``."""
    try:
        payload_text, signature_text = token.split(".", 1)
        payload, signature = _unb64(payload_text), _unb64(signature_text)
    except (ValueError, TypeError):
        return None
    expected = hmac.new(secret, payload, hashlib.sha256).digest()[:_SIGNATURE_BYTES]
    if not hmac.compare_digest(signature, expected):
        return None
    try:
        organization, campaign_id, customer_id, channel = json.loads(payload)
    except (ValueError, TypeError):
        return None
    return UnsubscribeRequest(organization, campaign_id, customer_id, channel)


def unsubscribe_url(template: str, token: str) -> str:
    """The link for one recipient: ``template`` holds ``{token}``
    (e.g. ``https://billetterie.example.fr/desinscription?t={token}``) and must be https."""
    if "{token}" not in template:
        raise ValueError("the unsubscribe URL template must contain {token}")
    if not template.lower().startswith("https://"):
        raise ValueError("RFC 8058 one-click unsubscribe links must be https")
    return template.replace("{token}", token)


def list_unsubscribe_headers(url: str, mailto: str | None = None) -> dict[str, str]:
    """The two headers of RFC 8058 (a mailto alternative is added when given)."""
    targets = [f"<{url}>"] + ([f"<mailto:{mailto}?subject=unsubscribe>"] if mailto else [])
    return {"List-Unsubscribe": ", ".join(targets),
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
