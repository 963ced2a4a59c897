"""The freeze switch: a frozen run parks before its next mutating step and resumes when the
freeze lifts; a hotfix exemption is an admin's. Real Temporal, OPA and kube-apiserver."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine

from kaizen.settings import Settings
from kaizen.stack.kube import LocalKubeControlPlane
from kaizen.v1.kubernetes_pb2 import WorkloadRef
from tests.conftest import Keys
from tests.healing_env import set_service_mode, start_run
from tests.kube_workloads import make_workload, read
from tests.polling import ended, event_types, in_phase, wait_for_run


async def freeze(api: httpx.AsyncClient, key: str, **body: Any) -> httpx.Response:
    return await api.post("/v1/freezes", json=body, headers=Keys.header(key))


def generation(kube: LocalKubeControlPlane, workload: WorkloadRef) -> int:
    return int(read(kube, workload)["metadata"]["generation"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scope": "global", "target": "web", "reason": "r"}, "a global freeze has no target"),
        ({"scope": "service", "reason": "r"}, "needs a target"),
        ({"scope": "galaxy", "reason": "r"}, "scope"),
        ({"scope": "global", "reason": ""}, "reason"),
        ({"scope": "global", "reason": "r", "until": "2020-01-01T00:00:00Z"}, "future"),
    ],
)
async def test_bad_freezes_are_422(
    api: httpx.AsyncClient, keys: Keys, body: dict[str, Any], field: str
) -> None:
    reply = await freeze(api, keys.operator, **body)
    assert reply.status_code == 422, reply.text
    assert field in reply.text


async def test_create_list_lift_and_roles(api: httpx.AsyncClient, keys: Keys) -> None:
    assert (await freeze(api, keys.viewer, scope="global", reason="r")).status_code == 403
    created = await freeze(api, keys.operator, scope="service", target="web", reason="launch")
    assert created.status_code == 201, created.text
    made = created.json()
    assert made["active"] is True and made["created_by"] == "olivia"
    listed = (await api.get("/v1/freezes", headers=Keys.header(keys.viewer))).json()
    assert [f["id"] for f in listed] == [made["id"]]
    exempt = await api.post(
        f"/v1/freezes/{made['id']}/exemptions",
        json={"workflow_id": "healing:default:shop:web", "reason": "hotfix"},
        headers=Keys.header(keys.operator),
    )
    assert exempt.status_code == 403  # exemptions are an admin's
    lifted = await api.delete(f"/v1/freezes/{made['id']}", headers=Keys.header(keys.operator))
    assert lifted.status_code == 200 and lifted.json()["active"] is False
    again = await api.delete(f"/v1/freezes/{made['id']}", headers=Keys.header(keys.operator))
    assert again.status_code == 409
    assert (await api.get("/v1/freezes", headers=Keys.header(keys.viewer))).json() == []
    every = await api.get("/v1/freezes?include_ended=true", headers=Keys.header(keys.viewer))
    assert [f["lifted_by"] for f in every.json()] == ["olivia"]
    unknown = await api.delete("/v1/freezes/fz-nope", headers=Keys.header(keys.operator))
    assert unknown.status_code == 404


async def test_a_freeze_parks_an_in_flight_run_until_it_lifts(
    api: httpx.AsyncClient,
    keys: Keys,
    worker: None,
    kube: LocalKubeControlPlane,
    settings: Settings,
    engine: Engine,
) -> None:
    workload = make_workload(kube)
    await set_service_mode(settings, engine, workload, "approval")
    before = generation(kube, workload)
    run = await start_run(api, keys.operator, workload, symptom="HighErrorRate")
    viewer = Keys.header(keys.viewer)
    await wait_for_run(api, run["id"], viewer, in_phase("awaiting_approval"))
    # The freeze comes while the run waits for its approval: it must not act once approved.
    frozen = await freeze(api, keys.operator, scope="service", target=workload.name,
                          reason="release freeze")  # fmt: skip
    assert frozen.status_code == 201, frozen.text
    approved = await api.post(
        f"/v1/runs/{run['id']}/approvals", json={"decision": "approve"},
        headers=Keys.header(keys.approver),
    )  # fmt: skip
    assert approved.status_code == 200, approved.text
    parked = await wait_for_run(api, run["id"], viewer, in_phase("frozen"))
    assert "freeze.parked" in event_types(parked)
    assert generation(kube, workload) == before
    await api.delete(f"/v1/freezes/{frozen.json()['id']}", headers=Keys.header(keys.operator))
    done = await wait_for_run(api, run["id"], viewer, ended, timeout=60)
    assert done["result"]["outcome"] == "fixed", done["result"]["reason"]
    assert "freeze.lifted" in event_types(done)
    assert generation(kube, workload) == before + 1


async def test_an_admin_exempts_a_hotfix_from_a_global_freeze(
    api: httpx.AsyncClient,
    keys: Keys,
    worker: None,
    kube: LocalKubeControlPlane,
    settings: Settings,
    engine: Engine,
) -> None:
    workload = make_workload(kube)
    await set_service_mode(settings, engine, workload, "approval")
    until = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    frozen = await freeze(api, keys.operator, scope="global", reason="incident", until=until)
    assert frozen.status_code == 201, frozen.text
    run = await start_run(api, keys.operator, workload, symptom="HighErrorRate")
    viewer = Keys.header(keys.viewer)
    await wait_for_run(api, run["id"], viewer, in_phase("awaiting_approval"))
    await api.post(f"/v1/runs/{run['id']}/approvals", json={"decision": "approve"},
                   headers=Keys.header(keys.approver))  # fmt: skip
    await wait_for_run(api, run["id"], viewer, in_phase("frozen"))
    exempt = await api.post(
        f"/v1/freezes/{frozen.json()['id']}/exemptions",
        json={"workflow_id": run["id"], "reason": "hotfix for the incident"},
        headers=Keys.header(keys.admin),
    )
    assert exempt.status_code == 200, exempt.text
    assert exempt.json()["exempt_runs"] == [run["id"]]
    done = await wait_for_run(api, run["id"], viewer, ended, timeout=60)
    assert done["result"]["outcome"] == "fixed", done["result"]["reason"]
    assert "freeze.exempted" in event_types(done)
    await api.delete(f"/v1/freezes/{frozen.json()['id']}", headers=Keys.header(keys.operator))
