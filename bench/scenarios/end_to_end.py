"""End to end, one run at a time: a healing run from its API start to completed,
against a raw SDK workflow with one activity from ``start_workflow`` to its result."""

from __future__ import annotations

import time

from bench.context import OBSERVED_SERVICE, Bench, cpu_ms_per, ms
from bench.raw import OneActivityWorkflow
from bench.stack import RAW_TASK_QUEUE
from bench.stats import p50, p99
from kaizen.v1.healing_pb2 import HEALING_OUTCOME_OBSERVED, HealingOutcome, HealingResult


async def kaizen_round(bench: Bench, tag: str) -> list[float]:
    latencies = []
    for i in range(bench.sizes.e2e_runs):
        started = time.perf_counter()
        # One at a time on one workload: each run has ended (observed) before the next
        # trigger, so every trigger starts a run of its own.
        workflow_id = await bench.healing_run(OBSERVED_SERVICE, f"latency-e2e-{tag}-{i}")
        handle = bench.client.get_workflow_handle(workflow_id, result_type=HealingResult)
        result = await handle.result()
        latencies.append(time.perf_counter() - started)
        if result.outcome != HEALING_OUTCOME_OBSERVED:
            outcome = HealingOutcome.Name(result.outcome)
            raise RuntimeError(f"{workflow_id} ended {outcome}: {result.reason}")
    return ms(latencies)


async def raw_round(bench: Bench, tag: str) -> list[float]:
    latencies = []
    for i in range(bench.sizes.e2e_runs):
        started = time.perf_counter()
        await bench.client.execute_workflow(
            OneActivityWorkflow.run, f"e2e {i}", id=f"bench-e2e-{tag}-{i}",
            task_queue=RAW_TASK_QUEUE,
        )  # fmt: skip
        latencies.append(time.perf_counter() - started)
    return ms(latencies)


async def run(bench: Bench) -> None:
    report = bench.report
    report.section("2. End to end")
    report.prose(
        f"{bench.sizes.e2e_runs} runs per side per repetition, one at a time. Kaizen: "
        "`POST /v1/healing-runs` (low severity, the default observe mode) until the workflow "
        "has completed: diagnosis (Kubernetes), playbook choice, change-window check, OPA "
        "decision, learning record, server-side dry-run preview. Raw: `execute_workflow` of "
        "a workflow with one activity. Kaizen's pool runs 2 processes (the default), the "
        "raw worker 1."
    )
    await bench.stack.start_workers(bench.stack.settings.worker_processes)
    await bench.stack.start_raw_worker()
    kaizen: list[list[float]] = []
    raw: list[list[float]] = []
    cpu: dict[str, list[dict[str, float]]] = {"api": [], "raw": []}
    n = bench.sizes.e2e_runs
    for rep in range(bench.reps):
        before = bench.stack.usage()
        raw.append(await raw_round(bench, f"r{rep}"))
        middle = bench.stack.usage()
        kaizen.append(await kaizen_round(bench, f"r{rep}"))
        cpu["raw"].append(cpu_ms_per(before, middle, n))
        cpu["api"].append(cpu_ms_per(middle, bench.stack.usage(), n))
        bench.say(f"e2e rep {rep}: kaizen p50 {p50(kaizen[-1]):.1f} ms, raw {p50(raw[-1]):.1f} ms")
    pairs = list(zip(kaizen, raw, strict=True))
    report.ratio("e2e_p50_latency_api_vs_raw", [p50(k) / p50(r) for k, r in pairs])
    report.ratio("e2e_p99_latency_api_vs_raw", [p99(k) / p99(r) for k, r in pairs])
    report.figure("e2e_p50_added_ms", [p50(k) - p50(r) for k, r in pairs], "ms")
    for side, rounds in (("api", kaizen), ("raw", raw)):
        report.figure(f"e2e_p50_latency_{side}", [p50(r) for r in rounds], "ms")
        report.figure(f"e2e_p99_latency_{side}", [p99(r) for r in rounds], "ms")
        parts = (
            ("temporal", "api", "workers", "opa") if side == "api" else ("temporal", "raw_worker")
        )
        for part in parts:
            report.figure(f"e2e_cpu_{side}_{part}", [c[part] for c in cpu[side]], "cpu-ms/run")
