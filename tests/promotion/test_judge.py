"""The baseline-versus-canary judge on a real Prometheus: the canary's series against the
stable Deployment's, scored by Mann-Whitney U and Kayenta's bands, inside a real rollout."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from temporalio.testing import ActivityEnvironment

from activities.prometheus.analysis import AnalysisActivities
from activities.prometheus.client import PrometheusClient
from kaizen.catalog.environments import load_environments
from kaizen.settings import Settings
from kaizen.stack.kube import LocalKubeControlPlane
from kaizen.v1.kubernetes_pb2 import WorkloadRef
from kaizen.v1.promotion_pb2 import MeasureRequest
from tests.conftest import Keys
from tests.prometheus_fixtures import ScrapedPrometheus
from tests.promotion.stack import (
    deployments,
    ended,
    environment_toml,
    metric_value,
    promotion_stack,
    write_environments,
)
from tests.promotion.test_rollout import EVIDENCE, canary_error_ratio, prepared
from workflows.promotion.analysis import as_baseline

LATENCY = "promo_latency_seconds"
JUDGE = """
[metrics.latency_vs_stable]
query = 'max({name}{{namespace="{{{{namespace}}}}",deployment="{{{{target}}}}"}})'
judge = {{ direction = "increase", lookback = "6s", step = "1s" }}
"""


@asynccontextmanager
async def latency_feed(
    prometheus: ScrapedPrometheus, namespace: str, *, stable: float, canary: float
) -> AsyncIterator[None]:
    """Both Deployments' latency, jittering around a level four times a second (Prometheus
    scrapes every second), from a fixed seed; the block starts once Prometheus holds the
    judge's whole lookback (6 s) at these levels, however late its scrapes run."""
    jitter = random.Random(13)

    async def feed() -> None:
        while True:
            for name, level in (("web", stable), ("web-canary", canary)):
                value = level * (1 + jitter.uniform(-0.05, 0.05))
                prometheus.target.set(LATENCY, value, namespace=namespace, deployment=name)
            await asyncio.sleep(0.25)

    task = asyncio.create_task(feed())
    try:
        await asyncio.sleep(6.5)
        for name, level in (("web", stable), ("web-canary", canary)):
            await lookback_at(prometheus, namespace, name, level)
        yield
    finally:
        task.cancel()


async def lookback_at(
    prometheus: ScrapedPrometheus, namespace: str, deployment: str, level: float
) -> None:
    """Until the last 7 s of ``deployment``'s series hold 6 samples, all near ``level``: a
    scrape delayed on a loaded machine must not leave the previous block's values in."""
    selector = f'{LATENCY}{{namespace="{namespace}",deployment="{deployment}"}}'
    ready = (
        f"count_over_time({selector}[7s]) >= 6 and min_over_time({selector}[7s]) > {level * 0.9}"
        f" and max_over_time({selector}[7s]) < {level * 1.1}"
    )
    deadline = asyncio.get_running_loop().time() + 30
    async with httpx.AsyncClient(base_url=prometheus.url, timeout=5) as http:
        while True:
            reply = await http.get("/api/v1/query", params={"query": ready})
            if reply.json()["data"]["result"]:
                return
            assert asyncio.get_running_loop().time() < deadline, f"{deployment} not at {level}"
            await asyncio.sleep(0.25)


def judge_environment(tmp_path: Path, workload: WorkloadRef) -> Path:
    text = environment_toml(
        "staging",
        workload.namespace,
        steps='{ set_weight = 50 }, { analysis = ["latency_vs_stable"] }',
    ) + JUDGE.format(name=LATENCY)
    # [metrics.*] tables after [rollout] still belong to the file's root: TOML allows it.
    return write_environments(tmp_path / "e", {"staging": text})


async def test_the_judge_measures_canary_against_baseline_on_real_series(
    prometheus: ScrapedPrometheus, tmp_path: Path
) -> None:
    workload = WorkloadRef(namespace="judge-activity", name="web")
    metric = next(
        m for m in load_environments(judge_environment(tmp_path, workload))["staging"].metrics
        if m.name == "latency_vs_stable"
    )  # fmt: skip
    assert (metric.judge.confidence, metric.judge.pass_score, metric.judge.marginal_score) == (
        0.98, 95, 75,
    )  # fmt: skip

    def rendered(query: str) -> str:
        return (
            query.replace("{{namespace}}", workload.namespace)
            .replace("{{target}}", "web-canary")
            .replace("{{stable}}", "web")
        )

    request = MeasureRequest(
        metric=metric,
        query=rendered(metric.query),
        baseline_query=rendered(as_baseline(metric.query)),
    )
    client = PrometheusClient(prometheus.url)
    activities = AnalysisActivities(client)
    try:
        async with latency_feed(prometheus, workload.namespace, stable=0.1, canary=0.1):
            same = await ActivityEnvironment().run(activities.measure, request)
        async with latency_feed(prometheus, workload.namespace, stable=0.1, canary=0.3):
            slower = await ActivityEnvironment().run(activities.measure, request)
        gone = rendered(metric.query).replace("web-canary", "gone")
        lost = MeasureRequest(metric=metric, query=gone, baseline_query="max(absent_series)")
        nothing = await ActivityEnvironment().run(activities.measure, lost)
    finally:
        await client.close()
    assert (same.phase, list(same.values)) == ("successful", [100.0]), same.message
    assert (slower.phase, list(slower.values)) == ("failed", [0.0]), slower.message
    assert "score 0 (pass >= 95, marginal >= 75): series high" in slower.message
    assert nothing.phase == "error" and "no data" in nothing.message


async def test_a_canary_slower_than_its_baseline_is_rolled_back_by_the_judge(
    settings: Settings,
    kube: LocalKubeControlPlane,
    keys: Keys,
    prometheus: ScrapedPrometheus,
    tmp_path: Path,
) -> None:
    workload = prepared(kube)
    await canary_error_ratio(prometheus, workload, 0.0)  # the environment's error_rate holds
    before = deployments(kube, workload.namespace)
    async with (
        latency_feed(prometheus, workload.namespace, stable=0.1, canary=0.25),
        promotion_stack(
            settings, kube, keys, judge_environment(tmp_path, workload),
            prometheus_url=prometheus.url,
        ) as stack,
    ):  # fmt: skip
        build = await stack.register("web", **EVIDENCE)
        run_id = str((await stack.promote(build, "staging"))["id"])
        done = await stack.wait(run_id, ended, timeout=90)
        metrics = (await stack.api.get("/metrics")).text
    result = done["result"]
    assert result["outcome"] == "rolled_back", result["reason"]
    [analysis] = result["analyses"]
    assert (analysis["kind"], analysis["phase"]) == ("step", "failed")
    [measured] = analysis["metrics"][0]["measurements"]
    assert measured["values"] == [0.0] and "series high" in measured["message"]
    assert 'deployment="web-canary"' in analysis["metrics"][0]["query"]
    assert deployments(kube, workload.namespace) == before
    assert (
        metric_value(metrics, "kaizen_promotion_analyses_total", environment="staging",
                     kind="step", result="failed") == 1
    )  # fmt: skip
