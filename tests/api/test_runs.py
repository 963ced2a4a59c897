"""Starting, joining, reading and listing runs."""

from __future__ import annotations

import uuid

import httpx
import pytest

from kaizen.settings import Settings
from kaizen.temporal.client import connect
from tests.conftest import Keys
from tests.polling import ended, in_phase, wait_for_run


async def test_same_business_key_joins_the_running_run(
    api: httpx.AsyncClient, keys: Keys, worker: None
) -> None:
    operator = Keys.header(keys.operator)
    body = {"service": f"svc-{uuid.uuid4().hex[:6]}", "namespace": "shop",
            "symptom": "HighLatency", "severity": "high"}  # fmt: skip
    first = (await api.post("/v1/healing-runs", json=body, headers=operator)).json()
    second = (await api.post("/v1/healing-runs", json=body, headers=operator)).json()
    assert first["joined"] is False
    assert second["joined"] is True
    assert second["id"] == first["id"] and second["run_id"] == first["run_id"]
    other = (await api.post("/v1/healing-runs", json={**body, "symptom": "Other"},
                            headers=operator)).json()  # fmt: skip
    assert other["id"] != first["id"]
    for run_id in (first["id"], other["id"]):
        await api.post(f"/v1/runs/{run_id}/cancel", headers=operator)


async def test_list_runs_by_kind_status_and_service(
    api: httpx.AsyncClient, keys: Keys, worker: None
) -> None:
    operator = Keys.header(keys.operator)
    service = f"svc-{uuid.uuid4().hex[:6]}"
    body = {"service": service, "namespace": "shop", "symptom": "Crash", "severity": "low"}
    started = (await api.post("/v1/healing-runs", json=body, headers=operator)).json()
    await wait_for_run(api, started["id"], operator, ended)
    waiting = (
        await api.post("/v1/healing-runs", json={**body, "symptom": "Down", "severity": "high"},
                       headers=operator)
    ).json()  # fmt: skip
    await wait_for_run(api, waiting["id"], operator, in_phase("awaiting_change_window"))

    async def listed(**params: str) -> set[str]:
        for _ in range(50):  # visibility is eventually consistent
            reply = await api.get("/v1/runs", params={"service": service, **params},
                                  headers=operator)  # fmt: skip
            assert reply.status_code == 200, reply.text
            ids = {r["id"] for r in reply.json()}
            if ids:
                return ids
            import asyncio

            await asyncio.sleep(0.2)
        return set()

    assert await listed(status="completed") == {started["id"]}
    assert await listed(status="running", kind="healing") == {waiting["id"]}
    running = (await api.get("/v1/runs", params={"service": service, "status": "running"},
                             headers=operator)).json()  # fmt: skip
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
    assert run["result"]["outcome"] == "proposed"
    history = await (await connect(binary)).get_workflow_handle(started["id"]).fetch_history()
    first = history.events[0].workflow_execution_started_event_attributes.input.payloads[0]
    assert first.metadata["encoding"] == b"binary/protobuf"
