"""Healing under real alerting, with the webhook payloads Alertmanager sends: one incident,
one action; "fixed" only when the alerts agree; a resolution before the action closes the
question. Real Temporal, OPA and kube-apiserver behind the API."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.app import create_app
from kaizen.persistence.learning import events_for_run
from kaizen.settings import Settings
from kaizen.stack.kube import LocalKubeControlPlane
from kaizen.v1.kubernetes_pb2 import WorkloadRef
from tests.conftest import Keys
from tests.healing_env import set_service_mode
from tests.kube_workloads import make_workload, read
from tests.polling import ended, in_phase, wait_for_run


@pytest.fixture
async def alerting_api(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    # Verification waits this long for the alerts to resolve after a healthy rollout.
    quick = settings.model_copy(update={"healing_alert_resolution_seconds": 4})
    app = create_app(quick)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kaizen") as http:
            yield http


def alert(workload: WorkloadRef, alertname: str, status: str = "firing") -> dict[str, Any]:
    labels = {"alertname": alertname, "namespace": workload.namespace,
              "deployment": workload.name, "severity": "critical", "job": "web"}  # fmt: skip
    # Alertmanager's fingerprint is a hash of the labels: the same alert keeps it.
    fingerprint = hashlib.sha256(repr(sorted(labels.items())).encode()).hexdigest()[:16]
    return {
        "status": status,
        "labels": labels,
        "annotations": {"summary": f"{alertname} on {workload.name}"},
        "startsAt": "2026-11-20T10:00:00Z",
        "endsAt": "2026-11-20T10:09:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.local/graph",
        "fingerprint": fingerprint,
    }


async def deliver(
    api: httpx.AsyncClient, key: str, *alerts: dict[str, Any]
) -> list[dict[str, Any]]:
    status = "resolved" if all(a["status"] == "resolved" for a in alerts) else "firing"
    reply = await api.post(
        "/v1/alerts/alertmanager",
        json={"version": "4", "status": status, "receiver": "kaizen", "groupKey": "{}:{}",
              "truncatedAlerts": 0, "groupLabels": {}, "commonLabels": {},
              "commonAnnotations": {}, "externalURL": "http://alertmanager.local",
              "alerts": list(alerts)},
        headers=Keys.header(key),
    )  # fmt: skip
    assert reply.status_code == 200, reply.text
    results: list[dict[str, Any]] = reply.json()["results"]
    return results


async def approve(api: httpx.AsyncClient, run_id: str, key: str) -> httpx.Response:
    return await api.post(
        f"/v1/runs/{run_id}/approvals", json={"decision": "approve"}, headers=Keys.header(key)
    )


def generation(kube: LocalKubeControlPlane, workload: WorkloadRef) -> int:
    return int(read(kube, workload)["metadata"]["generation"])


def learned(engine: Engine, run: dict[str, Any]) -> list[str]:
    with Session(engine) as session:
        return [e.event for e in events_for_run(session, f"{run['id']}/{run['run_id']}")]


async def test_two_rules_for_one_workload_make_one_run_and_one_action(
    alerting_api: httpx.AsyncClient,
    keys: Keys,
    worker: None,
    kube: LocalKubeControlPlane,
    settings: Settings,
    engine: Engine,
) -> None:
    workload = make_workload(kube)
    await set_service_mode(settings, engine, workload, "approval")
    before = generation(kube, workload)
    errors, burst = alert(workload, "HighErrorRate"), alert(workload, "ServiceErrorBurst")
    [first] = await deliver(alerting_api, keys.operator, errors)
    [second] = await deliver(alerting_api, keys.operator, burst)
    assert (first["action"], second["action"]) == ("started", "joined")
    assert second["run"]["id"] == first["run"]["id"]
    run_id = first["run"]["id"]
    viewer = Keys.header(keys.viewer)
    await wait_for_run(alerting_api, run_id, viewer, in_phase("awaiting_approval"))
    assert (await approve(alerting_api, run_id, keys.approver)).status_code == 200
    # The second approver finds nothing more to approve: there is one request, not two.
    assert (await approve(alerting_api, run_id, keys.approver2)).status_code == 409
    # Once the restart is applied, the alerts resolving is the evidence that it worked.
    await wait_for_run(alerting_api, run_id, viewer, in_phase("verifying"), timeout=30)
    await deliver(alerting_api, keys.operator, {**errors, "status": "resolved"},
                  {**burst, "status": "resolved"})  # fmt: skip
    done = await wait_for_run(alerting_api, run_id, viewer, ended, timeout=60)
    result = done["result"]
    assert result["outcome"] == "fixed", result["reason"]
    assert generation(kube, workload) == before + 1  # one restart for one incident
    absorbed = {(a["alertname"], a["status"]) for a in result["alerts"]}
    assert absorbed == {
        (name, status)
        for name in ("HighErrorRate", "ServiceErrorBurst")
        for status in ("firing", "resolved")
    }
    assert learned(engine, done).count("verified") == 1


async def test_healthy_pods_with_the_alert_still_firing_is_not_fixed(
    alerting_api: httpx.AsyncClient,
    keys: Keys,
    worker: None,
    kube: LocalKubeControlPlane,
    settings: Settings,
    engine: Engine,
) -> None:
    workload = make_workload(kube)
    await set_service_mode(settings, engine, workload, "approval")
    [fired] = await deliver(alerting_api, keys.operator, alert(workload, "HighErrorRate"))
    run_id = fired["run"]["id"]
    viewer = Keys.header(keys.viewer)
    await wait_for_run(alerting_api, run_id, viewer, in_phase("awaiting_approval"))
    assert (await approve(alerting_api, run_id, keys.approver)).status_code == 200
    # Alertmanager keeps re-sending "firing": the restart did not help.
    await deliver(alerting_api, keys.operator, alert(workload, "HighErrorRate"))
    done = await wait_for_run(alerting_api, run_id, viewer, ended, timeout=90)
    result = done["result"]
    assert result["outcome"] == "rolled_back", result["reason"]
    assert "HighErrorRate still fired" in result["reason"]
    assert result["verified"] is False
    assert [a["alertname"] for a in result["still_firing"]] == ["HighErrorRate"]
    events = learned(engine, done)
    assert "verified" not in events and "rolled_back" in events


async def test_a_resolved_alert_withdraws_the_pending_approval_and_nothing_is_done(
    alerting_api: httpx.AsyncClient,
    keys: Keys,
    worker: None,
    kube: LocalKubeControlPlane,
    settings: Settings,
    engine: Engine,
) -> None:
    workload = make_workload(kube)
    await set_service_mode(settings, engine, workload, "approval")
    before = generation(kube, workload)
    firing = alert(workload, "HighErrorRate")
    [fired] = await deliver(alerting_api, keys.operator, firing)
    run_id = fired["run"]["id"]
    viewer = Keys.header(keys.viewer)
    await wait_for_run(alerting_api, run_id, viewer, in_phase("awaiting_approval"))
    [resolved] = await deliver(alerting_api, keys.operator, {**firing, "status": "resolved"})
    assert resolved["action"] == "recorded"
    done = await wait_for_run(alerting_api, run_id, viewer, ended, timeout=30)
    result = done["result"]
    assert result["outcome"] == "resolved_before_action", result["reason"]
    assert "nothing done" in result["reason"]
    assert result["executed"] == []
    assert generation(kube, workload) == before
    refused = await approve(alerting_api, run_id, keys.approver)
    assert refused.status_code == 409  # the run has ended; there is nothing to approve
    events = learned(engine, done)
    assert not {"approved", "executed", "verified", "rolled_back"} & set(events)


async def test_after_an_observe_run_a_mode_change_takes_effect_on_the_next_alert(
    settings: Settings,
    keys: Keys,
    worker: None,
    kube: LocalKubeControlPlane,
    engine: Engine,
) -> None:
    backoff = settings.model_copy(update={"healing_backoff_seconds": 600})
    app = create_app(backoff)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kaizen") as api:
            workload = make_workload(kube)
            viewer = Keys.header(keys.viewer)
            firing = alert(workload, "HighErrorRate")
            [observed] = await deliver(api, keys.operator, firing)
            done = await wait_for_run(api, observed["run"]["id"], viewer, ended, timeout=30)
            assert done["result"]["outcome"] == "observed"
            await set_service_mode(settings, engine, workload, "approval")
            # Alertmanager repeats the alert within the backoff: an observe-only run held
            # nothing back, so this is a new run, and it asks to act.
            [again] = await deliver(api, keys.operator, firing)
            assert again["action"] == "started", again
            assert again["run"]["run_id"] != observed["run"]["run_id"]
            waiting = await wait_for_run(
                api, again["run"]["id"], viewer, in_phase("awaiting_approval")
            )
            assert waiting["pending_approval"]["required"] >= 1
            await api.post(
                f"/v1/runs/{again['run']['id']}/cancel", headers=Keys.header(keys.operator)
            )
