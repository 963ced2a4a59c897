"""Starting, joining, reading and listing runs."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy.engine import Engine
from temporalio.client import Client

from kaizen.settings import Settings
from kaizen.stack.kube import LocalKubeControlPlane
from kaizen.temporal.client import connect
from tests.conftest import Keys
from tests.healing_env import set_service_mode
from tests.kube_workloads import make_workload
from tests.polling import ended, in_phase, wait_for_run


async def test_same_business_key_joins_the_running_run(api: httpx.AsyncClient, keys: Keys) -> None:
    # No worker polls this test's queue: the runs stay running while the test looks.
    operator = Keys.header(keys.operator)
    body = {"service": f"svc-{uuid.uuid4().hex[:6]}", "namespace": "shop",
            "symptom": "HighLatency", "severity": "high"}  # fmt: skip
    first = (await api.post("/v1/healing-runs", json=body, headers=operator)).json()
    second = (await api.post("/v1/healing-runs", json=body, headers=operator)).json()
    assert first["joined"] is False
    assert second["joined"] is True
    assert second["id"] == first["id"] and second["run_id"] == first["run_id"]
    # One mutating run per workload: another symptom of the same workload joins it too.
    symptom = (await api.post("/v1/healing-runs", json={**body, "symptom": "Other"},
                              headers=operator)).json()  # fmt: skip
    assert symptom["joined"] is True and symptom["run_id"] == first["run_id"]
    other = (await api.post("/v1/healing-runs", json={**body, "service": body["service"] + "-b"},
                            headers=operator)).json()  # fmt: skip
    assert other["id"] != first["id"] and other["joined"] is False
    for run_id in (first["id"], other["id"]):
        await api.post(f"/v1/runs/{run_id}/cancel", headers=operator)


async def test_a_trigger_inside_the_backoff_joins_the_run_that_just_ended(
    settings: Settings, keys: Keys, client: Client
) -> None:
    from api.app import create_app

    with_backoff = settings.model_copy(update={"healing_backoff_seconds": 600})
    app = create_app(with_backoff)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kaizen") as api:
            operator = Keys.header(keys.operator)
            body = {"service": f"svc-{uuid.uuid4().hex[:6]}", "namespace": "shop",
                    "symptom": "HighLatency", "severity": "high"}  # fmt: skip
            first = (await api.post("/v1/healing-runs", json=body, headers=operator)).json()
            await client.get_workflow_handle(first["id"]).terminate("test: the run ended")
            again = await api.post("/v1/healing-runs", json=body, headers=operator)
            assert again.status_code == 202, again.text
            joined = again.json()
            assert joined["joined"] is True and joined["id"] == first["id"]
            assert joined["run_id"] == first["run_id"] and joined["status"] == "terminated"
            counters = await api.get(
                "/v1/healing/scheduler-counters", headers=Keys.header(keys.viewer)
            )
    total = counters.json()["total"]
    assert total["proposals"] == 1 and total["backoffs"] == 1 and total["joins"] == 0


async def test_list_runs_by_kind_status_and_service(
    api: httpx.AsyncClient,
    keys: Keys,
    worker: None,
    kube: LocalKubeControlPlane,
    settings: Settings,
    engine: Engine,
) -> None:
    operator = Keys.header(keys.operator)
    workload = make_workload(kube, revisions=2)
    service = workload.name
    body = {"service": service, "namespace": workload.namespace, "symptom": "Crash",
            "severity": "low"}  # fmt: skip
    started = (await api.post("/v1/healing-runs", json=body, headers=operator)).json()
    await wait_for_run(api, started["id"], operator, ended)
    await set_service_mode(settings, engine, workload, "approval")
    waiting = (
        await api.post("/v1/healing-runs", json={**body, "symptom": "Down", "severity": "high",
                       "playbook": "rollback"}, headers=operator)
    ).json()  # fmt: skip
    await wait_for_run(api, waiting["id"], operator, in_phase("awaiting_change_window"))

    async def listed(**params: str) -> set[str]:
        for _ in range(50):  # visibility is eventually consistent
            reply = await api.get("/v1/runs", params={"service": service, **params},
                                  headers=operator)  # fmt: skip
            assert reply.status_code == 200, reply.text
            ids = {r["id"] for r in reply.json() if workload.namespace in r["id"]}
            if ids:
                return ids
            import asyncio

            await asyncio.sleep(0.2)
        return set()

    assert await listed(status="completed") == {started["id"]}
    assert await listed(status="running", kind="healing") == {waiting["id"]}
    running = [
        r for r in (await api.get("/v1/runs", params={"service": service, "status": "running"},
                                  headers=operator)).json()
        if r["id"] == waiting["id"]
    ]  # fmt: skip
    assert running[0]["phase"] == "awaiting_change_window"
    assert running[0]["kind"] == "healing" and running[0]["service"] == service
    await api.post(f"/v1/runs/{waiting['id']}/cancel", headers=operator)


@pytest.mark.parametrize("encoding", ["binary"])
async def test_binary_payload_setting_runs_end_to_end(
    settings: Settings, encoding: str, keys: Keys, tmp_path: object
) -> None:
    """Binary protobuf is a setting: the same run completes with it."""
    from api.app import create_app
    from tests.conftest import run_worker

    binary = settings.model_copy(update={"payload_encoding": encoding})
    app = create_app(binary)
    async with app.router.lifespan_context(app), run_worker(binary):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kaizen") as api:
            operator = Keys.header(keys.operator)
            body = {"service": "bin", "namespace": "shop", "symptom": "Crash", "severity": "low"}
            started = (await api.post("/v1/healing-runs", json=body, headers=operator)).json()
            run = await wait_for_run(api, started["id"], operator, ended)
    # No cluster: nothing can change, so the run only observes.
    assert run["result"]["outcome"] == "observed"
    history = await (await connect(binary)).get_workflow_handle(started["id"]).fetch_history()
    first = history.events[0].workflow_execution_started_event_attributes.input.payloads[0]
    assert first.metadata["encoding"] == b"binary/protobuf"


async def test_more_concurrent_starts_than_pooled_connections_all_start(
    api: httpx.AsyncClient, keys: Keys, engine: Engine
) -> None:
    # 40 in flight outnumber the 15 pooled SQLite connections. A request-long session in
    # authentication plus an audit write on the event loop once deadlocked here until the
    # pool's 30 s timeout; now every start answers promptly.
    import asyncio

    from kaizen.persistence.db import session_scope
    from kaizen.persistence.scheduler import totals

    operator = Keys.header(keys.operator)
    service = f"svc-{uuid.uuid4().hex[:6]}"

    async def start(index: int) -> httpx.Response:
        body = {"service": f"{service}-{index}", "namespace": "shop", "symptom": "Latency",
                "severity": "low"}  # fmt: skip
        return await api.post("/v1/healing-runs", json=body, headers=operator)

    replies = await asyncio.wait_for(asyncio.gather(*(start(i) for i in range(40))), timeout=20)
    assert [r.status_code for r in replies] == [202] * 40, [r.text for r in replies][:3]
    assert len({r.json()["id"] for r in replies}) == 40
    with session_scope(engine) as session:
        assert totals(session, tenant="default")["proposal"] == 40


async def test_list_rows_are_what_the_contracts_general_path_shows(
    api: httpx.AsyncClient, keys: Keys, client: Client, settings: Settings
) -> None:
    # The list builds its rows straight from visibility (api.run_list) instead of through a
    # RunRecord, to_api and the response model; each row must be exactly what that path
    # shows: a running row, a closed one and one waiting at its approval gate.
    import asyncio
    from datetime import UTC, datetime

    from google.protobuf.json_format import MessageToDict, ParseDict
    from temporalio.common import SearchAttributePair, TypedSearchAttributes

    from api.run_views import summary_record
    from api.schemas import RunView
    from kaizen.contract.json_codec import to_api
    from kaizen.temporal.search_attributes import KAIZEN_KIND, KAIZEN_SERVICE, KAIZEN_TENANT
    from kaizen.v1.approval_pb2 import (
        APPROVAL_DECISION_APPROVE,
        APPROVAL_STATUS_PENDING,
        ApprovalState,
        ApprovalVote,
        RecordedVote,
    )
    from workflows.gates.governed import PENDING_APPROVAL_MEMO

    operator = Keys.header(keys.operator)
    service = f"svc-{uuid.uuid4().hex[:6]}"
    ids = []
    for suffix in ("a", "b"):
        body = {"service": f"{service}-{suffix}", "namespace": "shop", "symptom": "Latency",
                "severity": "low"}  # fmt: skip
        ids.append((await api.post("/v1/healing-runs", json=body, headers=operator)).json()["id"])
    await client.get_workflow_handle(ids[1]).terminate("test: a closed row")
    # As a run waiting at its gate shows itself in its memo (GovernedRun).
    vote = ApprovalVote(approver="alice", comment="ok", decision=APPROVAL_DECISION_APPROVE)
    state = ApprovalState(status=APPROVAL_STATUS_PENDING, required=2, approvals=1,
                          allowed_roles=["approver"], requested_by="olivia", summary="scale up",
                          votes=[RecordedVote(vote=vote)])  # fmt: skip
    state.deadline.FromDatetime(datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=UTC))
    state.votes[0].at.FromNanoseconds(1_900_000_000_123_456_789)
    gated = await client.start_workflow(
        "HealingWorkflow", id=f"healing:default:shop:{service}-c",
        task_queue=settings.healing_task_queue,
        memo={"namespace": "shop",
              PENDING_APPROVAL_MEMO: MessageToDict(state, preserving_proto_field_name=True)},
        search_attributes=TypedSearchAttributes([
            SearchAttributePair(KAIZEN_KIND, "healing"),
            SearchAttributePair(KAIZEN_TENANT, "default"),
            SearchAttributePair(KAIZEN_SERVICE, f"{service}-c"),
        ]),
    )  # fmt: skip
    ids.append(gated.id)

    query = f"KaizenService STARTS_WITH '{service}-'"
    rows: dict[str, dict[str, object]] = {}
    for _ in range(100):  # visibility is eventually consistent
        await asyncio.sleep(0.1)
        reply = await api.get("/v1/runs", headers=Keys.header(keys.viewer))
        assert reply.status_code == 200, reply.text
        rows = {r["id"]: r for r in reply.json() if r["id"] in ids}
        if len(rows) == 3 and rows[ids[1]]["closed_at"] is not None:
            break
    expected = {}
    async for execution in client.list_workflows(query):
        record = summary_record(settings, execution)
        memo = await execution.memo()
        record.namespace = str(memo.get("namespace", ""))
        pending = memo.get(PENDING_APPROVAL_MEMO)
        if record.status == "running" and isinstance(pending, dict):
            record.pending_approval.CopyFrom(ParseDict(pending, ApprovalState()))
        expected[record.id] = RunView.model_validate(to_api(record)).model_dump(mode="json")
    assert rows == expected
    assert rows[ids[0]]["status"] == "running" and rows[ids[0]]["namespace"] == "shop"
    assert rows[ids[1]]["status"] == "terminated" and rows[ids[1]]["pending_approval"] is None
    shown = rows[ids[2]]["pending_approval"]
    assert isinstance(shown, dict) and shown["status"] == "pending" and shown["approvals"] == 1
    for workflow_id in ids:
        if workflow_id != ids[1]:
            await client.get_workflow_handle(workflow_id).terminate("test: done")
