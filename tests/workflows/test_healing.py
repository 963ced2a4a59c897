"""Healing runs end to end: real Temporal, OPA, Kubernetes API server and Prometheus.

The test controls the service's signals through a scrape target, so "the fix
worked" and "the fix did not work" are both real answers from Prometheus.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from kaizen.persistence.db import session_scope
from kaizen.persistence.learning import LearningEntry, events_for_run
from kaizen.settings import Settings
from kaizen.stack.kube import LocalKubeControlPlane
from kaizen.v1.kubernetes_pb2 import WorkloadRef
from tests.conftest import Keys, run_worker
from tests.healing_env import set_service_mode, start_run
from tests.healing_fast_catalog import fast_catalog
from tests.kube_workloads import make_workload, read, wait_available
from tests.polling import ended, event_types, in_phase, wait_for_run
from tests.prometheus_fixtures import ScrapedPrometheus

ERROR_RATIO = "service:http_error_ratio:rate5m"


@pytest.fixture
async def healing_worker(
    settings: Settings, kube: LocalKubeControlPlane, prometheus: ScrapedPrometheus
) -> AsyncIterator[Settings]:
    """A worker that sees the cluster (as the bot) and Prometheus."""
    with_prometheus = settings.model_copy(update={"prometheus_url": prometheus.url})
    async with run_worker(with_prometheus, kube):
        yield with_prometheus


def error_ratio(prometheus: ScrapedPrometheus, workload: WorkloadRef, value: float) -> None:
    prometheus.target.set(ERROR_RATIO, value, namespace=workload.namespace, service=workload.name)


async def scraped(prometheus: ScrapedPrometheus, workload: WorkloadRef, value: float) -> None:
    """Wait until Prometheus holds ``value`` (one scrape), so diagnosis reads it."""
    from activities.prometheus.client import PrometheusClient

    client = PrometheusClient(prometheus.url)
    query = f'{ERROR_RATIO}{{namespace="{workload.namespace}",service="{workload.name}"}}'
    try:
        await prometheus.wait_for_samples(
            client, query, lambda s: bool(s) and abs(s[0].value - value) < 1e-9
        )
    finally:
        await client.close()


def learned(engine: Engine, run: dict[str, object]) -> list[str]:
    with Session(engine) as session:
        return [e.event for e in events_for_run(session, f"{run['id']}/{run['run_id']}")]


def history(engine: Engine, workload: WorkloadRef, playbook: str, event: str, n: int) -> None:
    """Past outcomes of ``playbook`` for this service and the error_rate diagnosis."""
    with session_scope(engine) as session:
        for i in range(n):
            session.add(
                LearningEntry(
                    run_id=f"past-{playbook}-{event}-{i}", event=event, tenant="default",
                    namespace=workload.namespace, service=workload.name,
                    diagnosis="error_rate", playbook=playbook, playbook_version=1,
                    at=datetime.now(UTC),
                )
            )  # fmt: skip


async def test_approve_and_fix_verified_by_prometheus(
    api: httpx.AsyncClient,
    keys: Keys,
    engine: Engine,
    kube: LocalKubeControlPlane,
    prometheus: ScrapedPrometheus,
    healing_worker: Settings,
) -> None:
    workload = make_workload(kube)
    await set_service_mode(healing_worker, engine, workload, "approval")
    error_ratio(prometheus, workload, 0.3)
    await scraped(prometheus, workload, 0.3)
    viewer = Keys.header(keys.viewer)

    run = await start_run(api, keys.operator, workload, symptom="HighErrorRate")
    waiting = await wait_for_run(api, run["id"], viewer, in_phase("awaiting_approval"))
    status = waiting["pending_approval"]
    assert status["required"] == 1 and "restart" in status["summary"]
    assert read(kube, workload)["spec"]["template"]["metadata"].get("annotations") is None

    # The restart fixes the service: errors drop once it is approved.
    assert (
        await api.post(
            f"/v1/runs/{run['id']}/approvals",
            json={"decision": "approve"},
            headers=Keys.header(keys.approver),
        )
    ).status_code == 200
    error_ratio(prometheus, workload, 0.01)
    done = await wait_for_run(api, run["id"], viewer, ended, timeout=60)
    result = done["result"]
    assert result["outcome"] == "fixed", result["reason"]
    assert result["verified"] is True

    diagnosis = result["diagnosis"]
    assert diagnosis["category"] == "error_rate"
    assert set(diagnosis["sources"]) >= {"symptom", "kubernetes", "prometheus"}
    reading = next(m for m in diagnosis["metrics"] if m["signal"] == "error_rate")
    assert reading["breached"] is True and reading["value"] == pytest.approx(0.3)
    assert result["ranking"]["strategy"] == "static"
    assert [c["playbook"] for c in result["ranking"]["candidates"]][0] == "restart"
    assert result["policy"]["mode"] == "approval"
    # Medium risk with no window open: the approval is what lets it act now.
    assert "window.overridden" in event_types(done)
    assert result["verification"]["last"]["method"] == "prometheus"

    template = read(kube, workload)["spec"]["template"]
    assert "kubectl.kubernetes.io/restartedAt" in template["metadata"]["annotations"]
    assert [e["applied"] for e in result["executed"]] == [True]
    assert learned(engine, done) == ["proposed", "approved", "executed", "verified"]


@pytest.fixture
async def quick_to_fail_worker(
    settings: Settings, kube: LocalKubeControlPlane, prometheus: ScrapedPrometheus, tmp_path: Path
) -> AsyncIterator[Settings]:
    """Like ``healing_worker``, but verification gives up after 10 s: this test waits for it."""
    quick = settings.model_copy(
        update={
            "prometheus_url": prometheus.url,
            "playbooks_dir": fast_catalog(tmp_path / "quick", timeout_seconds=10),
        }
    )
    async with run_worker(quick, kube):
        yield quick


async def test_failed_verification_rolls_back_to_the_previous_state(
    api: httpx.AsyncClient,
    keys: Keys,
    engine: Engine,
    kube: LocalKubeControlPlane,
    prometheus: ScrapedPrometheus,
    quick_to_fail_worker: Settings,
) -> None:
    healing_worker = quick_to_fail_worker
    workload = make_workload(kube)
    await set_service_mode(healing_worker, engine, workload, "approval")
    error_ratio(prometheus, workload, 0.4)  # and it stays there: scaling does not help
    await scraped(prometheus, workload, 0.4)
    viewer = Keys.header(keys.viewer)

    run = await start_run(
        api, keys.operator, workload, playbook="scale_out", parameters={"replicas_delta": 2}
    )
    await wait_for_run(api, run["id"], viewer, in_phase("awaiting_approval"))
    await api.post(
        f"/v1/runs/{run['id']}/approvals",
        json={"decision": "approve"},
        headers=Keys.header(keys.approver),
    )
    done = await wait_for_run(api, run["id"], viewer, ended, timeout=60)
    result = done["result"]
    assert result["outcome"] == "rolled_back", result["reason"]
    assert "not below" in result["reason"]
    assert result["executed"][0]["after"]["replicas"] == 4
    assert result["rolled_back"][0]["after"]["replicas"] == 2
    assert read(kube, workload)["spec"]["replicas"] == 2
    await asyncio.to_thread(wait_available, kube, workload, 2)
    types = event_types(done)
    assert types.index("verification.failed") < types.index("rollback.applied")
    assert learned(engine, done) == ["proposed", "approved", "executed", "rolled_back"]


async def test_observe_only_previews_and_changes_nothing(
    api: httpx.AsyncClient,
    keys: Keys,
    engine: Engine,
    kube: LocalKubeControlPlane,
    prometheus: ScrapedPrometheus,
    healing_worker: Settings,
) -> None:
    workload = make_workload(kube, revisions=2)  # no mode set: observe-only by default
    # Learning says roll back: ten verified rollbacks, every other candidate failed ten
    # times (so the draw is all but certain: Beta(11, 1) against Beta(1, 11)).
    history(engine, workload, "rollback", "verified", 10)
    for failed in ("restart", "scale_out", "observe"):
        history(engine, workload, failed, "rolled_back", 10)
    before = read(kube, workload)

    run = await start_run(api, keys.operator, workload, symptom="HighErrorRate")
    done = await wait_for_run(api, run["id"], Keys.header(keys.viewer), ended, timeout=60)
    result = done["result"]
    assert result["outcome"] == "observed", result["reason"]
    assert result["policy"]["mode"] == "observe" and result["policy"]["preview_only"]
    assert result["ranking"]["strategy"] == "thompson"
    assert result["ranking"]["chosen"] == "rollback"
    assert "Thompson" in result["action"]["why"]
    preview = result["executed"][0]
    assert preview["dry_run"] is True and preview["applied"] is False
    after = read(kube, workload)
    assert after["metadata"]["generation"] == before["metadata"]["generation"]
    assert after["spec"]["template"] == before["spec"]["template"]
    assert "approval.requested" not in event_types(done)
    assert learned(engine, done) == ["proposed"]


async def test_dry_run_request_cannot_act_even_in_autonomous_mode(
    api: httpx.AsyncClient,
    keys: Keys,
    engine: Engine,
    kube: LocalKubeControlPlane,
    healing_worker: Settings,
) -> None:
    workload = make_workload(kube)
    await set_service_mode(healing_worker, engine, workload, "autonomous")
    history(engine, workload, "scale_out", "verified", 6)
    run = await start_run(api, keys.operator, workload, playbook="scale_out", dry_run=True)
    done = await wait_for_run(api, run["id"], Keys.header(keys.viewer), ended, timeout=60)
    assert done["result"]["outcome"] == "observed"
    assert "dry run requested" in done["result"]["reason"]
    assert read(kube, workload)["spec"]["replicas"] == 2


async def test_autonomy_granted_by_policy_acts_without_approval(
    api: httpx.AsyncClient,
    keys: Keys,
    engine: Engine,
    kube: LocalKubeControlPlane,
    prometheus: ScrapedPrometheus,
    healing_worker: Settings,
) -> None:
    workload = make_workload(kube)
    await set_service_mode(healing_worker, engine, workload, "autonomous")
    history(engine, workload, "scale_out", "verified", 5)
    error_ratio(prometheus, workload, 0.0)
    run = await start_run(api, keys.operator, workload, playbook="scale_out")
    done = await wait_for_run(api, run["id"], Keys.header(keys.viewer), ended, timeout=60)
    result = done["result"]
    assert result["policy"]["autonomy"] == "granted", result["policy"]
    assert "100% over 5 runs" in result["policy"]["autonomy_reason"]
    assert result["outcome"] == "fixed", result["reason"]
    assert "approval.requested" not in event_types(done)
    assert read(kube, workload)["spec"]["replicas"] == 3


async def test_autonomy_refused_by_policy_falls_back_to_approval(
    api: httpx.AsyncClient,
    keys: Keys,
    engine: Engine,
    kube: LocalKubeControlPlane,
    healing_worker: Settings,
) -> None:
    workload = make_workload(kube)
    await set_service_mode(healing_worker, engine, workload, "autonomous")
    history(engine, workload, "scale_out", "verified", 3)
    history(engine, workload, "scale_out", "rolled_back", 3)
    run = await start_run(api, keys.operator, workload, playbook="scale_out")
    waiting = await wait_for_run(
        api, run["id"], Keys.header(keys.viewer), in_phase("awaiting_approval")
    )
    decided = next(e for e in waiting["events"] if e["type"] == "policy.decided")
    assert decided["data"]["autonomy"] == "refused"
    assert "50% is below 80%" in decided["data"]["autonomy_reason"]
    assert read(kube, workload)["spec"]["replicas"] == 2
    await api.post(f"/v1/runs/{run['id']}/cancel", headers=Keys.header(keys.operator))


async def test_requested_playbook_and_parameters_are_checked_before_starting(
    api: httpx.AsyncClient, keys: Keys
) -> None:
    operator = Keys.header(keys.operator)
    body = {"service": "web", "namespace": "shop", "symptom": "HighErrorRate", "severity": "high"}
    cases = [
        ({"playbook": "delete_everything"}, "playbook"),
        (
            {"playbook": "scale_out", "parameters": {"replicas_delta": 50}},
            "parameters.replicas_delta",
        ),
        ({"playbook": "scale_out", "parameters": {"replicas": 3}}, "parameters.replicas"),
        ({"parameters": {"replicas_delta": 1}}, "parameters"),
        ({"dry_run": "maybe"}, "dry_run"),
    ]
    for extra, field in cases:
        reply = await api.post("/v1/healing-runs", json={**body, **extra}, headers=operator)
        assert reply.status_code == 422, (extra, reply.text)
        assert field in [p["field"] for p in reply.json()["problems"]], reply.text
