"""Approval round trip: ``POST /v1/runs/{id}/approvals`` until the workflow has accepted
the Update, against a raw ``execute_update`` on a workflow that only waits for it.

Kaizen's runs are healing runs in approval mode, each waiting at its gate; the
vote comes from a second principal (the requester may not approve). The API
authenticates the key, checks the run, asks OPA's approval policy and sends the
Update, whose validator runs in the workflow. Each run is terminated once its
vote is measured, so no action follows to load the machine.
"""

from __future__ import annotations

import asyncio
import time

from temporalio.client import WorkflowHandle

from bench.context import DEMO_NAMESPACE, Bench, bounded, ms
from bench.raw import VoteWorkflow
from bench.stack import RAW_TASK_QUEUE
from bench.stats import p50, p99
from kaizen.temporal.search_attributes import KAIZEN_PHASE

# Runs waiting at their gates at once need workloads of their own (one run per workload).
POOL = "ap"
APPROVAL_PREFIX = f"healing:default:{DEMO_NAMESPACE}:{POOL}-"


async def set_approval_mode(bench: Bench) -> None:
    for service in await bench.workloads(POOL, bench.sizes.approvals):
        reply = await bench.api.put(
            f"/v1/healing/modes/{DEMO_NAMESPACE}/{service}", json={"mode": "approval"}
        )
        reply.raise_for_status()


async def waiting_runs(bench: Bench, tag: str) -> list[str]:
    """Start the runs and return their ids once every one waits for approval."""
    n = bench.sizes.approvals
    services = await bench.workloads(POOL, n)
    ids: list[str] = []

    async def start(i: int) -> float:
        ids.append(await bench.healing_run(services[i], f"latency-approval-{tag}"))
        return 0.0

    await bounded(n, start)
    query = (
        f"WorkflowId STARTS_WITH '{APPROVAL_PREFIX}' AND ExecutionStatus = 'Running' "
        f"AND {KAIZEN_PHASE.name} = 'awaiting_approval'"
    )
    deadline = time.monotonic() + 300
    while (await bench.client.count_workflows(query)).count < n:
        if time.monotonic() > deadline:
            raise TimeoutError(f"approval runs {tag} did not all reach their gate")
        await asyncio.sleep(0.25)
    return ids


async def kaizen_round(bench: Bench, tag: str) -> list[float]:
    latencies = []
    for workflow_id in await waiting_runs(bench, tag):
        started = time.perf_counter()
        reply = await bench.approver.post(
            f"/v1/runs/{workflow_id}/approvals", json={"decision": "approve"}
        )
        latencies.append(time.perf_counter() - started)
        if reply.status_code != 200:
            raise RuntimeError(f"vote on {workflow_id}: {reply.status_code} {reply.text[:300]}")
        await bench.client.get_workflow_handle(workflow_id).terminate("bench: vote measured")
    return ms(latencies)


async def raw_round(bench: Bench, tag: str) -> list[float]:
    handles: list[WorkflowHandle[VoteWorkflow, list[str]]] = []
    for i in range(bench.sizes.approvals):
        handle = await bench.client.start_workflow(
            VoteWorkflow.run, id=f"bench-vote-{tag}-{i}", task_queue=RAW_TASK_QUEUE
        )
        handles.append(handle)
    for handle in handles:
        # Waiting at its "gate" before the clock starts, as Kaizen's runs are.
        await handle.query(VoteWorkflow.votes_cast)
    latencies = []
    for handle in handles:
        started = time.perf_counter()
        await handle.execute_update(VoteWorkflow.vote, "bench-approver")
        latencies.append(time.perf_counter() - started)
    return ms(latencies)


async def run(bench: Bench) -> None:
    report = bench.report
    report.section("4. Approval round trip")
    report.prose(
        f"{bench.sizes.approvals} votes per side per repetition, one at a time, each on its "
        "own waiting workflow; timed from sending the request until the accepted Update's "
        "answer is back."
    )
    await set_approval_mode(bench)
    await bench.stack.start_workers(bench.stack.settings.worker_processes)
    await bench.stack.start_raw_worker()
    kaizen: list[list[float]] = []
    raw: list[list[float]] = []
    for rep in range(bench.reps):
        raw.append(await raw_round(bench, f"r{rep}"))
        kaizen.append(await kaizen_round(bench, f"r{rep}"))
        bench.say(
            f"approval rep {rep}: kaizen p50 {p50(kaizen[-1]):.1f} ms, raw {p50(raw[-1]):.1f} ms"
        )
    pairs = list(zip(kaizen, raw, strict=True))
    report.ratio("approval_p50_latency_api_vs_raw", [p50(k) / p50(r) for k, r in pairs])
    report.ratio("approval_p99_latency_api_vs_raw", [p99(k) / p99(r) for k, r in pairs])
    for side, rounds in (("api", kaizen), ("raw", raw)):
        report.figure(f"approval_p50_latency_{side}", [p50(r) for r in rounds], "ms")
        report.figure(f"approval_p99_latency_{side}", [p99(r) for r in rounds], "ms")
