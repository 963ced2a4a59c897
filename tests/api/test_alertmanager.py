"""Alertmanager's webhook: firing alerts start or join healing runs, resolutions are recorded.

No worker polls these tests' task queues, so every run stays Running, whatever
the healing workflow does: what is asserted is what Temporal was asked to do
(start, signal), read back from Temporal itself.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecutionStatus

from api.alertmanager import AlertmanagerAlert, MappedAlert, Subject, map_alert
from api.app import create_app
from api.healing_scheduler import severity_name
from kaizen.settings import Settings
from kaizen.v1.healing_pb2 import AlertNotice, HealingRequest
from tests.conftest import Keys

WEBHOOK = "/v1/alerts/alertmanager"


def alert(
    service: str | None,
    *,
    status: str = "firing",
    name: str = "HighErrorRate",
    severity: str = "critical",
    namespace: str | None = "shop",
    workload_label: str = "deployment",
    **labels: str,
) -> dict[str, Any]:
    """One alert as Alertmanager sends it (its zero time for "no end yet" included)."""
    named = {"alertname": name, "severity": severity, **labels}
    if namespace is not None:
        named["namespace"] = namespace
    if service is not None:
        named[workload_label] = service
    return {
        "status": status,
        "labels": named,
        "annotations": {"summary": f"{service} is failing", "runbook_url": "https://runbooks/x"},
        "startsAt": "2026-01-02T03:04:05.678Z",
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-01-02T04:00:00Z",
        "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
        "fingerprint": uuid.uuid4().hex[:16],
    }


def payload(*alerts: dict[str, Any], version: str = "4") -> dict[str, Any]:
    return {
        "version": version,
        "groupKey": '{}:{alertname="HighErrorRate"}',
        "truncatedAlerts": 0,
        "status": "firing" if any(a["status"] == "firing" for a in alerts) else "resolved",
        "receiver": "kaizen",
        "groupLabels": {"alertname": "HighErrorRate"},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": list(alerts),
    }


def unique(prefix: str = "svc") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def started(client: Client) -> AsyncIterator[list[str]]:
    """Run ids a test started; terminated afterwards so no Running run outlives its test."""
    ids: list[str] = []
    yield ids
    for run_id in set(ids):
        handle = client.get_workflow_handle(run_id)
        if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
            await handle.terminate("test over")


async def post(api: httpx.AsyncClient, key: str, body: dict[str, Any]) -> httpx.Response:
    return await api.post(WEBHOOK, json=body, headers=Keys.header(key))


async def signalled(client: Client, run_id: str) -> list[AlertNotice]:
    """The alert notices the run received, read from its history."""
    history = await client.get_workflow_handle(run_id).fetch_history()
    notices: list[AlertNotice] = []
    for event in history.events:
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
            attributes = event.workflow_execution_signaled_event_attributes
            assert attributes.signal_name == "alert"
            notices += await client.data_converter.decode(attributes.input.payloads, [AlertNotice])
    return notices


async def test_firing_alert_starts_a_run_and_its_group_mate_joins(
    api: httpx.AsyncClient, keys: Keys, client: Client, started: list[str]
) -> None:
    service = unique()
    first, second = alert(service), alert(service)
    reply = await post(api, keys.operator, payload(first, second))
    assert reply.status_code == 200, reply.text
    results = reply.json()["results"]
    assert [r["action"] for r in results] == ["started", "joined"]
    run_id = f"healing:default:shop:{service}"
    started.append(run_id)
    assert [r["run"]["id"] for r in results] == [run_id, run_id]
    assert results[0]["run"]["joined"] is False and results[1]["run"]["joined"] is True
    assert results[0]["run"]["run_id"] == results[1]["run"]["run_id"]
    assert results[0]["fingerprint"] == first["fingerprint"]
    assert results[0]["alertname"] == "HighErrorRate" and results[0]["status"] == "firing"

    description = await client.get_workflow_handle(run_id).describe()
    assert description.status == WorkflowExecutionStatus.RUNNING
    assert description.run_id == results[0]["run"]["run_id"]
    assert await description.memo() == {
        "namespace": "shop",
        "requested_by": "olivia",
        "symptom": "HighErrorRate",
        "severity": "critical",
        "source": "alertmanager",
    }
    # Both triggers are recorded on the run (the first came with its start, atomically):
    # who saw the problem, and when.
    notices = await signalled(client, run_id)
    assert [(n.status, n.fingerprint) for n in notices] == [
        ("firing", first["fingerprint"]),
        ("firing", second["fingerprint"]),
    ]
    assert notices[0].labels["deployment"] == service and notices[0].source == "alertmanager"
    assert notices[0].starts_at.ToJsonString() == "2026-01-02T03:04:05.678Z"
    assert not notices[0].HasField("ends_at")  # Go's zero time means "no end yet"

    again = await post(api, keys.operator, payload(alert(service)))
    assert again.json()["results"][0]["action"] == "joined"


async def test_request_carries_the_alert_as_evidence(
    api: httpx.AsyncClient, keys: Keys, client: Client, started: list[str]
) -> None:
    service = unique()
    sent = alert(service, severity="Warning")
    reply = await post(api, keys.operator, payload(sent))
    run_id = reply.json()["results"][0]["run"]["id"]
    started.append(run_id)
    history = await client.get_workflow_handle(run_id).fetch_history()
    first = history.events[0].workflow_execution_started_event_attributes.input.payloads
    [request] = await client.data_converter.decode(first, [HealingRequest])
    assert request.service == service and request.namespace == "shop"
    assert request.symptom == "HighErrorRate" and request.source == "alertmanager"
    assert request.requested_by == "olivia"
    assert severity_name(request.severity) == "medium"
    evidence = request.evidence
    assert evidence["fingerprint"] == sent["fingerprint"]
    assert evidence["generator_url"] == sent["generatorURL"]
    assert evidence["annotations"]["summary"] == f"{service} is failing"
    assert evidence["labels"]["severity"] == "Warning"


async def test_resolved_alert_is_recorded_on_the_running_run(
    api: httpx.AsyncClient, keys: Keys, client: Client, started: list[str]
) -> None:
    service = unique()
    fired = (await post(api, keys.operator, payload(alert(service)))).json()["results"][0]
    started.append(fired["run"]["id"])
    resolved = alert(service, status="resolved")
    reply = await post(api, keys.operator, payload(resolved))
    assert reply.status_code == 200, reply.text
    [result] = reply.json()["results"]
    assert result["action"] == "recorded" and result["status"] == "resolved"
    assert result["run"]["id"] == fired["run"]["id"]
    assert result["run"]["run_id"] == fired["run"]["run_id"]
    assert result["run"]["status"] == "running"
    [firing, notice] = await signalled(client, fired["run"]["id"])
    assert firing.status == "firing"
    assert notice.status == "resolved" and notice.fingerprint == resolved["fingerprint"]
    assert notice.ends_at.ToJsonString() == "2026-01-02T04:00:00Z"


async def test_resolved_alert_without_a_run_is_skipped(
    api: httpx.AsyncClient, keys: Keys, client: Client, started: list[str]
) -> None:
    service = unique()
    reply = await post(api, keys.operator, payload(alert(service, status="resolved")))
    assert reply.status_code == 200, reply.text
    [result] = reply.json()["results"]
    assert result["action"] == "skipped" and result["run"] is None
    assert result["reason"] == "resolved, no active run"
    # A run that ended is no active run either.
    fired = (await post(api, keys.operator, payload(alert(service)))).json()["results"][0]
    await client.get_workflow_handle(fired["run"]["id"]).terminate("ended for the test")
    reply = await post(api, keys.operator, payload(alert(service, status="resolved")))
    assert reply.json()["results"][0]["action"] == "skipped"
    # Only the firing alert that started it: the resolution reached no ended run.
    assert [n.status for n in await signalled(client, fired["run"]["id"])] == ["firing"]


async def test_unmappable_alert_is_skipped_while_the_others_proceed(
    api: httpx.AsyncClient, keys: Keys, started: list[str]
) -> None:
    service = unique()
    stray = alert(service, namespace=None)
    reply = await post(api, keys.operator, payload(stray, alert(service)))
    assert reply.status_code == 200, reply.text
    skipped, begun = reply.json()["results"]
    started.append(begun["run"]["id"])
    assert skipped["action"] == "skipped" and skipped["run"] is None
    assert skipped["fingerprint"] == stray["fingerprint"]
    assert "labels.namespace" in skipped["reason"]
    assert begun["action"] == "started"


async def test_all_alerts_unmappable_is_422_naming_each(api: httpx.AsyncClient, keys: Keys) -> None:
    service = unique()
    body = payload(
        alert(service, namespace=None),
        alert(service, severity="apocalyptic"),
        alert("Not_A_Name"),
        alert(service, name="two words"),
        alert(None),
    )
    reply = await post(api, keys.operator, body)
    assert reply.status_code == 422, reply.text
    problems = {p["field"]: p["message"] for p in reply.json()["problems"]}
    assert set(problems) == {
        "alerts.0.labels.namespace",
        "alerts.1.labels.severity",
        "alerts.2.labels.deployment",
        "alerts.3.labels.alertname",
        "alerts.4.labels.deployment",
    }
    assert "apocalyptic" in problems["alerts.1.labels.severity"]
    assert "deployment, replicaset, pod, service, app" in problems["alerts.4.labels.deployment"]
    assert "alerts.0.labels.namespace" in reply.json()["error"]


async def test_bad_payloads_are_422_naming_the_field(api: httpx.AsyncClient, keys: Keys) -> None:
    good = payload(alert(unique()))
    cases: dict[str, dict[str, Any]] = {
        "version": {**good, "version": "3"},
        "alerts": {**good, "alerts": []},
        "alerts.0.status": {**good, "alerts": [{**good["alerts"][0], "status": "exploded"}]},
        "alerts.0.labels": {
            **good,
            "alerts": [{k: v for k, v in good["alerts"][0].items() if k != "labels"}],
        },
        "alerts.0.startsAt": {**good, "alerts": [{**good["alerts"][0], "startsAt": "soon"}]},
        "status": {k: v for k, v in good.items() if k != "status"},
    }
    for field, body in cases.items():
        reply = await post(api, keys.operator, body)
        assert reply.status_code == 422, (field, reply.text)
        fields = [p["field"] for p in reply.json()["problems"]]
        assert field in fields, (field, fields)
    too_many = {**good, "alerts": good["alerts"] * 1001}
    reply = await post(api, keys.operator, too_many)
    assert reply.status_code == 422
    assert [p["field"] for p in reply.json()["problems"]] == ["alerts"]


async def test_webhook_needs_an_operator_key(api: httpx.AsyncClient, keys: Keys) -> None:
    body = payload(alert(unique()))
    missing = await api.post(WEBHOOK, json=body)
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    viewer = await post(api, keys.viewer, body)
    assert viewer.status_code == 403 and "operator role" in viewer.json()["error"]


@pytest.mark.parametrize(
    ("label", "severity"),
    [
        ("critical", "critical"),
        ("CRITICAL", "critical"),
        ("high", "high"),
        ("error", "high"),
        ("Page", "high"),
        ("warning", "medium"),
        ("warn", "medium"),
        ("medium", "medium"),
        ("info", "low"),
        ("low", "low"),
        ("none", "low"),
    ],
)
def test_severity_label_mapping(label: str, severity: str) -> None:
    sent = AlertmanagerAlert.model_validate(alert("checkout", severity=label))
    mapped = map_alert(sent, Settings(), requested_by="am")
    assert isinstance(mapped, MappedAlert)
    assert severity_name(mapped.request.severity) == severity


def test_workload_label_is_the_first_present_of_the_setting() -> None:
    both = AlertmanagerAlert.model_validate(alert("from-deployment", app="from-app"))
    default = map_alert(both, Settings(), requested_by="am")
    assert isinstance(default, MappedAlert)
    assert default.subject == Subject("Deployment", "from-deployment", "deployment")
    app_first = Settings(alert_workload_labels=["app", "deployment"])
    mapped = map_alert(both, app_first, requested_by="am")
    assert isinstance(mapped, MappedAlert)
    assert mapped.subject == Subject("Deployment", "from-app", "app")
    kube_ns = Settings(alert_namespace_label="kubernetes_namespace")
    relabelled = AlertmanagerAlert.model_validate(
        alert("checkout", namespace=None, kubernetes_namespace="payments")
    )
    mapped = map_alert(relabelled, kube_ns, requested_by="am")
    assert isinstance(mapped, MappedAlert) and mapped.request.namespace == "payments"


async def test_label_mapping_setting_applies_to_the_webhook(
    settings: Settings, keys: Keys, started: list[str]
) -> None:
    app_only = settings.model_copy(update={"alert_workload_labels": ["app"]})
    app = create_app(app_only)
    service = unique()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kaizen") as api:
            body = payload(
                alert(service, workload_label="app", deployment="ignored"),
                alert(unique(), workload_label="deployment"),
            )
            reply = await post(api, keys.operator, body)
    assert reply.status_code == 200, reply.text
    by_app, by_deployment = reply.json()["results"]
    started.append(by_app["run"]["id"])
    assert by_app["action"] == "started" and by_app["run"]["service"] == service
    assert by_deployment["action"] == "skipped"
    assert by_deployment["reason"].startswith("labels.app: no workload label")


async def test_alert_without_severity_gets_the_default(
    api: httpx.AsyncClient, keys: Keys, client: Client, started: list[str]
) -> None:
    sent = alert(unique())
    del sent["labels"]["severity"]
    reply = await post(api, keys.operator, payload(sent))
    assert reply.status_code == 200, reply.text
    [result] = reply.json()["results"]
    assert result["action"] == "started"
    started.append(result["run"]["id"])
    memo = await client.get_workflow_handle(result["run"]["id"]).describe()
    assert (await memo.memo())["severity"] == "medium"


def test_default_severity_is_a_setting() -> None:
    sent = alert("checkout")
    del sent["labels"]["severity"]
    unlabelled = AlertmanagerAlert.model_validate(sent)
    mapped = map_alert(unlabelled, Settings(alert_default_severity="high"), requested_by="am")
    assert isinstance(mapped, MappedAlert) and severity_name(mapped.request.severity) == "high"
    blank = AlertmanagerAlert.model_validate(alert("checkout", severity=" "))
    mapped = map_alert(blank, Settings(), requested_by="am")
    assert isinstance(mapped, MappedAlert) and severity_name(mapped.request.severity) == "medium"
