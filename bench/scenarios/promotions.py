"""A promotion into dev end to end, against the one Kubernetes change it makes.

Kaizen: ``POST /v1/builds`` then ``POST /v1/promotions`` into ``dev`` (the shipped
environment: tests as evidence, no approvals, no canary steps) until the run has
completed: freeze check, the gate's OPA decision, the snapshot, the image change and its
rollout, the release and outcome records. Raw: the same image change as one Kubernetes
patch, waited on until the Deployment controller has observed it. Zero-replica
Deployments, so no pod loads the machine; the ratio is what the governance around one
change costs, not a pod's rollout.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench.context import Bench, bounded, ms
from bench.stats import p50, p99
from kaizen.stack.kube import LocalKubeControlPlane
from kaizen.v1.promotion_pb2 import PROMOTION_OUTCOME_PROMOTED, PromotionOutcome, PromotionResult

NAMESPACE = "dev"
EVIDENCE = {"tests": {"passed": 100, "failed": 0, "coverage_percent": 90}}


def _deployment(name: str) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": f"registry.local/{name}:1"}]},
            },
        },
    }


def prepare(kube: LocalKubeControlPlane, prefix: str, count: int) -> list[str]:
    """The dev namespace (the bot granted there) and ``count`` Deployments of its own."""
    try:
        kube.request("POST", "/api/v1/namespaces", {"metadata": {"name": NAMESPACE}})
    except Exception:  # made by an earlier repetition
        pass
    kube.grant_bot(NAMESPACE)
    names = [f"{prefix}-{i:04d}" for i in range(count)]
    for name in names:
        kube.request("POST", f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments", _deployment(name))
    return names


async def kaizen_round(bench: Bench, services: list[str], tag: str) -> list[float]:
    async def promote(i: int) -> float:
        started = time.perf_counter()
        build = await bench.api.post(
            "/v1/builds",
            json={"service": services[i], "image": f"registry.local/{services[i]}:{tag}",
                  "version": tag, "evidence": EVIDENCE},
        )  # fmt: skip
        if build.status_code != 201:
            raise RuntimeError(f"POST /v1/builds: {build.status_code} {build.text[:300]}")
        reply = await bench.api.post(
            "/v1/promotions", json={"build_id": build.json()["id"], "environment": NAMESPACE}
        )
        if reply.status_code != 202:
            raise RuntimeError(f"POST /v1/promotions: {reply.status_code} {reply.text[:300]}")
        handle = bench.client.get_workflow_handle(reply.json()["id"], result_type=PromotionResult)
        result = await handle.result()
        if result.outcome != PROMOTION_OUTCOME_PROMOTED:
            outcome = PromotionOutcome.Name(result.outcome)
            raise RuntimeError(f"{handle.id} ended {outcome}: {result.reason}")
        return time.perf_counter() - started

    return ms(await bounded(len(services), promote))


async def raw_round(bench: Bench, services: list[str], tag: str) -> list[float]:
    kube = bench.stack.kube

    def change(i: int) -> float:
        started = time.perf_counter()
        path = f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/{services[i]}"
        container = {"name": "app", "image": f"registry.local/{services[i]}:{tag}"}
        patched = kube.request(
            "PATCH", path, {"spec": {"template": {"spec": {"containers": [container]}}}},
            content_type="application/strategic-merge-patch+json",
        )  # fmt: skip
        generation = patched["metadata"]["generation"]
        while kube.request("GET", path)["status"].get("observedGeneration", 0) < generation:
            time.sleep(0.02)
        return time.perf_counter() - started

    async def one(i: int) -> float:
        return await asyncio.to_thread(change, i)

    return ms(await bounded(len(services), one))


async def run(bench: Bench) -> None:
    report = bench.report
    count = bench.sizes.approvals
    report.section("Promotions")
    report.prose(
        f"{count} promotions per side per repetition, 16 at a time, each of a Deployment of "
        "its own. Kaizen: register the build and promote it into `dev` until the run has "
        "completed (freeze check, OPA gate, snapshot, image change and rollout, release). "
        "Raw: the image change as one patch, until the controller observed it."
    )
    kube = bench.stack.kube
    kaizen_services = await asyncio.to_thread(prepare, kube, "pk", count)
    raw_services = await asyncio.to_thread(prepare, kube, "pr", count)
    await bench.stack.start_workers(bench.stack.settings.worker_processes)
    kaizen: list[list[float]] = []
    raw: list[list[float]] = []
    for rep in range(bench.reps):
        tag = f"2.{rep}.{int(time.time())}"
        raw.append(await raw_round(bench, raw_services, tag))
        kaizen.append(await kaizen_round(bench, kaizen_services, tag))
        bench.say(
            f"promotion rep {rep}: kaizen p50 {p50(kaizen[-1]):.0f} ms, raw {p50(raw[-1]):.0f} ms"
        )
    pairs = list(zip(kaizen, raw, strict=True))
    report.ratio(
        "promotion_dev_p50_latency_kaizen_vs_raw_patch", [p50(k) / p50(r) for k, r in pairs]
    )
    for side, rounds in (("kaizen", kaizen), ("raw_patch", raw)):
        report.figure(f"promotion_dev_p50_latency_{side}", [p50(r) for r in rounds], "ms")
        report.figure(f"promotion_dev_p99_latency_{side}", [p99(r) for r in rounds], "ms")
