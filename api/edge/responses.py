"""Answers the edge sends itself, in the API's error shape ``{"error": ..., "problems": ...}``."""

from __future__ import annotations

import json
from collections.abc import Iterable

from starlette.types import Scope, Send


def header(scope: Scope, name: bytes) -> bytes | None:
    """The first value of a request header (names are lower-case in ASGI)."""
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return None


def has_body(scope: Scope) -> bool:
    length = header(scope, b"content-length")
    return header(scope, b"transfer-encoding") is not None or (
        length is not None and length.strip() not in (b"", b"0")
    )


async def send_error(
    scope: Scope,
    send: Send,
    status: int,
    message: str,
    *,
    headers: Iterable[tuple[str, str]] = (),
) -> None:
    """Answer ``status`` with a JSON error, without reading the request's body.

    A request whose body is left unread asks for the connection to be closed:
    otherwise the server would read (and discard) the rest to reuse it, which is
    exactly the work a refusal is meant to spare.
    """
    body = json.dumps({"error": message}).encode()
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *((name.encode("latin-1"), value.encode("latin-1")) for name, value in headers),
    ]
    if has_body(scope):
        raw_headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})
