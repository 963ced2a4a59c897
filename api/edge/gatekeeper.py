"""Authentication and rate limits, before any route reads the request.

FastAPI parses a body before it resolves dependencies, so authentication in a
dependency let strangers make the API parse (and answer about) bodies they had
no right to send. Here a request without a valid key is refused from its
headers alone.

Limits, each a token bucket per API process:

- per client address, for requests without a key (public and Slack-signed paths
  included);
- per client address, for failed authentications: hardest, so keys cannot be
  guessed; once spent, even a correct key waits;
- per API key, for authenticated requests.

With N API replicas a caller can reach N times each limit (the buckets are not
shared); the README says so, and the limits are set per replica.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Final

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from starlette.types import ASGIApp, Receive, Scope, Send

from api.edge.responses import header, send_error
from api.edge.token_bucket import TokenBuckets, retry_after
from api.metrics import EDGE_REFUSALS
from api.principal import Principal
from kaizen.persistence.api_keys import Role, authenticate
from kaizen.settings import Settings

log = logging.getLogger("kaizen.api")

PUBLIC_PATHS: Final = frozenset(
    {"/healthz", "/readyz", "/metrics", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"}
)
# Slack signs these; their router verifies the signature over the raw body.
SIGNED_PREFIX: Final = "/v1/slack/"
FAILED_AUTH_BURST: Final = 10.0
BEARER_CHALLENGE: Final = ("www-authenticate", "Bearer")


class Gatekeeper:
    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self._app = app
        self._anonymous = TokenBuckets(
            settings.rate_limit_per_client, 2 * settings.rate_limit_per_client
        )
        self._failed = TokenBuckets(settings.rate_limit_failed_auth, FAILED_AUTH_BURST)
        self._per_key = TokenBuckets(settings.rate_limit_per_key, 2 * settings.rate_limit_per_key)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        path: str = scope["path"]
        client = _client_address(scope)
        authorization = header(scope, b"authorization")
        if path in PUBLIC_PATHS or path.startswith(SIGNED_PREFIX) or authorization is None:
            wait = self._anonymous.take(client)
            if wait:
                await _too_many(scope, send, "client", wait)
                return
            if path in PUBLIC_PATHS or path.startswith(SIGNED_PREFIX):
                await self._app(scope, receive, send)
                return
            await self._unauthorized(
                scope, send, "missing Authorization header; send `Authorization: Bearer <key>`"
            )
            return
        wait = self._failed.wait(client)
        if wait:
            await _too_many(scope, send, "failed_auth", wait)
            return
        key = _bearer_key(authorization)
        if key is None:
            self._failed.take(client)
            await self._unauthorized(scope, send, "Authorization header must be `Bearer <key>`")
            return
        engine: Engine = scope["app"].state.engine
        try:
            principal = await asyncio.to_thread(_principal_for, engine, key)
        except SQLAlchemyError as error:
            log.error("cannot check an API key: the database failed: %s", error)
            await send_error(scope, send, 503, "the database is unavailable; retry shortly")
            return
        if principal is None:
            self._failed.take(client)
            await self._unauthorized(scope, send, "unknown or revoked API key")
            return
        wait = self._per_key.take(principal.name)
        if wait:
            await _too_many(scope, send, "key", wait)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self._app(scope, receive, send)

    async def _unauthorized(self, scope: Scope, send: Send, message: str) -> None:
        EDGE_REFUSALS.labels("unauthenticated").inc()
        await send_error(scope, send, 401, message, headers=[BEARER_CHALLENGE])


async def _too_many(scope: Scope, send: Send, limit: str, wait: float) -> None:
    EDGE_REFUSALS.labels(f"rate_limited_{limit}").inc()
    message = {
        "client": "too many requests from this address",
        "failed_auth": "too many failed authentications from this address",
        "key": "too many requests with this API key",
    }[limit]
    seconds = retry_after(wait)
    await send_error(
        scope, send, 429, f"{message}; retry in {seconds} s", headers=[("retry-after", seconds)]
    )


def _client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _bearer_key(authorization: bytes) -> str | None:
    # Header bytes are whatever the client sent; keys are ASCII, anything else is no key.
    try:
        text = authorization.decode("ascii")
    except UnicodeDecodeError:
        return None
    scheme, _, key = text.partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key or len(key) > 512:
        return None
    return key


def _principal_for(engine: Engine, key: str) -> Principal | None:
    with Session(engine) as session:
        row = authenticate(session, key)
        return None if row is None else Principal(name=row.name, role=Role.parse(row.role))
