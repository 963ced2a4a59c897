"""Prometheus metrics the API exports on /metrics."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Final

from prometheus_client import Counter, Histogram
from starlette.requests import Request
from starlette.responses import Response

REQUESTS: Final = Counter(
    "kaizen_api_requests_total", "API requests by route and status", ["method", "route", "status"]
)
LATENCY: Final = Histogram("kaizen_api_request_seconds", "API request latency", ["method", "route"])
RUNS_STARTED: Final = Counter(
    "kaizen_runs_started_total", "Runs started or joined through the API", ["kind", "joined"]
)
APPROVAL_VOTES: Final = Counter(
    "kaizen_approval_votes_total", "Approval votes by outcome", ["source", "outcome"]
)
CHANGE_WINDOWS: Final = Counter(
    "kaizen_change_windows_total", "Change windows opened or closed by operators", ["action"]
)


async def record_request(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    started = time.perf_counter()
    response = await call_next(request)
    route = request.scope.get("route")
    # The route template, not the path, so run ids do not explode label cardinality.
    template = getattr(route, "path", "unmatched")
    LATENCY.labels(request.method, template).observe(time.perf_counter() - started)
    REQUESTS.labels(request.method, template, str(response.status_code)).inc()
    return response


SCHEDULER_DECISIONS: Final = Counter(
    "kaizen_healing_scheduler_decisions_total",
    "What the healing scheduler did with a trigger: proposal, join, backoff, skip",
    ["decision"],
)
SLACK_VOTES: Final = Counter(
    "kaizen_slack_votes_total",
    "Slack reactions and button presses by outcome (accepted, or why they were refused)",
    ["outcome"],
)
