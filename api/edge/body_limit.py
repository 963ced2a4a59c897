"""A cap on request bodies, enforced before anything reads them."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.edge.responses import header, send_error


class BodyLimit:
    """Answers 413 to a body over the cap of its path, reading no more than the cap.

    A declared ``Content-Length`` over the cap is refused unread. A chunked body
    is read up to the cap (what the route would buffer anyway) and refused as
    soon as it passes it, so a client cannot make the API hold more than the cap.
    """

    def __init__(self, app: ASGIApp, *, default: int, by_path: Mapping[str, int]) -> None:
        self._app = app
        self._default = default
        self._by_path = dict(by_path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        limit = self._by_path.get(scope["path"], self._default)
        declared = header(scope, b"content-length")
        if declared is not None:
            text = declared.strip()
            if not (text.isascii() and text.isdigit()):
                await send_error(scope, send, 400, "Content-Length is not a number")
                return
            if int(text) > limit:
                await _too_large(scope, send, limit)
                return
            # The server holds the client to its declared length; nothing more to count.
            await self._app(scope, receive, send)
            return
        if header(scope, b"transfer-encoding") is None:
            await self._app(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body.extend(message.get("body", b""))
            if len(body) > limit:
                await _too_large(scope, send, limit)
                return
            if not message.get("more_body", False):
                break
        await self._app(scope, _replay(bytes(body), receive), send)


async def _too_large(scope: Scope, send: Send, limit: int) -> None:
    await send_error(
        scope, send, 413, f"request body is larger than {limit} bytes, the limit for this path"
    )


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: the disconnect, when it comes

    return replay
