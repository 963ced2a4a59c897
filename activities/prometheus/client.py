"""Instant PromQL queries over Prometheus's HTTP API, failures sorted into final and transient."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import httpx

# 400: the query does not parse; 422: it parses but cannot be evaluated. Either way the same
# query fails the same way next time. Other 4xx (401, 404) are configuration: also final.
_TRANSIENT_CLIENT_STATUSES: Final = frozenset({408, 429})


@dataclass(frozen=True)
class Sample:
    """One value of an instant query."""

    labels: dict[str, str]
    """The series' labels (``__name__`` included unless the query drops it); empty for a scalar."""
    value: float
    """Prometheus writes NaN and ±Inf as strings; they arrive here as floats."""


@dataclass(frozen=True)
class RangeSeries:
    """One series of a range query: its labels and (Unix time, value) points."""

    labels: dict[str, str]
    points: list[tuple[float, float]]


class PrometheusQueryError(RuntimeError):
    """A query that gave no answer; ``retryable`` tells whether asking again can help.

    Activities turn this into a Temporal failure: non-retryable for a bad query, so a typo in
    PromQL fails the run at once instead of burning its retry budget.
    """

    def __init__(self, message: str, *, error_type: str, retryable: bool) -> None:
        super().__init__(message)
        self.error_type = error_type
        """Prometheus's errorType (``bad_data``, ``execution``, ``timeout``...) or ours:
        ``unavailable``, ``bad_response``, ``unsupported_result``."""
        self.retryable = retryable


class PrometheusClient:
    """One connection pool per worker process; closed with the worker's other clients."""

    def __init__(self, base_url: str, timeout_seconds: float = 5.0) -> None:
        self._base_url = base_url
        self._timeout_seconds = timeout_seconds
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout_seconds)

    async def _post(self, path: str, promql: str, extra: dict[str, str]) -> dict[str, Any]:
        """POST a query; its successful JSON body, or PrometheusQueryError saying why not."""
        try:
            # POST: a long PromQL expression does not fit every proxy's URL limit.
            reply = await self._http.post(
                path,
                # Prometheus abandons the evaluation when we stop waiting for it.
                data={"query": promql, "timeout": str(self._timeout_seconds), **extra},
            )
        except httpx.TimeoutException as error:
            raise PrometheusQueryError(
                f"Prometheus at {self._base_url} gave no answer within {self._timeout_seconds}s",
                error_type="timeout",
                retryable=True,
            ) from error
        except httpx.TransportError as error:
            raise PrometheusQueryError(
                f"cannot reach Prometheus at {self._base_url}: {error!r}",
                error_type="unavailable",
                retryable=True,
            ) from error
        body = _json_object(reply)
        if reply.status_code != 200 or body is None or body.get("status") != "success":
            raise _refusal(reply, body, promql)
        return body

    async def query(self, promql: str) -> list[Sample]:
        """Evaluate ``promql`` now; a vector gives one sample per series, a scalar one sample."""
        body = await self._post("/api/v1/query", promql, {})
        return _samples(body["data"], promql)

    async def query_range(
        self, promql: str, *, start: float, end: float, step_seconds: float
    ) -> list[RangeSeries]:
        """Evaluate ``promql`` over [start, end] (Unix seconds) every ``step_seconds``."""
        body = await self._post(
            "/api/v1/query_range",
            promql,
            {"start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step_seconds:g}"},
        )
        data = body["data"]
        if data.get("resultType") != "matrix":
            raise PrometheusQueryError(
                f"{promql!r} over a range gave a {data.get('resultType')}, not a matrix",
                error_type="unsupported_result",
                retryable=False,
            )
        return [
            RangeSeries(
                labels=dict(series["metric"]),
                points=[(float(t), float(v)) for t, v in series["values"]],
            )
            for series in data.get("result", [])
        ]

    async def close(self) -> None:
        await self._http.aclose()


def _json_object(reply: httpx.Response) -> dict[str, Any] | None:
    try:
        body = reply.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _refusal(
    reply: httpx.Response, body: dict[str, Any] | None, promql: str
) -> PrometheusQueryError:
    status = reply.status_code
    if body is None:
        # Not Prometheus talking: a proxy or load balancer; only its status code means anything.
        error_type, detail = "bad_response", reply.text[:200]
    else:
        error_type = str(body.get("errorType") or f"http_{status}")
        detail = str(body.get("error") or "")
    return PrometheusQueryError(
        f"Prometheus refused {promql!r} (HTTP {status}, {error_type}): {detail}",
        error_type=error_type,
        retryable=status >= 500 or status in _TRANSIENT_CLIENT_STATUSES,
    )


def _samples(data: dict[str, Any], promql: str) -> list[Sample]:
    result_type, result = data.get("resultType"), data.get("result", [])
    if result_type == "vector":
        return [
            Sample(labels=dict(series["metric"]), value=float(series["value"][1]))
            for series in result
        ]
    if result_type == "scalar":
        return [Sample(labels={}, value=float(result[1]))]
    # A range selector (matrix) or a string literal: the caller meant something else.
    raise PrometheusQueryError(
        f"{promql!r} evaluates to a {result_type}; instant queries take vectors and scalars",
        error_type="unsupported_result",
        retryable=False,
    )
