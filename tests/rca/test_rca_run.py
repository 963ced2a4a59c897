"""An incident's RCA end to end on the real stack: Temporal, OPA, the kube-apiserver,
Prometheus and Kaizen's own records; review by people through the API; final once."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.engine import Engine

from activities.prometheus.client import PrometheusClient
from kaizen.persistence.db import session_scope
from kaizen.persistence.learning import LearningEntry
from kaizen.settings import Settings
from kaizen.stack.kube import LocalKubeControlPlane
from kaizen.v1.kubernetes_pb2 import WorkloadRef
from tests.conftest import Keys
from tests.kube_workloads import make_workload, wait_available
from tests.polling import wait_for_run
from tests.prometheus_fixtures import ScrapedPrometheus
from tests.rca.conftest import grant_rca_reader

ERROR_RATIO = "service:http_error_ratio:rate5m"


async def set_error_ratio(
    prometheus: ScrapedPrometheus, workload: WorkloadRef, value: float
) -> None:
    """Set the service's error ratio and wait until Prometheus holds it."""
    prometheus.target.set(ERROR_RATIO, value, namespace=workload.namespace, service=workload.name)
    client = PrometheusClient(prometheus.url)
    query = f'{ERROR_RATIO}{{namespace="{workload.namespace}",service="{workload.name}"}}'
    try:
        await prometheus.wait_for_samples(
            client, query, lambda s: bool(s) and abs(s[0].value - value) < 1e-9
        )
    finally:
        await client.close()


def bad_deploy(kube: LocalKubeControlPlane, workload: WorkloadRef) -> None:
    """Roll out a new image (the incident's trigger): a second ReplicaSet revision."""
    kube.request(
        "PATCH",
        f"/apis/apps/v1/namespaces/{workload.namespace}/deployments/{workload.name}",
        {"spec": {"template": {"spec": {"containers": [
            {"name": "web", "image": "registry.local/web:2"}]}}}},
        content_type="application/strategic-merge-patch+json",
    )  # fmt: skip
    wait_available(kube, workload, 1)


async def wait_for_rca(
    api: httpx.AsyncClient,
    rca_id: str,
    key: str,
    until: Any,
    timeout: float = 60.0,
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    last: dict[str, Any] = {}
    while time.monotonic() < deadline:
        reply = await api.get(f"/v1/rcas/{rca_id}", headers=Keys.header(key))
        if reply.status_code == 200:
            last = reply.json()
            if until(last):
                return last
        await asyncio.sleep(0.3)
    raise AssertionError(f"RCA {rca_id} never got there; last: {last.get('status')}")


def claims(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for s in document["sections"] for c in s["claims"]]


def record_healing_action(engine: Engine, workload: WorkloadRef, at: datetime) -> None:
    """Kaizen's own change record: a healing action on the service before the incident."""
    with session_scope(engine) as session:
        session.add(
            LearningEntry(
                run_id=f"healing:default:{workload.namespace}:{workload.name}",
                event="executed",
                tenant="default",
                namespace=workload.namespace,
                service=workload.name,
                diagnosis="crash_loop",
                playbook="restart",
                playbook_version=1,
                detail="rollout restart",
                at=at,
            )  # fmt: skip
        )


async def test_incident_to_final_rca(
    rca_worker: Settings,
    api: httpx.AsyncClient,
    keys: Keys,
    kube: LocalKubeControlPlane,
    prometheus: ScrapedPrometheus,
    engine: Engine,
) -> None:
    started = datetime.now(UTC)
    workload = make_workload(kube, replicas=1)
    grant_rca_reader(kube, workload.namespace)
    record_healing_action(engine, workload, started)
    await set_error_ratio(prometheus, workload, 0.002)
    await asyncio.sleep(6)  # a baseline before the deploy
    bad_deploy(kube, workload)
    await set_error_ratio(prometheus, workload, 0.31)
    await asyncio.sleep(8)  # the symptom, sustained
    now = datetime.now(UTC)
    logs = [
        {"at": (now - timedelta(seconds=s)).isoformat(), "pod": f"{workload.name}-7f9c-x",
         "line": "java.lang.NullPointerException at PriceService.apply(PriceService.java:88)"}
        for s in (6, 4, 2)
    ]  # fmt: skip
    body = {
        "service": workload.name, "namespace": workload.namespace, "severity": "high",
        "window_start": (started - timedelta(seconds=2)).isoformat(),
        "window_end": (now + timedelta(seconds=1)).isoformat(),
        "evidence": {"logs": logs},
    }  # fmt: skip
    reply = await api.post("/v1/rca-runs", json=body, headers=Keys.header(keys.operator))
    assert reply.status_code == 202, reply.text
    rca_id = reply.json()["id"]
    assert rca_id.startswith(f"rca:default:{workload.namespace}:{workload.name}:window-")
    again = await api.post("/v1/rca-runs", json=body, headers=Keys.header(keys.operator))
    assert again.json()["id"] == rca_id and again.json()["joined"]

    shown = await wait_for_rca(api, rca_id, keys.viewer, lambda r: r["status"] == "in_review")
    document = shown["document"]
    top = document["hypotheses"][0]
    assert not document["undetermined"]
    assert top["category"] == "deploy_regression", top
    evidence = {e["id"]: e for e in document["evidence"]}
    trigger = evidence[top["trigger_id"]]
    assert trigger["source"] == "kubernetes" and "registry.local/web:2" in trigger["summary"]
    kinds = {evidence[i]["kind"] for i in top["supports"]}
    assert {"change", "metric", "log_signature"} <= kinds, kinds
    assert any(e["source"] == "prometheus" for e in evidence.values())
    assert any(e["source"] == "kaizen.healing" for e in evidence.values())
    for claim in claims(document):
        assert claim["evidence_ids"] and not claim["unsupported"], claim
        assert set(claim["evidence_ids"]) <= set(evidence), claim
    assert document["unsupported_claims"] == 0

    # A reviewer edits a section, against the version read.
    version = document["version"]
    edit = {"section": "lessons_learned", "text": "Canary the checkout image.",
            "base_version": version}  # fmt: skip
    edited = await api.post(
        f"/v1/rcas/{rca_id}/edits", json=edit, headers=Keys.header(keys.approver)
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["version"] == version + 1
    stale = await api.post(
        f"/v1/rcas/{rca_id}/edits", json=edit, headers=Keys.header(keys.approver2)
    )
    assert stale.status_code == 409 and "version" in stale.json()["error"]
    viewer = await api.post(f"/v1/rcas/{rca_id}/edits", json=edit, headers=Keys.header(keys.viewer))
    assert viewer.status_code == 403
    own = await api.post(
        f"/v1/rcas/{rca_id}/approvals", json={}, headers=Keys.header(keys.operator)
    )
    assert own.status_code == 403  # an operator (the requester) does not approve

    # Two of the reviewers approve (high severity): final, once.
    first = await api.post(
        f"/v1/rcas/{rca_id}/approvals", json={"rating": 4, "comment": "good draft"},
        headers=Keys.header(keys.approver),
    )  # fmt: skip
    assert first.status_code == 200, first.text
    assert first.json()["approvals"] == 1 and first.json()["required"] == 2
    twice = await api.post(
        f"/v1/rcas/{rca_id}/approvals", json={}, headers=Keys.header(keys.approver)
    )
    assert twice.status_code == 409
    second = await api.post(
        f"/v1/rcas/{rca_id}/approvals", json={}, headers=Keys.header(keys.approver2)
    )
    assert second.status_code == 200, second.text
    assert second.json()["status"] == "approved"
    after = await api.post(f"/v1/rcas/{rca_id}/approvals", json={}, headers=Keys.header(keys.admin))
    assert after.status_code == 409, after.text

    final = await wait_for_rca(api, rca_id, keys.viewer, lambda r: r["status"] == "final")
    assert final["review"]["final_at"] and final["review"]["ratings"][0]["rating"]["score"] == 4
    sections = {s["key"]: s for s in final["document"]["sections"]}
    assert sections["lessons_learned"]["text"] == "Canary the checkout image."
    assert sections["lessons_learned"]["edited_by"] == "alice"
    late = await api.post(f"/v1/rcas/{rca_id}/edits", json=edit, headers=Keys.header(keys.approver))
    assert late.status_code == 409

    markdown = await api.get(
        f"/v1/rcas/{rca_id}", headers={**Keys.header(keys.viewer), "Accept": "text/markdown"}
    )
    assert markdown.headers["content-type"].startswith("text/markdown")
    text = markdown.text
    assert "- **Status:** final" in text and top["trigger_id"] in text
    assert "Canary the checkout image." in text and "_Written by alice._" in text

    run = await wait_for_run(
        api, rca_id, Keys.header(keys.viewer), lambda r: r["status"] != "running"
    )
    assert run["status"] == "completed" and run["result"]["outcome"] == "final"
    assert [e["type"] for e in run["events"]].count("rca.final") == 1
    listed = await api.get(
        "/v1/rcas", params={"service": workload.name, "status": "final"},
        headers=Keys.header(keys.viewer),
    )  # fmt: skip
    assert [r["id"] for r in listed.json()] == [rca_id]
    found = await api.get("/v1/rcas", params={"q": "NullPointerException"},
                          headers=Keys.header(keys.viewer))  # fmt: skip
    assert rca_id in [r["id"] for r in found.json()]
