"""Log lines from Loki (``KAIZEN_LOKI_URL``): the RCA's ``logs`` source when one is set.

Loki keeps the lines of pods that are gone (a rolled-back ReplicaSet's), which the
Kubernetes API cannot give. One ``query_range`` per incident: a LogQL stream selector from
the service's namespace and label, the incident's window (never past now), newest lines
first up to a limit. Each line keeps the LogQL as its link. A Loki that refuses, fails or
answers something else is a missing source with the reason, never a failed run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import httpx

from activities.rca.evidence import timestamp
from kaizen.v1.rca_pb2 import EvidenceBatch, LogLine, MissingSource, RcaRequest

SOURCE: Final = "logs"
QUERY_RANGE: Final = "/loki/api/v1/query_range"
MAX_LINE_CHARS: Final = 2000


class LokiQueryError(Exception):
    """Loki could not answer the query (unreachable, an error status, not a streams reply)."""


def _quoted(value: str) -> str:
    return json.dumps(value)  # LogQL strings take Go's escapes, which JSON's are a subset of


def selector(namespace: str, service: str, service_label: str) -> str:
    """The LogQL stream selector of a service: ``{namespace="shop", app="checkout"}``."""
    return f"{{namespace={_quoted(namespace)}, {service_label}={_quoted(service)}}}"


@dataclass(frozen=True)
class LokiClient:
    """Loki's HTTP API at ``base_url``; a connection per query (one per RCA)."""

    base_url: str
    line_limit: int = 500
    """The most lines one RCA reads (newest first)."""
    service_label: str = "app"
    """The stream label that names the service (``app``, ``service_name``, …)."""
    timeout_seconds: float = 10.0
    token: str | None = None

    async def query_range(
        self, logql: str, start: datetime, end: datetime
    ) -> list[tuple[dict[str, str], list[tuple[int, str]]]]:
        """Streams of ``logql`` over [start, end]: (labels, [(unix ns, line)])."""
        params = {
            "query": logql,
            "start": str(int(start.timestamp() * 1e9)),
            "end": str(int(end.timestamp() * 1e9)),
            "limit": str(self.line_limit),
            "direction": "backward",
        }
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            async with httpx.AsyncClient(timeout=self.timeout_seconds) as http:
                reply = await http.get(
                    self.base_url.rstrip("/") + QUERY_RANGE, params=params, headers=headers
                )
        except httpx.HTTPError as error:
            raise LokiQueryError(f"Loki unreachable: {type(error).__name__}: {error}") from error
        if reply.status_code != 200:
            raise LokiQueryError(f"Loki answered HTTP {reply.status_code}: {reply.text[:200]}")
        try:
            data: Any = reply.json()["data"]
            if data["resultType"] != "streams":
                raise LokiQueryError(f"Loki answered {data['resultType']}, not streams")
            return [
                (
                    {str(k): str(v) for k, v in stream["stream"].items()},
                    [(int(at), str(line)) for at, line, *_ in stream["values"]],
                )
                for stream in data["result"]
            ]
        except (ValueError, KeyError, TypeError) as error:
            raise LokiQueryError(f"not a Loki query_range reply: {error!r:.200}") from error


async def loki_logs(
    loki: LokiClient, request: RcaRequest, start: datetime, end: datetime
) -> EvidenceBatch:
    """The service's lines in the window as evidence, each linked to its LogQL."""
    logql = selector(request.namespace, request.service, loki.service_label)
    end = max(min(end, datetime.now(UTC)), start + timedelta(seconds=1))
    batch = EvidenceBatch(source=SOURCE)
    try:
        streams = await loki.query_range(logql, start, end)
    except LokiQueryError as error:
        batch.missing.append(MissingSource(source="logs:loki", reason=str(error)[:500]))
        return batch
    for labels, values in streams:
        for at_ns, line in values:
            batch.bundle.logs.append(
                LogLine(
                    at=timestamp(datetime.fromtimestamp(at_ns / 1e9, UTC)),
                    pod=labels.get("pod", ""), container=labels.get("container", ""),
                    line=line[:MAX_LINE_CHARS], source="loki", link=logql,
                )
            )  # fmt: skip
    return batch
