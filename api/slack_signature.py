"""Slack's request signature, checked over the raw body before anything reads it.

Both headers are a stranger's text until the signature matches, so each is held to
the exact form Slack sends (ASCII digits; ``v0=`` and 64 lower-case hex digits)
before it is used: ``str.isdigit()`` accepts superscripts that ``int()`` refuses,
and ``hmac.compare_digest`` raises on non-ASCII text. The body stays bytes
throughout; whether it is UTF-8 is a question for after the signature.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Final, Literal

MAX_AGE_SECONDS: Final = 300
"""Slack's own replay window for signed requests."""

_STAMP: Final = re.compile(r"[0-9]{1,12}")
_SIGNATURE: Final = re.compile(r"v0=[0-9a-f]{64}")
# Enough of a refused header for the audit row to say what it was, and no more.
_SHOWN_CHARS: Final = 40


class SignatureRefused(Exception):
    """The request is not provably from Slack; ``reason`` is its audit reason."""

    def __init__(self, reason: Literal["stale", "bad_signature"], detail: str) -> None:
        super().__init__(detail)
        self.reason: Literal["stale", "bad_signature"] = reason
        self.detail = detail


def verify_slack_signature(
    body: bytes, *, timestamp: str | None, signature: str | None, secret: str, now: float
) -> None:
    """Return when ``signature`` is Slack's HMAC of ``body`` at a fresh ``timestamp``;
    raise SignatureRefused otherwise."""
    if timestamp is None or not _STAMP.fullmatch(timestamp):
        raise SignatureRefused(
            "stale", f"missing or malformed request timestamp {_shown(timestamp)}"
        )
    if abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        raise SignatureRefused("stale", f"request timestamp {timestamp} outside 5 minutes")
    if signature is None or not _SIGNATURE.fullmatch(signature):
        raise SignatureRefused(
            "bad_signature", f"missing or malformed Slack signature {_shown(signature)}"
        )
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    expected = b"v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest().encode()
    if not hmac.compare_digest(expected, signature.encode("ascii")):
        raise SignatureRefused("bad_signature", "the Slack signature does not match")


def _shown(header: str | None) -> str:
    if header is None:
        return "(missing)"
    return repr(header[:_SHOWN_CHARS]) + ("…" if len(header) > _SHOWN_CHARS else "")
