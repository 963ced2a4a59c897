"""Every request, counted and logged with bounded labels.

Labels are the route template (``/v1/runs/{run_id}``), never the raw path, and
the method from a fixed set: a stranger choosing paths or method names must not
be able to mint new time series.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any, Final

from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.metrics import LATENCY, REQUESTS

log = logging.getLogger("kaizen.api.requests")

KNOWN_METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED: Final = "unmatched"


class RequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers when the app fails before answering

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self._app(scope, receive, observed_send)
        finally:
            elapsed = time.perf_counter() - started
            method = scope["method"] if scope["method"] in KNOWN_METHODS else "other"
            route = _route_template(scope)
            LATENCY.labels(method, route).observe(elapsed)
            REQUESTS.labels(method, route, str(status)).inc()
            principal = scope.get("state", {}).get("principal")
            log.info(
                "%s %s %d %.1fms %s",
                method,
                route,
                status,
                elapsed * 1000,
                principal.name if principal is not None else "-",
            )


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    if route is not None:
        return str(getattr(route, "path", UNMATCHED))
    # Refused at the edge, before routing: the template the path would have reached.
    app = scope.get("app")
    if app is None:
        return UNMATCHED
    for pattern, template in _templates(app):
        if pattern.match(scope["path"]):
            return template
    return UNMATCHED


def _templates(app: Any) -> list[tuple[re.Pattern[str], str]]:
    compiled: list[tuple[re.Pattern[str], str]] | None = getattr(app.state, "route_templates", None)
    if compiled is None:
        # The documented paths are the routes a caller can reach.
        compiled = [(compile_path(path)[0], path) for path in app.openapi()["paths"]]
        app.state.route_templates = compiled
    return compiled
