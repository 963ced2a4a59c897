"""Start throughput (1,000 starts, API vs raw SDK) and backlog drain (1 and 2 workers).

Each round starts 1,000 raw no-op workflows and 1,000 healing runs through
the API with no worker polling either queue, so both sides measure the start
path alone. The healing runs left queued are the backlog the round then drains
with 1 or 2 worker processes; rounds alternate the two, so every figure gets
its median from at least three repetitions.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bench.context import Bench, bounded, count_closed, cpu_ms_per, ms, timed
from bench.raw import NoopWorkflow
from bench.stack import UNPOLLED_TASK_QUEUE
from bench.stats import p50, p99

# Each start round triggers runs for as many workloads of their own, so none joins.
POOL = "tp"
HEALING_PREFIX = f"healing:default:demo:{POOL}-"


@dataclass
class StartRound:
    per_second: float
    latencies_ms: list[float]
    cpu_ms_per_start: dict[str, float]


@dataclass
class DrainRound:
    processes: int
    per_second: float
    peak_rss_mib: float
    peak_process_rss_mib: float
    cpu_ms_per_run: dict[str, float]
    failed: int


async def raw_starts(bench: Bench, tag: str) -> StartRound:
    async def start(i: int) -> float:
        return await timed(
            lambda: bench.client.start_workflow(
                NoopWorkflow.run,
                f"noop {i}",
                id=f"bench-noop-{tag}-{i}",
                task_queue=UNPOLLED_TASK_QUEUE,
            )  # fmt: skip
        )

    return await _start_round(bench, start, ("temporal",))


async def api_starts(bench: Bench, tag: str) -> StartRound:
    services = await bench.workloads(POOL, bench.sizes.starts)

    async def start(i: int) -> float:
        return await timed(lambda: bench.healing_run(services[i], f"latency-{tag}"))

    return await _start_round(bench, start, ("temporal", "api"))


async def _start_round(
    bench: Bench, start: Callable[[int], Awaitable[float]], parts: tuple[str, ...]
) -> StartRound:
    """``bench.sizes.starts`` calls of ``start``; CPU is kept for the ``parts`` doing the work."""
    n = bench.sizes.starts
    before = bench.stack.usage()
    started = time.perf_counter()
    latencies = await bounded(n, start)
    wall = time.perf_counter() - started
    cpu = cpu_ms_per(before, bench.stack.usage(), n)
    return StartRound(n / wall, ms(latencies), {p: cpu[p] for p in parts})


async def drain(bench: Bench, tag: str, processes: int, since: datetime) -> DrainRound:
    """Start the pool on the queued backlog (the runs started ``since``) and time it until
    every run has closed."""
    n = bench.sizes.backlog
    prefix = HEALING_PREFIX
    await bench.stack.start_workers(processes)
    before = bench.stack.usage()
    started = time.perf_counter()
    done_at_start, _ = await count_closed(bench.client, prefix, since=since)
    peak_total = peak_process = 0.0
    closed = completed = 0
    while True:
        usage = bench.stack.usage()
        worker_usage = usage["workers"]
        peak_total = max(peak_total, worker_usage.rss_bytes / 2**20)
        peak_process = max(peak_process, worker_usage.largest_rss_bytes / 2**20)
        closed, completed = await count_closed(bench.client, prefix, since=since)
        if closed >= n:
            break
        if time.perf_counter() - started > 900:
            raise TimeoutError(f"backlog {tag}: {closed}/{n} closed after 15 minutes")
        await asyncio.sleep(0.25)
    elapsed = time.perf_counter() - started
    after = bench.stack.usage()
    await bench.stack.stop_workers()
    drained = n - done_at_start
    parts = ("temporal", "workers", "opa")
    cpu = cpu_ms_per(before, after, drained)
    cpu = {p: cpu[p] for p in parts}
    return DrainRound(processes, drained / elapsed, peak_total, peak_process, cpu, n - completed)


async def run(bench: Bench) -> None:
    report = bench.report
    report.section("1. Start throughput and 3. backlog drain")
    report.prose(
        f"{bench.sizes.starts} starts per side per round, {16} in flight, no worker polling: "
        "`POST /v1/healing-runs` (low severity, a workload of its own each, so none joins) against "
        "`client.start_workflow` of a no-op workflow. The queued healing runs are then drained "
        "by `kaizen worker --processes N`; drain rate is counted from the moment every process "
        "polls until the last run has closed (Temporal visibility, polled every 0.25 s)."
    )
    raw_rounds: list[StartRound] = []
    api_rounds: list[StartRound] = []
    drains: dict[int, list[DrainRound]] = {1: [], 2: []}
    for index in range(bench.reps * 2):
        tag = f"r{index}"
        processes = 1 + index % 2
        raw_rounds.append(await raw_starts(bench, tag))
        await bench.workloads(POOL, bench.sizes.starts)  # made before the clock starts
        since = datetime.now(UTC)
        api_rounds.append(await api_starts(bench, tag))
        bench.say(
            f"round {index}: raw {raw_rounds[-1].per_second:.0f}/s, "
            f"api {api_rounds[-1].per_second:.0f}/s; draining with {processes} worker(s)"
        )
        drains[processes].append(await drain(bench, tag, processes, since))
        bench.say(f"round {index}: drained at {drains[processes][-1].per_second:.1f} runs/s")

    report.ratio(
        "start_throughput_api_vs_raw",
        [a.per_second / r.per_second for a, r in zip(api_rounds, raw_rounds, strict=True)],
    )
    report.ratio(
        "start_p50_latency_api_vs_raw",
        [
            p50(a.latencies_ms) / p50(r.latencies_ms)
            for a, r in zip(api_rounds, raw_rounds, strict=True)
        ],
    )
    report.ratio(
        "start_p99_latency_api_vs_raw",
        [
            p99(a.latencies_ms) / p99(r.latencies_ms)
            for a, r in zip(api_rounds, raw_rounds, strict=True)
        ],
    )
    for side, rounds in (("api", api_rounds), ("raw", raw_rounds)):
        report.figure(f"start_throughput_{side}", [r.per_second for r in rounds], "runs/s")
        report.figure(f"start_p50_latency_{side}", [p50(r.latencies_ms) for r in rounds], "ms")
        report.figure(f"start_p99_latency_{side}", [p99(r.latencies_ms) for r in rounds], "ms")
        for part in rounds[0].cpu_ms_per_start:
            report.figure(
                f"start_cpu_{side}_{part}", [r.cpu_ms_per_start[part] for r in rounds],
                "cpu-ms/start",
            )  # fmt: skip

    one, two = drains[1], drains[2]
    report.ratio(
        "backlog_throughput_2_vs_1_workers",
        [b.per_second / a.per_second for a, b in zip(one, two, strict=True)],
    )
    for processes, drained in drains.items():
        label = f"backlog_{processes}w"
        report.figure(f"{label}_throughput", [r.per_second for r in drained], "runs/s")
        report.figure(f"{label}_worker_peak_rss", [r.peak_rss_mib for r in drained], "MiB")
        report.figure(
            f"{label}_worker_peak_rss_largest_process",
            [r.peak_process_rss_mib for r in drained],
            "MiB",
        )
        for part in drained[0].cpu_ms_per_run:
            report.figure(
                f"{label}_cpu_{part}", [r.cpu_ms_per_run[part] for r in drained], "cpu-ms/run"
            )
        report.figure(f"{label}_runs_not_completed", [float(r.failed) for r in drained], "runs")
