"""Policy decision: the healing decision as the activity makes it (HTTP to the OPA
server ``kaizen up`` runs, decision logging on) against ``opa bench`` on the same
query, input and data, both in-process evaluation and ``--e2e`` through OPA's server."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
from google.protobuf.struct_pb2 import Struct

from activities.opa.client import PolicyClient
from activities.opa.healing_policy import (
    HEALING_POLICY_PACKAGE,
    HealingPolicyActivities,
    policy_input,
)
from bench.context import DEMO_NAMESPACE, OBSERVED_SERVICE, Bench, ms
from bench.stack import tool_path
from bench.stats import p50, p99
from kaizen.persistence.db import make_engine
from kaizen.stack import tools
from kaizen.v1.common_pb2 import SEVERITY_LOW
from kaizen.v1.healing_pb2 import (
    Diagnosis,
    HealingPolicyInput,
    HealingRequest,
    PlaybookStats,
    ProposedAction,
)
from kaizen.v1.kubernetes_pb2 import KubeActionRequest, WorkloadRef

QUERY = f"data.{HEALING_POLICY_PACKAGE}.decision"


def typical_facts() -> HealingPolicyInput:
    """What a low-severity latency run asks: scale the Deployment out by one replica."""
    workload = WorkloadRef(namespace=DEMO_NAMESPACE, name=OBSERVED_SERVICE)
    replicas = Struct()
    replicas.update({"replicas": 3})
    return HealingPolicyInput(
        request=HealingRequest(
            namespace=DEMO_NAMESPACE, service=OBSERVED_SERVICE, tenant="default",
            symptom="latency-p99-high", severity=SEVERITY_LOW,
            requested_by="bootstrap-admin", source="api",
        ),
        diagnosis=Diagnosis(category="latency", summary="latency: p99 0.8 s above 0.5 s"),
        action=ProposedAction(
            playbook="scale_out", playbook_version=1, risk="low", action="scale",
            steps=[KubeActionRequest(workload=workload, action="scale", parameters=replicas)],
        ),
        stats=PlaybookStats(successes=4, failures=1),
        window_open=False,
    )  # fmt: skip


async def kaizen_round(activities: HealingPolicyActivities, calls: int) -> list[float]:
    facts = typical_facts()
    latencies = []
    for _ in range(calls):
        started = time.perf_counter()
        await activities.evaluate_healing_policy(facts)
        latencies.append(time.perf_counter() - started)
    return ms(latencies)


def opa_bench(work: Path, e2e: bool) -> dict[str, Any]:
    command = [
        str(tool_path(tools.OPA)), "bench", "--format", "json", "--count", "1",
        "--ignore", "*_test.rego", "-d", str(work / "policies"), "-d", str(work / "modes.json"),
        "-i", str(work / "input.json"), QUERY,
    ]  # fmt: skip
    if e2e:
        command.insert(2, "--e2e")
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=120)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


async def run(bench: Bench) -> None:
    report = bench.report
    report.section("5. Policy decision")
    settings = bench.stack.settings
    report.prose(
        f"{bench.sizes.policy_calls} sequential calls of `evaluate_healing_policy` (the "
        "activity's own code: facts to JSON, the HTTP query through opa-python-client, "
        "the answer to protobuf) against `opa bench` of the same query, input and data. "
        "`opa bench` figures are OPA's own timers: in-process evaluation, and with `--e2e` "
        "the server handler of an HTTP query (its Go client's round trip is not in them)."
    )
    work = bench.stack.home / "policy-bench"
    work.mkdir(exist_ok=True)
    (work / "policies").symlink_to(settings.policies_dir.resolve())
    async with httpx.AsyncClient(base_url=settings.opa_base_url) as opa:
        modes = (await opa.get("/v1/data/kaizen/healing_modes")).json().get("result", {})
    (work / "modes.json").write_text(json.dumps({"kaizen": {"healing_modes": modes}}))
    (work / "input.json").write_text(json.dumps(policy_input(typical_facts())))

    engine = make_engine(settings.database)
    policy = PolicyClient(settings.opa_base_url)
    activities = HealingPolicyActivities(policy, engine)
    await kaizen_round(activities, 50)  # connection and first-query warm-up
    kaizen: list[list[float]] = []
    evals: list[dict[str, Any]] = []
    e2es: list[dict[str, Any]] = []
    try:
        for rep in range(bench.reps):
            kaizen.append(await kaizen_round(activities, bench.sizes.policy_calls))
            evals.append(await asyncio.to_thread(opa_bench, work, False))
            e2es.append(await asyncio.to_thread(opa_bench, work, True))
            bench.say(f"policy rep {rep}: kaizen p50 {p50(kaizen[-1]):.2f} ms")
    finally:
        await policy.close()
        engine.dispose()

    def extra(runs: list[dict[str, Any]], key: str) -> list[float]:
        return [float(r["Extra"][key]) / 1e6 for r in runs]

    handler_p50 = extra(e2es, "histogram_timer_server_handler_ns_median")
    handler_p99 = extra(e2es, "histogram_timer_server_handler_ns_99%")
    report.ratio(
        "policy_p50_latency_kaizen_vs_opa_bench_e2e",
        [p50(k) / h for k, h in zip(kaizen, handler_p50, strict=True)],
    )
    report.ratio(
        "policy_p99_latency_kaizen_vs_opa_bench_e2e",
        [p99(k) / h for k, h in zip(kaizen, handler_p99, strict=True)],
    )
    report.figure("policy_p50_latency_kaizen", [p50(k) for k in kaizen], "ms")
    report.figure("policy_p99_latency_kaizen", [p99(k) for k in kaizen], "ms")
    report.figure("policy_p50_latency_opa_bench_e2e_handler", handler_p50, "ms")
    report.figure("policy_p99_latency_opa_bench_e2e_handler", handler_p99, "ms")
    report.figure(
        "policy_mean_latency_opa_bench_e2e_per_op", [r["T"] / r["N"] / 1e6 for r in e2es], "ms"
    )
    report.figure(
        "policy_p50_latency_opa_bench_eval",
        extra(evals, "histogram_timer_rego_query_eval_ns_median"),
        "ms",
    )
    report.figure(
        "policy_p99_latency_opa_bench_eval",
        extra(evals, "histogram_timer_rego_query_eval_ns_99%"),
        "ms",
    )
    report.note(
        "policy_cached_decision",
        "none: Kaizen does not cache decisions; each one is logged by OPA with a decision id "
        "that the run records, and a cached answer would have no log entry to point to",
    )
