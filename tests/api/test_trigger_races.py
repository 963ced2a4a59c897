"""Triggers that race a finishing run are never dropped: each lands on exactly one run.

Observe-only runs against the real control plane finish in a fraction of a second, so
hundreds of triggers for one workload keep meeting runs that are just closing. Every
answer must be started/joined (never 404 or 5xx), and every trigger must be on a run.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from temporalio.client import Client

from api.app import create_app
from kaizen.settings import Settings
from kaizen.stack.kube import LocalKubeControlPlane
from kaizen.v1.healing_pb2 import AlertNotice, HealingResult
from kaizen.v1.kubernetes_pb2 import WorkloadRef
from tests.conftest import Keys
from tests.kube_workloads import make_workload

TRIGGERS = 200


@pytest.fixture
async def hammered_api(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    # One key hammering one workload: this test is about races, not rate limits.
    unlimited = settings.model_copy(update={"rate_limit_per_key": 100_000.0})
    app = create_app(unlimited)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kaizen") as http:
            yield http


async def _notices_on_runs(client: Client, workflow_id: str, expected: int) -> list[AlertNotice]:
    """Every notice recorded on every run of ``workflow_id``, once all of them have ended."""
    for _ in range(300):
        runs = [run async for run in client.list_workflows(f"WorkflowId = '{workflow_id}'")]
        if runs and all(run.status is not None and run.status.name != "RUNNING" for run in runs):
            notices: list[AlertNotice] = []
            for run in runs:
                result = await client.get_workflow_handle(
                    workflow_id, run_id=run.run_id, result_type=HealingResult
                ).result()
                notices.extend(result.alerts)
            if len(notices) >= expected:  # visibility may still lag behind the last run
                return notices
        await asyncio.sleep(0.2)
    raise AssertionError(f"the runs of {workflow_id} never all ended with {expected} notices")


def _started_or_joined(replies: list[httpx.Response]) -> Counter[int]:
    statuses = Counter(reply.status_code for reply in replies)
    assert set(statuses) == {202}, [r.text for r in replies if r.status_code != 202][:3]
    return statuses


async def test_api_triggers_racing_finishing_runs_all_land_on_a_run(
    hammered_api: httpx.AsyncClient,
    keys: Keys,
    worker: None,
    kube: LocalKubeControlPlane,
    client: Client,
    settings: Settings,
) -> None:
    workload = make_workload(kube)
    body = {"service": workload.name, "namespace": workload.namespace, "symptom": "Flapping",
            "severity": "low"}  # fmt: skip
    operator = Keys.header(keys.operator)

    async def trigger() -> httpx.Response:
        return await hammered_api.post("/v1/healing-runs", json=body, headers=operator)

    concurrent = await asyncio.gather(*(trigger() for _ in range(TRIGGERS)))
    back_to_back = [await trigger() for _ in range(TRIGGERS)]
    _started_or_joined([*concurrent, *back_to_back])
    workflow_id = concurrent[0].json()["id"]
    notices = await _notices_on_runs(client, workflow_id, 2 * TRIGGERS)
    # Each trigger is recorded once, on exactly one run: none lost, none doubled.
    assert len(notices) == 2 * TRIGGERS
    assert all(n.alertname == "Flapping" and n.source == "olivia" for n in notices)
    started = sum(reply.json()["joined"] is False for reply in [*concurrent, *back_to_back])
    runs = [run async for run in client.list_workflows(f"WorkflowId = '{workflow_id}'")]
    assert started == len(runs) > 1  # runs kept finishing while the triggers came


async def test_alertmanager_deliveries_racing_finishing_runs_are_never_lost(
    hammered_api: httpx.AsyncClient,
    keys: Keys,
    worker: None,
    kube: LocalKubeControlPlane,
    client: Client,
) -> None:
    workload: WorkloadRef = make_workload(kube)
    operator = Keys.header(keys.operator)

    def delivery(fingerprint: str) -> dict[str, Any]:
        labels = {"alertname": "ErrorBurst", "namespace": workload.namespace,
                  "deployment": workload.name, "severity": "warning"}  # fmt: skip
        return {"version": "4", "status": "firing", "receiver": "kaizen",
                "alerts": [{"status": "firing", "labels": labels, "fingerprint": fingerprint,
                            "startsAt": "2026-11-20T10:00:00Z"}]}  # fmt: skip

    fingerprints = [uuid.uuid4().hex[:16] for _ in range(TRIGGERS)]

    async def send(fingerprint: str) -> httpx.Response:
        return await hammered_api.post(
            "/v1/alerts/alertmanager", json=delivery(fingerprint), headers=operator
        )

    half = TRIGGERS // 2
    concurrent = await asyncio.gather(*(send(f) for f in fingerprints[:half]))
    back_to_back = [await send(f) for f in fingerprints[half:]]
    replies = [*concurrent, *back_to_back]
    assert [r.status_code for r in replies] == [200] * TRIGGERS, [
        r.text for r in replies if r.status_code != 200
    ][:3]
    actions = Counter(reply.json()["results"][0]["action"] for reply in replies)
    assert set(actions) <= {"started", "joined"}, actions
    workflow_id = replies[0].json()["results"][0]["run"]["id"]
    notices = await _notices_on_runs(client, workflow_id, TRIGGERS)
    assert sorted(n.fingerprint for n in notices) == sorted(fingerprints)
