"""Schedules: fire latency of schedules made through Kaizen's API against schedules made with
the raw SDK on the same server, and the dev server's CPU at idle while it holds thousands.

Fire latency is Temporal's own: a scheduled run's start time minus the time it was
scheduled for (the ``TemporalScheduledStartTime`` search attribute the server stamps on
it). Both sides fire every second with ``allow_all`` overlap into a queue no worker
polls, so every fire starts a run and nothing else loads the machine; the sides take
turns, repetition by repetition.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime, timedelta

from temporalio.client import (
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
)
from temporalio.common import SearchAttributeKey

from bench.context import Bench, ms
from bench.raw import NoopWorkflow
from bench.stack import UNPOLLED_TASK_QUEUE
from bench.stats import p50, p99

SCHEDULED_START = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")
FIRING_SECONDS = 8
IDLE_SECONDS = 20


async def fire_latencies(bench: Bench, schedule_ids: list[str]) -> list[float]:
    """Seconds from each run's scheduled time to its start, for runs of these schedules."""
    latencies: list[float] = []
    for schedule_id in schedule_ids:
        query = f"TemporalScheduledById = '{schedule_id}'"
        async for run in bench.client.list_workflows(query):
            scheduled = run.typed_search_attributes.get(SCHEDULED_START)
            if scheduled is not None and run.start_time is not None:
                latencies.append((run.start_time - scheduled).total_seconds())
    return latencies


async def kaizen_round(bench: Bench, tag: str, count: int) -> list[float]:
    names = [f"bench-fire-{tag}-{i}" for i in range(count)]
    for i, name in enumerate(names):
        reply = await bench.api.post(
            "/v1/schedules",
            json={"id": name, "kind": "healing", "overlap": "allow_all",
                  "spec": {"intervals": [{"every_seconds": 1}]},
                  "input": {"service": f"fire-{tag}-{i}", "namespace": "demo",
                            "symptom": "BenchFire", "severity": "low"}},
        )  # fmt: skip
        if reply.status_code != 201:
            raise RuntimeError(f"POST /v1/schedules: {reply.status_code} {reply.text[:300]}")
    await asyncio.sleep(FIRING_SECONDS)
    for name in names:
        await bench.api.delete(f"/v1/schedules/{name}")
    tenant = bench.stack.settings.tenant
    return ms(await fire_latencies(bench, [f"{tenant}:{name}" for name in names]))


def _raw_schedule(every: timedelta, *, paused: bool = False) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            NoopWorkflow.run,
            "fire",
            id=f"bench-fired-{uuid.uuid4().hex[:6]}",
            task_queue=UNPOLLED_TASK_QUEUE,
        ),  # fmt: skip
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.ALLOW_ALL),
        state=ScheduleState(paused=paused),
    )


async def raw_round(bench: Bench, tag: str, count: int) -> list[float]:
    ids = [f"bench-raw-fire-{tag}-{i}" for i in range(count)]
    for schedule_id in ids:
        await bench.client.create_schedule(schedule_id, _raw_schedule(timedelta(seconds=1)))
    await asyncio.sleep(FIRING_SECONDS)
    for schedule_id in ids:
        await bench.client.get_schedule_handle(schedule_id).delete()
    return ms(await fire_latencies(bench, ids))


async def idle_cpu_percent(bench: Bench) -> float:
    """The dev server's CPU over ``IDLE_SECONDS`` with nothing to do but hold its schedules."""
    before = bench.stack.usage()["temporal"].cpu_seconds
    started = time.monotonic()
    await asyncio.sleep(IDLE_SECONDS)
    used = bench.stack.usage()["temporal"].cpu_seconds - before
    return 100 * used / (time.monotonic() - started)


async def run(bench: Bench) -> None:
    report = bench.report
    report.section("8. Schedules")
    count = bench.sizes.fire_schedules
    report.prose(
        f"{count} schedules per side firing every second for {FIRING_SECONDS} s "
        "(allow_all, into a queue no worker polls), made through `POST /v1/schedules` "
        "against `client.create_schedule`; latency is a run's start time minus its "
        "scheduled time, both Temporal's. Then the dev server's CPU over "
        f"{IDLE_SECONDS} s of idle, with none and with {bench.sizes.idle_schedules} paused "
        f"plus {bench.sizes.idle_schedules} active hourly schedules."
    )
    kaizen: list[list[float]] = []
    raw: list[list[float]] = []
    for rep in range(bench.reps):
        kaizen.append(await kaizen_round(bench, f"k{rep}", count))
        raw.append(await raw_round(bench, f"r{rep}", count))
        bench.say(f"fire latency rep {rep}: kaizen p50 {p50(kaizen[-1]):.0f} ms, "
                  f"raw p50 {p50(raw[-1]):.0f} ms")  # fmt: skip
    report.ratio(
        "schedule_fire_p50_latency_api_vs_raw",
        [p50(k) / max(p50(r), 1e-3) for k, r in zip(kaizen, raw, strict=True)],
    )
    for side, rounds in (("api", kaizen), ("raw", raw)):
        report.figure(f"schedule_fire_p50_latency_{side}", [p50(r) for r in rounds], "ms")
        report.figure(f"schedule_fire_p99_latency_{side}", [p99(r) for r in rounds], "ms")
        report.figure(f"schedule_fires_{side}", [float(len(r)) for r in rounds], "runs")

    empty = [await idle_cpu_percent(bench) for _ in range(bench.reps)]
    held = bench.sizes.idle_schedules
    stamp = datetime.now().strftime("%H%M%S")
    for i in range(held):
        await bench.client.create_schedule(
            f"bench-idle-paused-{stamp}-{i}", _raw_schedule(timedelta(hours=1), paused=True)
        )
        await bench.client.create_schedule(
            f"bench-idle-active-{stamp}-{i}", _raw_schedule(timedelta(hours=1))
        )
    loaded = [await idle_cpu_percent(bench) for _ in range(bench.reps)]
    report.figure("temporal_idle_cpu_no_schedules", empty, "% of a core")
    report.figure(f"temporal_idle_cpu_{2 * held}_hourly_schedules", loaded, "% of a core")
    for i in range(held):
        await bench.client.get_schedule_handle(f"bench-idle-paused-{stamp}-{i}").delete()
        await bench.client.get_schedule_handle(f"bench-idle-active-{stamp}-{i}").delete()
