"""Canary rollouts end to end: real Temporal, OPA, kube-apiserver (kwok pods), Prometheus.

The test decides how good the new build is by the error ratio it sets on the scrape
target for the canary Deployment; Prometheus scrapes it every second, and the
rollout's analysis reads it like any other metric.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from activities.prometheus.client import PrometheusClient
from kaizen.settings import Settings
from kaizen.stack.kube import LocalKubeControlPlane
from kaizen.v1.kubernetes_pb2 import WorkloadRef
from tests.conftest import Keys
from tests.kube_workloads import make_workload
from tests.prometheus_fixtures import ScrapedPrometheus, start_scraped_prometheus
from tests.promotion.stack import (
    ERROR_RATIO,
    IMAGE_V2,
    PromotionStack,
    deployments,
    ended,
    environment_toml,
    events_of,
    grant_promoter,
    image_of,
    in_phase,
    metric_value,
    promotion_stack,
    write_environments,
)

EVIDENCE: dict[str, Any] = {
    "tests": {"passed": 50, "failed": 0, "coverage_percent": 90},
    "security": {"critical": 0, "high": 0},
    "performance": {"latency_p95_ms": 120, "memory_mb": 200, "cpu_percent": 20},
}


async def canary_error_ratio(
    prometheus: ScrapedPrometheus, workload: WorkloadRef, value: float, name: str = "web-canary"
) -> None:
    """Set the ratio and wait until Prometheus holds it (one scrape)."""
    prometheus.target.set(ERROR_RATIO, value, namespace=workload.namespace, deployment=name)
    client = PrometheusClient(prometheus.url)
    query = f'{ERROR_RATIO}{{namespace="{workload.namespace}",deployment="{name}"}}'
    try:
        await prometheus.wait_for_samples(
            client, query, lambda s: bool(s) and abs(s[0].value - value) < 1e-9
        )
    finally:
        await client.close()


def staging(workload: WorkloadRef, **options: Any) -> dict[str, str]:
    return {"staging": environment_toml("staging", workload.namespace, **options)}


def prepared(kube: LocalKubeControlPlane) -> WorkloadRef:
    workload = make_workload(kube, replicas=2)
    grant_promoter(kube, workload.namespace)
    return workload


async def start(stack: PromotionStack) -> str:
    build = await stack.register("web", **EVIDENCE)
    return str((await stack.promote(build, "staging"))["id"])


def step_summary(run: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (s["kind"], s["status"], s["weight"], s["canary_replicas"], s["stable_replicas"])
        for s in run["result"]["steps"]
    ]


async def test_a_healthy_canary_promotes_through_its_steps(
    settings: Settings,
    kube: LocalKubeControlPlane,
    keys: Keys,
    prometheus: ScrapedPrometheus,
    tmp_path: Path,
) -> None:
    workload = prepared(kube)
    await canary_error_ratio(prometheus, workload, 0.001)
    await canary_error_ratio(prometheus, workload, 0.002, name="web")
    files = staging(
        workload,
        steps='{ set_weight = 50 }, { analysis = ["error_rate"] }, { pause = { duration = "1s" } }',
        verification='"error_rate"',
        extra='soak = "1s"',
    )
    async with promotion_stack(
        settings,
        kube,
        keys,
        write_environments(tmp_path / "e", files),
        prometheus_url=prometheus.url,
    ) as stack:
        run_id = await start(stack)
        done = await stack.wait(run_id, ended, timeout=90)
    result = done["result"]
    assert result["outcome"] == "promoted", result["reason"]
    # 50% of 2 replicas with one surge pod: 1 canary beside 1 stable (Argo's rounding).
    assert step_summary(done) == [
        ("set_weight", "done", 50, 1, 1),
        ("analysis", "done", 0, 0, 0),
        ("pause", "done", 0, 0, 0),
        ("promote", "done", 100, 0, 2),
    ]
    assert [(a["kind"], a["phase"]) for a in result["analyses"]] == [
        ("step", "successful"),
        ("verification", "successful"),
    ]
    step_metric = result["analyses"][0]["metrics"][0]
    assert step_metric["successful"] == 2 and 'deployment="web-canary"' in step_metric["query"]
    assert 'deployment="web"' in result["analyses"][1]["metrics"][0]["query"]
    # The stable Deployment runs the build on every replica; the canary is gone.
    specs = deployments(kube, workload.namespace)
    assert set(specs) == {"web"} and specs["web"]["replicas"] == 2
    assert image_of(kube, workload) == IMAGE_V2
    actions = [c["action"] for c in result["changes"]]
    assert actions == [
        "canary_create", "stable_scale", "stable_promote", "canary_scale", "canary_delete",
    ]  # fmt: skip
    assert result["release"]["state"] == "live"


async def test_a_bad_version_is_aborted_and_the_cluster_is_exactly_as_before(
    settings: Settings,
    kube: LocalKubeControlPlane,
    keys: Keys,
    prometheus: ScrapedPrometheus,
    tmp_path: Path,
) -> None:
    workload = prepared(kube)
    await canary_error_ratio(prometheus, workload, 0.30)  # the new build's errors
    before = deployments(kube, workload.namespace)
    # Background analysis judges the canary across the steps; an indefinite pause would
    # wait for a person forever, but the failed analysis aborts it wherever it is.
    files = staging(
        workload, steps="{ set_weight = 50 }, { pause = {} }", background='"error_rate"', count=0
    )
    async with promotion_stack(
        settings,
        kube,
        keys,
        write_environments(tmp_path / "e", files),
        prometheus_url=prometheus.url,
    ) as stack:
        run_id = await start(stack)
        done = await stack.wait(run_id, ended, timeout=90)
        metrics = (await stack.api.get("/metrics")).text
    env = {"environment": "staging"}
    assert metric_value(metrics, "kaizen_promotions_total", **env, outcome="rolled_back") == 1
    assert (
        metric_value(metrics, "kaizen_promotion_analyses_total", **env, kind="background",
                     result="failed") == 1
    )  # fmt: skip
    result = done["result"]
    assert result["outcome"] == "rolled_back", result["reason"]
    assert "background analysis" in result["reason"] and "restored exactly" in result["reason"], [
        e for e in done["events"] if e["type"].startswith("rollback")
    ]
    assert [(a["kind"], a["phase"]) for a in result["analyses"]] == [("background", "failed")]
    assert deployments(kube, workload.namespace) == before  # specs compared whole
    types = [e["type"] for e in done["events"]]
    assert "rollback.verified" in types and "rollback.differs" not in types
    assert [c["action"] for c in result["restored"]] == [
        "stable_restore", "canary_scale", "canary_delete",
    ]  # fmt: skip


@pytest.mark.parametrize("decision", ["continue", "abort"])
async def test_an_inconclusive_analysis_waits_for_a_person(
    settings: Settings,
    kube: LocalKubeControlPlane,
    keys: Keys,
    prometheus: ScrapedPrometheus,
    tmp_path: Path,
    decision: str,
) -> None:
    workload = prepared(kube)
    await canary_error_ratio(prometheus, workload, 0.02)  # between success and failure
    before = deployments(kube, workload.namespace)
    files = staging(workload, steps='{ set_weight = 50 }, { analysis = ["error_rate"] }')
    async with promotion_stack(
        settings,
        kube,
        keys,
        write_environments(tmp_path / "e", files),
        prometheus_url=prometheus.url,
    ) as stack:
        run_id = await start(stack)
        waiting = await stack.wait(run_id, in_phase("awaiting_decision"), timeout=60)
        assert events_of(waiting, "decision.asked.inconclusive")
        # The canary stays where it is while a person decides.
        assert set(deployments(kube, workload.namespace)) == {"web", "web-canary"}
        refused = await stack.control(run_id, "retry")
        assert refused.status_code == 409, refused.text
        assert (await stack.control(run_id, "promote_full")).status_code == 403
        answer = await stack.control(run_id, decision, reason="looked at the dashboards")
        assert answer.status_code == 200, answer.text
        done = await stack.wait(run_id, ended, timeout=60)
    result = done["result"]
    recorded = [(c["action"], c["by"]) for c in result["controls"]]
    assert recorded == [(decision, "olivia")]
    if decision == "continue":
        assert result["outcome"] == "promoted", result["reason"]
        assert image_of(kube, workload) == IMAGE_V2
    else:
        assert result["outcome"] == "rolled_back", result["reason"]
        assert "aborted by olivia" in result["reason"]
        assert deployments(kube, workload.namespace) == before


async def test_prometheus_stopped_mid_analysis_parks_the_rollout(
    settings: Settings, kube: LocalKubeControlPlane, keys: Keys, tmp_path: Path
) -> None:
    own = start_scraped_prometheus(tmp_path / "prometheus")  # this test stops it
    try:
        workload = prepared(kube)
        await canary_error_ratio(own, workload, 0.001)
        files = staging(
            workload, steps='{ set_weight = 50 }, { analysis = ["error_rate"] }', count=5
        )
        async with promotion_stack(
            settings, kube, keys, write_environments(tmp_path / "e", files), prometheus_url=own.url
        ) as stack:
            run_id = await start(stack)
            await stack.wait(run_id, lambda r: bool(events_of(r, "analysis.started")), timeout=60)
            own.server.stop()
            parked = await stack.wait(run_id, in_phase("analysis_parked"), timeout=60)
            analysis = events_of(parked, "analysis.error")[-1]
            assert "consecutive errors (2) > consecutive_error_limit (1)" in analysis["message"]
            # Parked, not aborted: the canary keeps its weight, nothing is rolled back.
            specs = deployments(kube, workload.namespace)
            assert specs["web-canary"]["replicas"] == 1 and specs["web"]["replicas"] == 1
            assert not events_of(parked, "rollback.started")
            own.server.start()
            own.server.wait_for_scrape()
            retried = await stack.control(run_id, "retry", reason="Prometheus is back")
            assert retried.status_code == 200, retried.text
            done = await stack.wait(run_id, ended, timeout=90)
        result = done["result"]
        assert result["outcome"] == "promoted", result["reason"]
        assert [a["phase"] for a in result["analyses"]] == ["error", "successful"]
    finally:
        own.server.stop()
        own.target.close()


async def test_a_freeze_parks_an_in_flight_promotion_and_lifting_it_resumes(
    settings: Settings,
    kube: LocalKubeControlPlane,
    keys: Keys,
    prometheus: ScrapedPrometheus,
    tmp_path: Path,
) -> None:
    workload = prepared(kube)
    files = staging(workload, steps="{ set_weight = 50 }, { pause = {} }")
    async with promotion_stack(
        settings,
        kube,
        keys,
        write_environments(tmp_path / "e", files),
        prometheus_url=prometheus.url,
    ) as stack:
        run_id = await start(stack)
        await stack.wait(run_id, in_phase("paused"), timeout=60)
        frozen = await stack.api.post(
            "/v1/freezes",
            json={"scope": "environment", "target": "staging", "reason": "launch day"},
            headers=stack.headers(),
        )
        assert frozen.status_code == 201, frozen.text
        assert (await stack.control(run_id, "continue")).status_code == 200
        parked = await stack.wait(run_id, in_phase("frozen"), timeout=30)
        assert "launch day" in events_of(parked, "freeze.parked")[-1]["message"]
        assert image_of(kube, workload) == "registry.local/web:1"  # the promotion waits
        lifted = await stack.api.delete(
            f"/v1/freezes/{frozen.json()['id']}", headers=stack.headers()
        )
        assert lifted.status_code == 200, lifted.text
        done = await stack.wait(run_id, ended, timeout=60)
    assert done["result"]["outcome"] == "promoted", done["result"]["reason"]
    assert "freeze.lifted" in [e["type"] for e in done["events"]]
    assert image_of(kube, workload) == IMAGE_V2


async def test_a_failed_soak_puts_the_previous_build_back_exactly(
    settings: Settings,
    kube: LocalKubeControlPlane,
    keys: Keys,
    prometheus: ScrapedPrometheus,
    tmp_path: Path,
) -> None:
    workload = prepared(kube)
    # After the promotion the stable Deployment itself runs the build, and errs.
    await canary_error_ratio(prometheus, workload, 0.30, name="web")
    before = deployments(kube, workload.namespace)
    files = staging(workload, verification='"error_rate"', extra='soak = "1s"')
    async with promotion_stack(
        settings, kube, keys, write_environments(tmp_path / "e", files),
        prometheus_url=prometheus.url,
    ) as stack:  # fmt: skip
        run_id = await start(stack)
        done = await stack.wait(run_id, ended, timeout=90)
    result = done["result"]
    assert result["outcome"] == "rolled_back", result["reason"]
    assert result["reason"].startswith("verification after the promotion")
    assert [c["action"] for c in result["changes"]] == ["stable_promote", "stable_restore"]
    # The pod template went back too: the previous image, the spec exactly as before.
    assert image_of(kube, workload) == "registry.local/web:1"
    assert deployments(kube, workload.namespace) == before
