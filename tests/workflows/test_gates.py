"""Approval gate, change-window gate and watchdog, through the API and the real servers.

Every run here targets a real Deployment whose service is in approval mode and
asks for the high-risk rollback playbook: a change window and one approval.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from kaizen.settings import Settings
from kaizen.stack.kube import LocalKubeControlPlane
from kaizen.v1.approval_pb2 import APPROVAL_DECISION_APPROVE, ApprovalVote
from kaizen.v1.common_pb2 import SEVERITY_HIGH, RunLimits
from kaizen.v1.healing_pb2 import HEALING_OUTCOME_ABORTED, HEALING_OUTCOME_REJECTED, HealingRequest
from kaizen.v1.kubernetes_pb2 import WorkloadRef
from tests.conftest import Keys
from tests.healing_env import set_risk_floor, set_service_mode
from tests.kube_workloads import make_workload
from tests.polling import ended, event_types, in_phase, wait_for_run
from tests.servers import opa_auth
from workflows.gates.governed import GovernedRun
from workflows.healing.workflow import HealingWorkflow


@pytest.fixture
async def target(kube: LocalKubeControlPlane, settings: Settings, engine: Engine) -> WorkloadRef:
    """A Deployment with a revision to roll back to, its service in approval mode."""
    workload = make_workload(kube, revisions=2)
    await set_service_mode(settings, engine, workload, "approval")
    return workload


async def start_run(
    api: httpx.AsyncClient, key: str, target: WorkloadRef, *, severity: str = "high"
) -> dict[str, Any]:
    reply = await api.post(
        "/v1/healing-runs",
        json={"service": target.name, "namespace": target.namespace, "playbook": "rollback",
              "symptom": "HighErrorRate", "severity": severity},
        headers=Keys.header(key),
    )  # fmt: skip
    assert reply.status_code == 202, reply.text
    return dict(reply.json())


async def open_window(api: httpx.AsyncClient, key: str, scope: str) -> dict[str, Any]:
    reply = await api.post(
        "/v1/change-windows",
        json={"scope": scope, "duration_minutes": 30, "reason": "test"},
        headers=Keys.header(key),
    )
    assert reply.status_code == 201, reply.text
    return dict(reply.json())


async def vote(
    api: httpx.AsyncClient, run_id: str, key: str, decision: str = "approve"
) -> httpx.Response:
    return await api.post(
        f"/v1/runs/{run_id}/approvals",
        json={"decision": decision, "comment": "looks right"},
        headers=Keys.header(key),
    )


async def test_high_risk_waits_for_window_then_approval(
    api: httpx.AsyncClient, keys: Keys, worker: None, target: WorkloadRef
) -> None:
    viewer = Keys.header(keys.viewer)
    run = await start_run(api, keys.approver, target)
    waiting = await wait_for_run(api, run["id"], viewer, in_phase("awaiting_change_window"))
    assert waiting["pending_approval"] is None

    # Nothing is pending while the run waits for its window.
    early = await vote(api, run["id"], keys.approver2)
    assert early.status_code == 409, early.text

    window = await open_window(api, keys.operator, run["service"])
    assert window["open"] is True and window["opened_by"] == "olivia"
    waiting = await wait_for_run(api, run["id"], viewer, in_phase("awaiting_approval"))
    pending = waiting["pending_approval"]
    assert pending["status"] == "pending"
    assert pending["required"] == 1
    assert pending["requested_by"] == "alice"

    own = await vote(api, run["id"], keys.approver)
    assert own.status_code == 403 and "may not approve" in own.json()["error"]
    by_viewer = await vote(api, run["id"], keys.viewer)
    assert by_viewer.status_code == 403
    by_operator = await vote(api, run["id"], keys.operator)
    assert by_operator.status_code == 403

    accepted = await vote(api, run["id"], keys.approver2)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "approved"

    done = await wait_for_run(api, run["id"], viewer, ended)
    assert done["result"]["outcome"] == "fixed", done["result"]["reason"]
    types = event_types(done)
    for expected in (
        "window.waiting",
        "window.opened_by_operator",
        "approval.requested",
        "approval.vote",
        "approval.decided",
        "window.checked",
        "action.applied",
    ):
        assert expected in types, expected  # fmt: skip
    votes = [e for e in done["events"] if e["type"] == "approval.vote"]
    assert votes[0]["data"]["approver"] == "bob"

    after = await vote(api, run["id"], keys.admin)
    assert after.status_code == 409


async def run_awaiting_approval(
    api: httpx.AsyncClient, keys: Keys, target: WorkloadRef
) -> dict[str, Any]:
    """A run whose window is open, waiting for its approvals."""
    await open_window(api, keys.operator, target.name)
    run = await start_run(api, keys.operator, target)
    await wait_for_run(api, run["id"], Keys.header(keys.viewer), in_phase("awaiting_approval"))
    return run


async def test_critical_risk_needs_two_approvals_and_refuses_a_duplicate_vote(
    api: httpx.AsyncClient, keys: Keys, worker: None, settings: Settings, target: WorkloadRef
) -> None:
    await set_risk_floor(settings, target.namespace, "critical")
    run = await run_awaiting_approval(api, keys, target)
    viewer = Keys.header(keys.viewer)

    first = await vote(api, run["id"], keys.approver)
    assert first.status_code == 200 and first.json()["approvals"] == 1
    assert first.json()["status"] == "pending"
    again = await vote(api, run["id"], keys.approver)
    assert again.status_code == 409 and "already voted" in again.json()["error"]
    second = await vote(api, run["id"], keys.admin)
    assert second.status_code == 200 and second.json()["status"] == "approved"
    done = await wait_for_run(api, run["id"], viewer, ended)
    assert done["result"]["policy"]["risk"] == "critical"
    assert done["result"]["outcome"] == "fixed", done["result"]["reason"]


async def test_a_rejection_ends_the_run_with_the_reason(
    api: httpx.AsyncClient, keys: Keys, worker: None, target: WorkloadRef
) -> None:
    run = await run_awaiting_approval(api, keys, target)
    viewer = Keys.header(keys.viewer)
    rejected = await vote(api, run["id"], keys.approver, decision="reject")
    assert rejected.json()["status"] == "rejected"
    done = await wait_for_run(api, run["id"], viewer, ended)
    assert done["result"]["outcome"] == "rejected"
    assert "alice" in done["result"]["reason"]


async def start_direct(
    client: Client, settings: Settings, target: WorkloadRef, limits: RunLimits
) -> Any:
    request = HealingRequest(
        service=target.name, namespace=target.namespace, symptom="HighErrorRate",
        severity=SEVERITY_HIGH, tenant="default", requested_by="olivia", limits=limits,
        playbook="rollback",
    )  # fmt: skip
    return await client.start_workflow(
        HealingWorkflow.run,
        request,
        id=f"test-{uuid.uuid4()}",
        task_queue=settings.healing_task_queue,
    )


async def test_approval_timeout_is_a_recorded_rejection(
    api: httpx.AsyncClient,
    client: Client,
    settings: Settings,
    keys: Keys,
    worker: None,
    target: WorkloadRef,
) -> None:
    await open_window(api, keys.operator, target.name)
    handle = await start_direct(
        client, settings, target, RunLimits(approval_timeout_seconds=2, run_timeout_seconds=600)
    )
    result = await handle.result()
    assert result.outcome == HEALING_OUTCOME_REJECTED
    assert "timed out" in result.reason
    assert "approval.decided" in [e.type for e in result.events]


async def test_watchdog_aborts_and_says_why(
    client: Client, settings: Settings, worker: None, target: WorkloadRef
) -> None:
    handle = await start_direct(client, settings, target, RunLimits(run_timeout_seconds=2))
    result = await handle.result()
    assert result.outcome == HEALING_OUTCOME_ABORTED
    assert "watchdog" in result.reason and "awaiting_change_window" in result.reason


async def test_validator_refuses_votes_sent_straight_to_temporal(
    api: httpx.AsyncClient,
    client: Client,
    settings: Settings,
    keys: Keys,
    worker: None,
    target: WorkloadRef,
) -> None:
    await open_window(api, keys.operator, target.name)
    handle = await start_direct(client, settings, target, RunLimits())
    await wait_for_run(api, handle.id, Keys.header(keys.viewer), in_phase("awaiting_approval"))
    outsider = ApprovalVote(
        approver="mallory", decision=APPROVAL_DECISION_APPROVE, approver_roles=["viewer"]
    )
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(GovernedRun.submit_approval, outsider)
    assert isinstance(refused.value.cause, ApplicationError)
    assert refused.value.cause.type == "ApproverNotAllowed"
    status = await handle.query(GovernedRun.status)
    assert status.pending_approval.approvals == 0
    assert "approval.vote" not in [e.type for e in status.events]
    await handle.cancel()


async def test_closing_the_window_pauses_before_acting(
    api: httpx.AsyncClient, keys: Keys, worker: None, target: WorkloadRef
) -> None:
    window = await open_window(api, keys.operator, target.name)
    run = await start_run(api, keys.operator, target)
    viewer = Keys.header(keys.viewer)
    await wait_for_run(api, run["id"], viewer, in_phase("awaiting_approval"))
    listed = (await api.get("/v1/change-windows", headers=viewer)).json()
    assert window["id"] in {w["id"] for w in listed}

    closed = await api.delete(
        f"/v1/change-windows/{window['id']}", headers=Keys.header(keys.operator)
    )
    assert closed.status_code == 200 and closed.json()["open"] is False
    again = await api.delete(
        f"/v1/change-windows/{window['id']}", headers=Keys.header(keys.operator)
    )
    assert again.status_code == 409

    assert (await vote(api, run["id"], keys.approver)).status_code == 200
    paused = await wait_for_run(api, run["id"], viewer, in_phase("awaiting_change_window"))
    assert "action.applied" not in event_types(paused)
    assert "window.closed_by_operator" in event_types(paused)

    await open_window(api, keys.operator, target.name)
    done = await wait_for_run(api, run["id"], viewer, ended)
    assert done["result"]["outcome"] == "fixed", done["result"]["reason"]


async def test_calendar_window_from_policy_data(
    api: httpx.AsyncClient, settings: Settings, keys: Keys, worker: None, target: WorkloadRef
) -> None:
    calendar = [{"id": "always", "scope": target.name, "opens_at": "2020-01-01T00:00:00Z",
                 "closes_at": "2099-01-01T00:00:00Z", "reason": "test calendar"}]  # fmt: skip
    data_url = f"{settings.opa_base_url}/v1/data/kaizen/change_windows/calendar"
    async with httpx.AsyncClient(headers=opa_auth(settings)) as opa:
        assert (await opa.put(data_url, json=calendar)).status_code == 204
        try:
            run = await start_run(api, keys.operator, target)
            done = await wait_for_run(
                api, run["id"], Keys.header(keys.viewer), in_phase("awaiting_approval")
            )
        finally:
            await opa.put(data_url, json=[])
    checked = [e for e in done["events"] if e["type"] == "window.checked"]
    assert checked and checked[0]["data"]["source"] == "calendar"
    assert "window.waiting" not in event_types(done)


async def test_cancel_records_and_ends_the_run(
    api: httpx.AsyncClient, keys: Keys, worker: None, target: WorkloadRef
) -> None:
    run = await start_run(api, keys.operator, target)
    viewer = Keys.header(keys.viewer)
    await wait_for_run(api, run["id"], viewer, in_phase("awaiting_change_window"))
    denied = await api.post(f"/v1/runs/{run['id']}/cancel", headers=viewer)
    assert denied.status_code == 403
    reply = await api.post(f"/v1/runs/{run['id']}/cancel", headers=Keys.header(keys.operator))
    assert reply.status_code == 202
    done = await wait_for_run(api, run["id"], viewer, ended)
    assert done["status"] == "cancelled"
