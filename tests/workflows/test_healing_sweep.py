"""The healing sweep against a real kube-apiserver, Temporal and OPA.

A namespace holds a calm Deployment and Deployments whose pods can never be placed
(a nodeSelector no node carries), so the Deployment controller itself reports them
below their minimum availability. The sweep must start healing runs for those only,
join a run that is already going, and be schedulable through ``POST /v1/schedules``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowFailureError
from temporalio.service import RPCError, RPCStatusCode

from kaizen.kinds.base import StartContext
from kaizen.kinds.healing_sweep import HEALING_SWEEP
from kaizen.kinds.start import start_or_join
from kaizen.persistence.scheduler import SchedulerEvent
from kaizen.settings import Settings
from kaizen.stack.kube import LocalKubeControlPlane
from kaizen.v1.healing_pb2 import HealingSweepResult
from kaizen.v1.kubernetes_pb2 import WorkloadRef
from tests.conftest import Keys, run_worker
from tests.healing_env import set_service_mode, start_run
from tests.kube_workloads import deployment, make_workload, read
from tests.polling import in_phase, wait_for_run

NOWHERE = {"nodeSelector": {"type": "nowhere"}}


def add_stranded(kube: LocalKubeControlPlane, namespace: str, name: str) -> WorkloadRef:
    """A Deployment whose pods no node will take: never available."""
    kube.request(
        "POST", f"/apis/apps/v1/namespaces/{namespace}/deployments", deployment(name, 1, NOWHERE)
    )
    return WorkloadRef(namespace=namespace, name=name)


def wait_unavailable(kube: LocalKubeControlPlane, ref: WorkloadRef) -> None:
    """Until the Deployment controller reports Available=False."""
    deadline = time.monotonic() + 60
    conditions: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        conditions = read(kube, ref).get("status", {}).get("conditions", [])
        if any(c["type"] == "Available" and c["status"] == "False" for c in conditions):
            return
        time.sleep(0.2)
    raise AssertionError(f"{ref.name} never reported Available=False: {conditions}")


async def sweep(client: Client, engine: Engine, settings: Settings, **fields: Any) -> Any:
    """Start (or join) a sweep as the API or a schedule would, through the registry."""
    context = StartContext(settings=settings, requested_by="olivia", source="api")
    message = HEALING_SWEEP.build_input(fields, context)
    return await start_or_join(client, engine, HEALING_SWEEP, message, context)


async def healing_run_exists(client: Client, workflow_id: str) -> bool:
    try:
        await client.get_workflow_handle(workflow_id).describe()
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    return True


async def test_a_sweep_starts_runs_only_for_the_distressed_and_joins_a_running_one(
    api: httpx.AsyncClient,
    keys: Keys,
    client: Client,
    engine: Engine,
    settings: Settings,
    kube: LocalKubeControlPlane,
    worker: None,
) -> None:
    calm = make_workload(kube, name="calm", replicas=1)
    namespace = calm.namespace
    stranded = add_stranded(kube, namespace, "stranded")
    pending = add_stranded(kube, namespace, "pending")
    for ref in (stranded, pending):
        wait_unavailable(kube, ref)
    # A healing run for "pending" is already waiting for an approval: the sweep joins it.
    await set_service_mode(settings, engine, pending, "approval")
    going = await start_run(api, keys.operator, pending, symptom="HighErrorRate")
    await wait_for_run(
        api, going["id"], Keys.header(keys.viewer), in_phase("awaiting_approval"), timeout=60
    )

    scheduled = await sweep(client, engine, settings, namespace=namespace)
    assert scheduled.decision == "started"
    assert scheduled.workflow_id == f"healing_sweep:{settings.tenant}:{namespace}"
    result: HealingSweepResult = await client.get_workflow_handle(
        scheduled.workflow_id, result_type=HealingSweepResult
    ).result()

    by_name = {s.health.workload.name: s for s in result.workloads}
    assert sorted(by_name) == ["calm", "pending", "stranded"], result.summary
    assert result.checked == 3 and result.distressed == 2, result.summary
    assert not by_name["calm"].distressed and by_name["calm"].why.startswith("healthy")
    assert by_name["calm"].decision == "" and by_name["calm"].workflow_id == ""

    started = by_name["stranded"]
    assert started.distressed and started.symptom == "ReplicasUnavailable"
    assert started.health.below_minimum_availability
    assert started.decision == "started"
    assert started.workflow_id == f"healing:{settings.tenant}:{namespace}:stranded"

    joined = by_name["pending"]
    assert joined.decision == "joined"
    assert (joined.workflow_id, joined.run_id) == (going["id"], going["run_id"])
    assert (result.started, result.joined, result.held_back, result.failed) == (1, 1, 0, 0)

    # Runs only for the distressed: the calm Deployment has none.
    assert not await healing_run_exists(client, f"healing:{settings.tenant}:{namespace}:calm")
    # The joined run recorded the sweep's notice, as it would an alert's.
    shown = (await api.get(f"/v1/runs/{going['id']}", headers=Keys.header(keys.viewer))).json()
    notices = [e for e in shown["events"] if e["type"] == "alert.firing"]
    assert any(e["data"]["source"] == "sweep" for e in notices), notices
    # The started run came from the sweep, under the same counters as an alert's.
    started_run = await client.get_workflow_handle(started.workflow_id).describe()
    memo = await started_run.memo()
    assert memo["source"] == f"sweep:{scheduled.workflow_id}"
    with Session(engine) as session:
        decided = session.exec(
            select(SchedulerEvent.kind, SchedulerEvent.business_key).where(
                col(SchedulerEvent.source) == f"sweep:{scheduled.workflow_id}"
            )
        ).all()
    assert sorted(decided) == [("join", going["id"]), ("proposal", started.workflow_id)]

    await api.post(f"/v1/runs/{going['id']}/cancel", headers=Keys.header(keys.operator))


async def test_a_sweep_with_a_label_selector_reads_only_what_it_matches(
    client: Client,
    engine: Engine,
    settings: Settings,
    kube: LocalKubeControlPlane,
    worker: None,
) -> None:
    calm = make_workload(kube, name="calm", replicas=1)
    stranded = add_stranded(kube, calm.namespace, "stranded")
    wait_unavailable(kube, stranded)
    # Spelt loosely on purpose: the canonical form is what the API server is sent.
    scheduled = await sweep(
        client, engine, settings, namespace=calm.namespace, label_selector=" app in ( calm ) "
    )
    assert scheduled.workflow_id.startswith(
        f"healing_sweep:{settings.tenant}:{calm.namespace}:sel-"
    )
    result: HealingSweepResult = await client.get_workflow_handle(
        scheduled.workflow_id, result_type=HealingSweepResult
    ).result()
    assert [s.health.workload.name for s in result.workloads] == ["calm"]
    assert result.distressed == 0 and result.started == 0
    assert not await healing_run_exists(
        client, f"healing:{settings.tenant}:{calm.namespace}:stranded"
    )


async def test_a_sweep_without_a_cluster_fails_at_once_saying_why(
    client: Client, engine: Engine, settings: Settings
) -> None:
    began = time.monotonic()
    async with run_worker(settings, kube=None):
        scheduled = await sweep(client, engine, settings, namespace="demo")
        with pytest.raises(WorkflowFailureError) as failed:
            await client.get_workflow_handle(scheduled.workflow_id).result()
    assert time.monotonic() - began < 20
    assert "no cluster is configured" in str(failed.value.cause)


@pytest.fixture
async def schedules(api: httpx.AsyncClient, keys: Keys) -> AsyncIterator[list[str]]:
    names: list[str] = []
    yield names
    for name in names:
        await api.delete(f"/v1/schedules/{name}", headers=Keys.header(keys.admin))


async def test_a_scheduled_sweep_fires_and_starts_the_sweep_workflow(
    api: httpx.AsyncClient,
    keys: Keys,
    client: Client,
    settings: Settings,
    kube: LocalKubeControlPlane,
    worker: None,
    schedules: list[str],
) -> None:
    calm = make_workload(kube, name="calm", replicas=1)
    stranded = add_stranded(kube, calm.namespace, "stranded")
    wait_unavailable(kube, stranded)
    name = f"sweep-{calm.namespace}"
    reply = await api.post(
        "/v1/schedules",
        json={"id": name, "kind": "healing_sweep", "input": {"namespace": calm.namespace},
              "spec": {"intervals": [{"every_seconds": 2}]}, "overlap": "skip"},
        headers=Keys.header(keys.operator),
    )  # fmt: skip
    assert reply.status_code == 201, reply.text
    schedules.append(name)
    schedule = reply.json()
    assert schedule["kind"] == "healing_sweep" and schedule["overlap"] == "skip"

    fired: list[Any] = []
    for _ in range(150):
        fired = [
            run
            async for run in client.list_workflows(
                f"TemporalScheduledById = '{schedule['temporal_id']}'"
            )
        ]
        if fired:
            break
        await asyncio.sleep(0.2)
    assert fired, "the schedule never fired"
    first = min(fired, key=lambda run: run.start_time)
    await api.post(f"/v1/schedules/{name}/pause", json={"note": "test done"},
                   headers=Keys.header(keys.operator))  # fmt: skip
    assert first.id.startswith(f"healing_sweep:{settings.tenant}:{calm.namespace}")
    assert first.workflow_type == "HealingSweepWorkflow"
    result: HealingSweepResult = await client.get_workflow_handle(
        first.id, run_id=first.run_id, result_type=HealingSweepResult
    ).result()
    assert sorted(s.health.workload.name for s in result.workloads) == ["calm", "stranded"]
    swept = next(s for s in result.workloads if s.distressed)
    assert swept.decision in ("started", "joined")
    assert swept.workflow_id == f"healing:{settings.tenant}:{calm.namespace}:stranded"
    described = await client.get_workflow_handle(first.id, run_id=first.run_id).describe()
    assert described.status == WorkflowExecutionStatus.COMPLETED


async def test_the_readme_schedule_pauses_with_a_note_triggers_and_backfills_an_hour(
    api: httpx.AsyncClient,
    keys: Keys,
    client: Client,
    kube: LocalKubeControlPlane,
    worker: None,
    schedules: list[str],
) -> None:
    """The README's example, body for body: every 5 minutes, skip overlap."""
    namespace = make_workload(kube, name="calm", replicas=1).namespace
    operator = Keys.header(keys.operator)
    name = f"sweep-{namespace}"
    reply = await api.post(
        "/v1/schedules",
        json={"id": name, "kind": "healing_sweep", "input": {"namespace": namespace},
              "spec": {"cron": ["*/5 * * * *"]}, "overlap": "skip"},
        headers=operator,
    )  # fmt: skip
    assert reply.status_code == 201, reply.text
    schedules.append(name)
    paused = await api.post(
        f"/v1/schedules/{name}/pause", json={"note": "under maintenance"}, headers=operator
    )
    assert paused.status_code == 200 and paused.json()["paused"], paused.text
    assert paused.json()["note"] == "under maintenance"
    unpaused = await api.post(f"/v1/schedules/{name}/unpause", json={}, headers=operator)
    assert unpaused.status_code == 200 and not unpaused.json()["paused"], unpaused.text
    triggered = await api.post(f"/v1/schedules/{name}/trigger", json={}, headers=operator)
    assert triggered.status_code == 202, triggered.text
    now = datetime.now(UTC)
    backfilled = await api.post(
        f"/v1/schedules/{name}/backfill",
        json={"start_at": (now - timedelta(hours=1)).isoformat(), "end_at": now.isoformat(),
              "overlap": "buffer_all"},
        headers=operator,
    )  # fmt: skip
    assert backfilled.status_code == 202, backfilled.text
    # The trigger's sweep and the hour's 12 fires, one after another: at least a few by now.
    query = f"TemporalScheduledById = '{triggered.json()['temporal_id']}'"
    swept: list[Any] = []
    for _ in range(300):
        swept = [run async for run in client.list_workflows(query)]
        if len(swept) >= 3:
            break
        await asyncio.sleep(0.2)
    assert len(swept) >= 3, swept
    assert {run.workflow_type for run in swept} == {"HealingSweepWorkflow"}
    await api.post(f"/v1/schedules/{name}/pause", json={"note": "test done"}, headers=operator)


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"namespace": "Not_A_Namespace"}, "input.namespace"),
        ({}, "input.namespace"),
        ({"namespace": "demo", "label_selector": "tier in (web"}, "input.label_selector"),
        ({"namespace": "demo", "label_selector": "tier ~ web"}, "input.label_selector"),
        ({"namespace": "demo", "severity": "apocalyptic"}, "input.severity"),
        ({"namespace": "demo", "service": "web"}, "input.service"),
    ],
)
async def test_a_sweep_schedule_with_bad_input_is_a_422_naming_the_field(
    api: httpx.AsyncClient, keys: Keys, given: dict[str, Any], field: str
) -> None:
    reply = await api.post(
        "/v1/schedules",
        json={"id": "bad-sweep", "kind": "healing_sweep", "input": given,
              "spec": {"intervals": [{"every_seconds": 300}]}},
        headers=Keys.header(keys.operator),
    )  # fmt: skip
    assert reply.status_code == 422, reply.text
    assert field in [p["field"] for p in reply.json()["problems"]], reply.json()
