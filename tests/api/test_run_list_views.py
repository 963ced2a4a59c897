"""The runs list shows what the single view shows for the questions an operator asks of a
list: which namespace, and whether a run waits for someone's approval. Kinds come from the
registry; runs a schedule started are listed by the schedule's name."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from sqlalchemy.engine import Engine

from kaizen.settings import Settings
from kaizen.stack.kube import LocalKubeControlPlane
from tests.conftest import Keys
from tests.healing_env import set_service_mode, start_run
from tests.kube_workloads import make_workload
from tests.polling import in_phase, wait_for_run


async def listed(
    api: httpx.AsyncClient, key: str, run_id: str, until: Any, **params: str
) -> dict[str, Any]:
    last: dict[str, Any] = {}
    for _ in range(100):  # visibility (and the memo in it) is eventually consistent
        reply = await api.get("/v1/runs", params=params, headers=Keys.header(key))
        assert reply.status_code == 200, reply.text
        found = [r for r in reply.json() if r["id"] == run_id]
        if found:
            last = found[0]
            if until(last):
                return last
        await asyncio.sleep(0.1)
    raise AssertionError(f"{run_id} never listed as expected; last: {last}")


async def test_the_list_shows_namespace_and_pending_approval(
    api: httpx.AsyncClient,
    keys: Keys,
    worker: None,
    kube: LocalKubeControlPlane,
    settings: Settings,
    engine: Engine,
) -> None:
    workload = make_workload(kube)
    await set_service_mode(settings, engine, workload, "approval")
    run = await start_run(api, keys.operator, workload, symptom="HighErrorRate")
    single = await wait_for_run(
        api, run["id"], Keys.header(keys.viewer), in_phase("awaiting_approval")
    )
    row = await listed(
        api, keys.viewer, run["id"], lambda r: r["pending_approval"] is not None,
        service=workload.name,
    )  # fmt: skip
    assert row["namespace"] == workload.namespace
    assert row["pending_approval"]["required"] == single["pending_approval"]["required"]
    assert row["pending_approval"]["summary"] == single["pending_approval"]["summary"]
    assert row["pending_approval"]["status"] == "pending"
    await api.post(f"/v1/runs/{run['id']}/approvals", json={"decision": "reject"},
                   headers=Keys.header(keys.approver))  # fmt: skip
    ended = await listed(api, keys.viewer, run["id"], lambda r: r["status"] != "running",
                         service=workload.name)  # fmt: skip
    assert ended["pending_approval"] is None and ended["namespace"] == workload.namespace


async def test_kinds_come_from_the_registry_and_schedules_list_their_runs(
    api: httpx.AsyncClient, keys: Keys
) -> None:
    sweeps = await api.get("/v1/runs", params={"kind": "healing_sweep"},
                           headers=Keys.header(keys.viewer))  # fmt: skip
    assert sweeps.status_code == 200, sweeps.text
    unknown = await api.get(
        "/v1/runs", params={"kind": "teleport"}, headers=Keys.header(keys.viewer)
    )
    assert unknown.status_code == 422
    name = f"list-{uuid.uuid4().hex[:8]}"
    created = await api.post(
        "/v1/schedules",
        json={"id": name, "kind": "healing", "spec": {"intervals": [{"every_seconds": 3600}]},
              "input": {"service": f"svc-{name[-6:]}", "namespace": "shop", "symptom": "Nightly",
                        "severity": "low"}},
        headers=Keys.header(keys.operator),
    )  # fmt: skip
    assert created.status_code == 201, created.text
    await api.post(f"/v1/schedules/{name}/trigger", json={}, headers=Keys.header(keys.operator))
    for _ in range(100):
        runs = (await api.get("/v1/runs", params={"schedule": name},
                              headers=Keys.header(keys.viewer))).json()  # fmt: skip
        if runs:
            break
        await asyncio.sleep(0.1)
    assert [r["service"] for r in runs] == [f"svc-{name[-6:]}"]
    other = await api.get("/v1/runs", params={"schedule": "no-such-schedule"},
                          headers=Keys.header(keys.viewer))  # fmt: skip
    assert other.json() == []
    await api.delete(f"/v1/schedules/{name}", headers=Keys.header(keys.admin))
