"""Runs list under concurrency: ``GET /v1/runs?limit=100`` from 32 clients at once, against
32 raw ``client.list_workflows`` calls of the same visibility query (collecting 100 runs
each) on the same server.

The listed runs are healing runs started through the API for services of their own, with
no worker polling, so they hold still; a third are terminated first, so the page mixes
running and closed rows. Each side makes ``list_requests`` calls with 32 in flight; the
sides take turns, repetition by repetition. One call at a time is timed too, to show how
each side scales. Every seeded run is terminated at the end: later scenarios start workers
and must not find them queued.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

from api.run_list import list_query
from bench.context import Bench, bounded, cpu_ms_per, ms
from bench.stats import p50, p99

IN_FLIGHT: Final = 32
PAGE: Final = 100
RUNS: Final = 300
ALONE_CALLS: Final = 10
POOL: Final = "ls"
QUERY: Final = list_query(kind=None, status=None, service=None)
PATH: Final = f"/v1/runs?limit={PAGE}"
SEEDED_PREFIX: Final = f"healing:default:demo:{POOL}-"


@dataclass
class Round:
    per_second: float
    latencies_ms: list[float]
    failed: int
    cpu_ms_per_call: dict[str, float]


async def seed(bench: Bench) -> list[str]:
    """Start the runs the list shows; returns once visibility has them all."""
    ids: list[str] = []

    async def start(i: int) -> float:
        ids.append(await bench.healing_run(f"{POOL}-{i:04d}", "BenchList"))
        return 0.0

    await bounded(RUNS, start)
    closing = ids[::3]
    for workflow_id in closing:
        await bench.client.get_workflow_handle(workflow_id).terminate("bench: a closed row")
    seeded = f"WorkflowId STARTS_WITH '{SEEDED_PREFIX}'"
    deadline = time.monotonic() + 60
    while (await bench.client.count_workflows(seeded)).count < RUNS or (
        await bench.client.count_workflows(f"{seeded} AND CloseTime IS NOT NULL")
    ).count < len(closing):
        if time.monotonic() > deadline:
            raise TimeoutError("the listed runs never all reached visibility")
        await asyncio.sleep(0.25)
    return ids


async def clear(bench: Bench, ids: list[str]) -> None:
    async def stop(workflow_id: str) -> None:
        handle = bench.client.get_workflow_handle(workflow_id)
        if (await handle.describe()).close_time is None:
            await handle.terminate("bench: list measured")

    await asyncio.gather(*(stop(i) for i in ids))


async def api_call(bench: Bench) -> None:
    reply = await bench.api.get(PATH)
    if reply.status_code != 200:
        raise RuntimeError(f"GET {PATH}: {reply.status_code} {reply.text[:300]}")


async def raw_call(bench: Bench) -> None:
    listed = [run async for run in bench.client.list_workflows(QUERY, limit=PAGE, page_size=PAGE)]
    if not listed:
        raise RuntimeError("the raw list came back empty")


async def measure(
    bench: Bench, call: Callable[[Bench], Awaitable[None]], parts: tuple[str, ...]
) -> Round:
    """``list_requests`` calls with IN_FLIGHT at once; a refused call counts as failed."""
    n = bench.sizes.list_requests
    gate = asyncio.Semaphore(IN_FLIGHT)
    latencies: list[float] = []
    failed = 0

    async def one() -> None:
        nonlocal failed
        async with gate:
            started = time.perf_counter()
            try:
                await call(bench)
            except Exception as error:  # the server refusing under load is a result too
                failed += 1
                bench.say(f"runs list call failed: {str(error)[:200]}")
                return
            latencies.append(time.perf_counter() - started)

    before = bench.stack.usage()
    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(n)))
    wall = time.perf_counter() - started
    if not latencies:
        raise RuntimeError(f"every one of {n} runs list calls failed")
    cpu = cpu_ms_per(before, bench.stack.usage(), n)
    return Round(len(latencies) / wall, ms(latencies), failed, {p: cpu[p] for p in parts})


async def alone(bench: Bench, call: Callable[[Bench], Awaitable[None]]) -> list[float]:
    async def timed(_: int) -> float:
        started = time.perf_counter()
        await call(bench)
        return time.perf_counter() - started

    return ms([await timed(i) for i in range(ALONE_CALLS)])


async def run(bench: Bench) -> None:
    report = bench.report
    report.section("9. Runs list under concurrency")
    report.prose(
        f"{bench.sizes.list_requests} calls per side per repetition, {IN_FLIGHT} in flight: "
        f"`GET {PATH}` (the default list: `{QUERY}`) against `client.list_workflows` of the "
        f"same query collecting {PAGE} runs, on {RUNS} healing runs (a third closed). "
        f"Alone: {ALONE_CALLS} calls one at a time. CPU is per call, for the processes "
        "doing the work."
    )
    ids = await seed(bench)
    for _ in range(3):  # warm-up: connections made, code paths imported
        await api_call(bench)
        await raw_call(bench)
    api_rounds: list[Round] = []
    raw_rounds: list[Round] = []
    alone_api: list[list[float]] = []
    alone_raw: list[list[float]] = []
    try:
        for rep in range(bench.reps):
            raw_rounds.append(await measure(bench, raw_call, ("temporal",)))
            api_rounds.append(await measure(bench, api_call, ("temporal", "api")))
            alone_raw.append(await alone(bench, raw_call))
            alone_api.append(await alone(bench, api_call))
            bench.say(
                f"runs list rep {rep}: api {api_rounds[-1].per_second:.0f}/s, "
                f"raw {raw_rounds[-1].per_second:.0f}/s"
            )
    finally:
        await clear(bench, ids)

    pairs = list(zip(api_rounds, raw_rounds, strict=True))
    report.ratio("runs_list_rps_api_vs_raw", [a.per_second / r.per_second for a, r in pairs])
    report.ratio(
        "runs_list_p50_latency_api_vs_raw",
        [p50(a.latencies_ms) / p50(r.latencies_ms) for a, r in pairs],
    )
    for side, rounds, single in (("api", api_rounds, alone_api), ("raw", raw_rounds, alone_raw)):
        report.figure(f"runs_list_rps_{side}", [r.per_second for r in rounds], "requests/s")
        report.figure(f"runs_list_p50_latency_{side}", [p50(r.latencies_ms) for r in rounds], "ms")
        report.figure(f"runs_list_p99_latency_{side}", [p99(r.latencies_ms) for r in rounds], "ms")
        report.figure(f"runs_list_alone_p50_latency_{side}", [p50(s) for s in single], "ms")
        report.figure(f"runs_list_failed_{side}", [float(r.failed) for r in rounds], "requests")
        for part in rounds[0].cpu_ms_per_call:
            report.figure(
                f"runs_list_cpu_{side}_{part}", [r.cpu_ms_per_call[part] for r in rounds],
                "cpu-ms/request",
            )  # fmt: skip
