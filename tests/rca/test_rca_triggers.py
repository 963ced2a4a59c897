"""How RCA runs start and what they do when things go wrong: a resolved alert starts one
(once), bad input is refused naming the field, a failing source is recorded as missing,
an overdue review escalates."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from temporalio.client import Client, WorkflowExecutionStatus

from kaizen.settings import Settings
from kaizen.stack.kube import LocalKubeControlPlane
from tests.conftest import Keys, run_worker
from tests.fake_slack import APPROVAL_CHANNEL_ID, BOT_TOKEN, FakeSlack
from tests.kube_workloads import ungranted_workload
from tests.rca.conftest import api_for, fixture_body

WEBHOOK = "/v1/alerts/alertmanager"


async def poll(
    api: httpx.AsyncClient, path: str, key: str, until: Callable[[Any], bool], timeout: float = 45
) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        reply = await api.get(path, headers=Keys.header(key))
        if reply.status_code == 200:
            last = reply.json()
            if until(last):
                return last
        await asyncio.sleep(0.3)
    raise AssertionError(f"{path} never got there; last: {last}")


async def end(client: Client, *ids: str) -> None:
    """Terminate what a test left running (an RCA waits days for its review)."""
    for workflow_id in ids:
        handle = client.get_workflow_handle(workflow_id)
        if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
            await handle.terminate("test over")


def alert(status: str, service: str, namespace: str, fingerprint: str) -> dict[str, Any]:
    starts = datetime.now(UTC) - timedelta(minutes=3)
    return {
        "version": "4", "groupKey": "{}:{}", "status": status, "receiver": "kaizen",
        "alerts": [{
            "status": status, "fingerprint": fingerprint,
            "labels": {"alertname": "HighErrorRate", "severity": "low",
                       "namespace": namespace, "deployment": service},
            "startsAt": starts.isoformat(),
            "endsAt": (starts + timedelta(minutes=2)).isoformat()
            if status == "resolved" else "0001-01-01T00:00:00Z",
        }],
    }  # fmt: skip


async def test_a_resolved_alert_starts_one_rca(
    settings: Settings, api: httpx.AsyncClient, keys: Keys, client: Client
) -> None:
    service, namespace = f"svc-{uuid.uuid4().hex[:6]}", "shop"
    fingerprint = uuid.uuid4().hex[:16]
    async with run_worker(settings):
        fired = await api.post(
            WEBHOOK, json=alert("firing", service, namespace, fingerprint),
            headers=Keys.header(keys.admin),
        )  # fmt: skip
        assert fired.status_code == 200, fired.text
        healing = fired.json()["results"][0]["run"]["id"]
        for _ in range(2):  # Alertmanager repeats a resolution: still one RCA
            resolved = await api.post(
                WEBHOOK, json=alert("resolved", service, namespace, fingerprint),
                headers=Keys.header(keys.admin),
            )  # fmt: skip
            assert resolved.status_code == 200, resolved.text
        listed = await poll(
            api, f"/v1/rcas?service={service}", keys.viewer,
            lambda rows: bool(rows) and rows[0]["status"] == "in_review",
        )  # fmt: skip
        assert len(listed) == 1
        rca_id = listed[0]["id"]
        assert rca_id.startswith(f"rca:default:{namespace}:{service}:alert-{fingerprint}-")
        shown = (await api.get(f"/v1/rcas/{rca_id}", headers=Keys.header(keys.viewer))).json()
        alerts = [e for e in shown["document"]["evidence"] if e["kind"] == "alert"]
        assert alerts and alerts[0]["source"] == "kaizen.alerts"
        assert alerts[0]["link"] == healing
        # No cluster, no Prometheus on this worker: said, not guessed.
        missing = {m["source"] for m in shown["document"]["missing"]}
        assert {"prometheus", "kubernetes"} <= missing
        # The same alert asked for by hand reaches the same RCA.
        by_hand = await api.post(
            "/v1/rca-runs",
            json={"service": service, "namespace": namespace, "alert_fingerprint": fingerprint},
            headers=Keys.header(keys.operator),
        )
        assert by_hand.status_code == 202, by_hand.text
        assert by_hand.json()["id"] == rca_id and by_hand.json()["joined"]
        await end(client, rca_id, healing)


async def test_bad_input_is_refused_naming_the_field(
    settings: Settings, api: httpx.AsyncClient, keys: Keys
) -> None:
    now = datetime.now(UTC)
    cases = {
        "window_end": {"window_start": now.isoformat(),
                       "window_end": (now - timedelta(minutes=5)).isoformat()},
        "window_start": {},
        "evidence": {"window_start": now.isoformat(), "evidence": {"logs": "not a list"}},
        "service": {"service": "Not_A_Name", "window_start": now.isoformat()},
        "alert_fingerprint": {"alert_fingerprint": "abc123"},
        "severity": {"severity": "apocalyptic", "window_start": now.isoformat()},
    }  # fmt: skip
    for field, extra in cases.items():
        body = {"service": "web", "namespace": "shop", **extra}
        reply = await api.post("/v1/rca-runs", json=body, headers=Keys.header(keys.operator))
        assert reply.status_code == 422, (field, reply.text)
        problems = reply.json()["problems"]
        assert any(p["field"].split(".")[0] == field for p in problems), (field, problems)


async def test_failing_sources_are_recorded_as_missing(
    settings: Settings, api: httpx.AsyncClient, keys: Keys, kube: LocalKubeControlPlane,
    client: Client,
) -> None:  # fmt: skip
    workload = ungranted_workload(kube)  # the bot may read nothing in its namespace
    dead = settings.model_copy(update={"prometheus_url": "http://127.0.0.1:9"})
    async with run_worker(dead, kube):
        now = datetime.now(UTC)
        body = {
            "service": workload.name, "namespace": workload.namespace,
            "window_start": (now - timedelta(minutes=10)).isoformat(),
            "window_end": now.isoformat(),
        }  # fmt: skip
        reply = await api.post("/v1/rca-runs", json=body, headers=Keys.header(keys.operator))
        assert reply.status_code == 202, reply.text
        rca_id = reply.json()["id"]
        shown = await poll(
            api, f"/v1/rcas/{rca_id}", keys.viewer, lambda r: r["status"] == "in_review"
        )
        missing = {m["source"]: m["reason"] for m in shown["document"]["missing"]}
        for source in ("kubernetes:events", "kubernetes:replicasets", "logs"):
            assert "forbidden by RBAC" in missing[source], (source, missing)
        assert any(s.startswith("prometheus:") and "cannot reach" in r for s, r in missing.items())
        assert shown["document"]["undetermined"]
        section = next(s for s in shown["document"]["sections"] if s["key"] == "missing_evidence")
        cited = {i for c in section["claims"] for i in c["evidence_ids"]}
        assert any(i.startswith("miss-") for i in cited)
        await end(client, rca_id)


async def test_an_overdue_review_escalates(settings: Settings, keys: Keys, client: Client) -> None:
    with FakeSlack() as slack:
        escalating = settings.model_copy(
            update={
                "slack_bot_token": BOT_TOKEN,
                "slack_api_url": slack.base_url,
                "slack_approval_channel": APPROVAL_CHANNEL_ID,
                "rca_review_deadline_seconds": 2,
            }
        )
        async with run_worker(escalating), api_for(escalating) as api:
            body = fixture_body("F01-bad-deploy-5xx", inline_only=True, incident_key="overdue")
            reply = await api.post("/v1/rca-runs", json=body, headers=Keys.header(keys.operator))
            assert reply.status_code == 202, reply.text
            rca_id = reply.json()["id"]
            shown = await poll(
                api, f"/v1/rcas/{rca_id}", keys.viewer,
                lambda r: len(r["review"]["escalations"]) >= 1,
            )  # fmt: skip
            escalation = shown["review"]["escalations"][0]
            assert escalation["notified"] and escalation["to"] == "#incident-leads"
            assert shown["status"] == "in_review"  # escalated, still waiting: never silent
            texts = [m.get("text", "") for m in slack.messages()]
            assert any(t.startswith("RCA draft to review") or "RCA draft" in t for t in texts)
            assert any("OVERDUE RCA review" in t for t in texts), texts
            run = (await api.get(f"/v1/runs/{rca_id}", headers=Keys.header(keys.viewer))).json()
            assert "review.escalated" in [e["type"] for e in run["events"]]
            await end(client, rca_id)
