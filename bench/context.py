"""What every scenario gets: the stack, clients on both sides, the report, the sizes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from temporalio.client import Client

from bench.procs import GroupUsage
from bench.report import Report
from bench.stack import BenchStack
from bench.workloads import create_workloads

# Requests in flight at once, the same for Kaizen's API and the raw SDK.
CONCURRENCY = 16
DEMO_NAMESPACE = "demo"
# Observe-mode runs (the default mode) preview on this Deployment; approval runs use another.
OBSERVED_SERVICE = "web"
APPROVAL_SERVICE = "api"


@dataclass(frozen=True)
class Sizes:
    starts: int = 1000
    e2e_runs: int = 300
    backlog: int = 1000
    approvals: int = 100
    policy_calls: int = 2000
    storage_runs: int = 300
    fire_schedules: int = 50
    idle_schedules: int = 1000
    list_requests: int = 960

    def scaled(self, factor: float) -> Sizes:
        return Sizes(**{k: max(3, int(v * factor)) for k, v in self.__dict__.items()})


@dataclass
class Bench:
    stack: BenchStack
    report: Report
    client: Client
    api: httpx.AsyncClient
    approver: httpx.AsyncClient
    reps: int
    sizes: Sizes
    say: Callable[[str], None]
    _pools: dict[str, list[str]] = field(default_factory=dict)

    async def workloads(self, prefix: str, count: int) -> list[str]:
        """``count`` Deployments of their own (made on first use), for runs kept apart."""
        made = self._pools.get(prefix, [])
        if len(made) < count:
            made = await asyncio.to_thread(create_workloads, self.stack.kube, prefix, count)
            self._pools[prefix] = made
        return made[:count]

    async def healing_run(self, service: str, symptom: str = "BenchLoad") -> str:
        """Start one low-severity healing run for ``service`` through the API; its workflow
        id. Runs are keyed by workload: runs meant to be apart need distinct services."""
        reply = await self.api.post(
            "/v1/healing-runs",
            json={"namespace": DEMO_NAMESPACE, "service": service, "symptom": symptom,
                  "severity": "low"},
        )  # fmt: skip
        if reply.status_code != 202:
            raise RuntimeError(f"POST /v1/healing-runs: {reply.status_code} {reply.text[:300]}")
        body: dict[str, Any] = reply.json()
        if body.get("joined"):
            raise RuntimeError(f"{service!r} joined a running run; bench runs must be apart")
        return str(body["id"])


async def timed(call: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await call()
    return time.perf_counter() - started


async def bounded(count: int, call: Callable[[int], Awaitable[float]]) -> list[float]:
    """Run ``call(i)`` for i < count with CONCURRENCY in flight; each returns its latency."""
    gate = asyncio.Semaphore(CONCURRENCY)
    latencies: list[float] = []

    async def one(index: int) -> None:
        async with gate:
            latencies.append(await call(index))

    await asyncio.gather(*(one(i) for i in range(count)))
    return latencies


async def count_closed(
    client: Client, id_prefix: str, *, since: datetime | None = None
) -> tuple[int, int]:
    """(closed, completed) runs whose workflow id starts with ``id_prefix`` (started since)."""
    base = f"WorkflowId STARTS_WITH '{id_prefix}'"
    if since is not None:
        base += f" AND StartTime >= '{since.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}'"
    closed = await client.count_workflows(f"{base} AND ExecutionStatus != 'Running'")
    completed = await client.count_workflows(f"{base} AND ExecutionStatus = 'Completed'")
    return closed.count, completed.count


def ms(seconds: list[float]) -> list[float]:
    return [s * 1000 for s in seconds]


def cpu_ms_per(
    before: dict[str, GroupUsage], after: dict[str, GroupUsage], count: int
) -> dict[str, float]:
    """CPU milliseconds per operation of each component running at both readings."""
    return {
        part: (after[part].cpu_seconds - before[part].cpu_seconds) * 1000 / count
        for part in before
        if part in after
    }
