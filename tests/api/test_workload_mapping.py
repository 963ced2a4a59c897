"""Which workload an alert is about, with the labels real exporters send.

kube-state-metrics alerts name the pod, and carry ``job``/``service`` labels that
name kube-state-metrics itself; the pod is resolved to its Deployment through the
real kube-apiserver (Pod → ReplicaSet → Deployment), as the bot the workers act as.
No worker polls these tests' queues: a started run stays Running and is read back
from Temporal.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from kubernetes.client import ApiClient, Configuration
from temporalio.client import Client

from api.alertmanager import AlertmanagerAlert, MappedAlert, Subject, map_alert
from api.alerts.workloads import NoWorkload, Workload, WorkloadResolver
from api.app import create_app
from kaizen.settings import Settings
from kaizen.stack.kube import LocalKubeControlPlane
from kaizen.stack.launcher import child_environment
from tests.api.test_alertmanager import payload, post, signalled, started, unique
from tests.conftest import Keys
from tests.kube_workloads import make_workload, ungranted_workload

__all__ = ["started"]  # the fixture, shared with test_alertmanager

KSM_SERVICE = "prometheus-kube-state-metrics"


def ksm_alert(
    namespace: str,
    *,
    status: str = "firing",
    name: str = "KubePodCrashLooping",
    fingerprint: str | None = None,
    **subject: str,
) -> dict[str, Any]:
    """A kube-state-metrics alert as kube-prometheus-stack's rules fire it (honorLabels:
    the series' own namespace and pod; job, service, endpoint, instance name the exporter)."""
    return {
        "status": status,
        "labels": {
            "alertname": name,
            "container": "api",
            "endpoint": "http",
            "instance": "10.244.0.17:8080",
            "job": "kube-state-metrics",
            "namespace": namespace,
            "reason": "CrashLoopBackOff",
            "service": KSM_SERVICE,
            "severity": "warning",
            "uid": str(uuid.uuid4()),
            **subject,
        },
        "annotations": {
            "description": "Pod is in waiting state (reason: CrashLoopBackOff).",
            "runbook_url": "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping",
            "summary": "Pod is crash looping.",
        },
        "startsAt": "2026-01-02T03:04:05.678Z",
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-01-02T04:00:00Z",
        "generatorURL": "http://prometheus:9090/graph?g0.expr=max_over_time%28kube_pod_container_status_waiting_reason%5B5m%5D%29",
        "fingerprint": fingerprint or uuid.uuid4().hex[:16],
    }  # fmt: skip


def mapped(labels: dict[str, str], settings: Settings | None = None) -> MappedAlert:
    alert = AlertmanagerAlert.model_validate({"status": "firing", "labels": labels})
    result = map_alert(alert, settings or Settings(), requested_by="am")
    assert isinstance(result, MappedAlert), result
    return result


def delete_pod(kube: LocalKubeControlPlane, namespace: str, pod: str) -> None:
    kube.request("DELETE", f"/api/v1/namespaces/{namespace}/pods/{pod}?gracePeriodSeconds=0")


def pods_of(kube: LocalKubeControlPlane, namespace: str) -> list[str]:
    listing = kube.request("GET", f"/api/v1/namespaces/{namespace}/pods")
    return sorted(pod["metadata"]["name"] for pod in listing["items"])


@pytest.fixture
async def kube_api(
    settings: Settings, kube: LocalKubeControlPlane
) -> AsyncIterator[httpx.AsyncClient]:
    """The API configured as ``kaizen up`` configures it: the workers' kubeconfig (the bot)."""
    app = create_app(settings.model_copy(update={"kubeconfig": kube.bot_kubeconfig}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kaizen") as http:
            yield http


# ---------------------------------------------------------------- the labels


def test_a_kube_state_metrics_pod_alert_is_about_its_pod_not_the_exporter() -> None:
    alert = ksm_alert("shop", pod="api-7d9f8-xk2lp")
    found = mapped(alert["labels"])
    assert found.subject == Subject("Pod", "api-7d9f8-xk2lp", "pod")
    assert found.request.namespace == "shop"


def test_exported_labels_are_the_series_own() -> None:
    # Scraped without honor_labels: Prometheus keeps the series' namespace and pod under
    # exported_*, and namespace/pod name the kube-state-metrics pod itself.
    labels = ksm_alert("monitoring", pod="prometheus-kube-state-metrics-6b9c4-q2x7z")["labels"]
    labels |= {"exported_namespace": "shop", "exported_pod": "api-7d9f8-xk2lp"}
    found = mapped(labels)
    assert found.subject == Subject("Pod", "api-7d9f8-xk2lp", "exported_pod")
    assert found.request.namespace == "shop"


def test_an_exporters_service_label_never_names_the_workload() -> None:
    node = ksm_alert("monitoring", name="KubeNodeNotReady", node="worker-3")
    alert = AlertmanagerAlert.model_validate(node)
    problems = map_alert(alert, Settings(), requested_by="am")
    assert isinstance(problems, list)
    assert [p.field for p in problems] == ["labels.deployment"]
    # The same labels from a job that is not an exporter name the workload by service.
    own = mapped({**node["labels"], "job": "checkout"})
    assert own.subject == Subject("Deployment", KSM_SERVICE, "service")


def test_object_labels_come_before_name_labels() -> None:
    deployment = ksm_alert("shop", name="KubeDeploymentReplicasMismatch", deployment="api")
    assert mapped(deployment["labels"]).subject == Subject("Deployment", "api", "deployment")
    replicaset = ksm_alert("shop", name="KubeReplicaSetMismatch", replicaset="api-7d9f8")
    assert mapped(replicaset["labels"]).subject == Subject("ReplicaSet", "api-7d9f8", "replicaset")
    # An app's own series, scraped through its Service: the pod names it as well.
    app = {"alertname": "HighErrorRate", "namespace": "shop", "service": "checkout",
           "pod": "checkout-5f7d8-b2c4d", "job": "checkout", "severity": "critical"}  # fmt: skip
    assert mapped(app).subject == Subject("Pod", "checkout-5f7d8-b2c4d", "pod")
    # Kaizen's recording rules aggregate to namespace/service: the service is the workload.
    recorded = {"alertname": "HighErrorRate", "namespace": "shop", "service": "checkout"}
    assert mapped(recorded).subject == Subject("Deployment", "checkout", "service")


def test_another_kind_of_object_is_not_read_by_its_name_labels() -> None:
    labels = ksm_alert("shop", name="KubeStatefulSetReplicasMismatch", statefulset="db")
    assert mapped({**labels["labels"], "job": "ksm"}).subject == Subject(
        "StatefulSet", "db", "statefulset"
    )


# ---------------------------------------------------------------- through the webhook


async def test_crash_looping_pod_becomes_a_run_for_its_deployment(
    kube: LocalKubeControlPlane,
    kube_api: httpx.AsyncClient,
    keys: Keys,
    client: Client,
    started: list[str],
) -> None:
    ref = make_workload(kube, name="api")
    pod = pods_of(kube, ref.namespace)[0]
    replicaset = pod.rsplit("-", 1)[0]
    crashing = ksm_alert(ref.namespace, pod=pod)
    by_replicaset = ksm_alert(ref.namespace, name="KubeReplicaSetMismatch", replicaset=replicaset)
    reply = await post(kube_api, keys.operator, payload(crashing, by_replicaset))
    assert reply.status_code == 200, reply.text
    first, second = reply.json()["results"]
    run_id = f"healing:default:{ref.namespace}:api"
    started.append(run_id)
    assert first["action"] == "started", first
    assert first["run"]["id"] == run_id and first["run"]["service"] == "api"
    assert first["mapping"] == (
        f"pod {ref.namespace}/{pod} → ReplicaSet {replicaset} → Deployment api (label pod)"
    )
    assert second["action"] == "joined" and second["run"]["id"] == run_id
    assert second["mapping"].startswith(f"replicaset {ref.namespace}/{replicaset} → Deployment api")
    history = await client.get_workflow_handle(run_id).fetch_history()
    started_event = history.events[0].workflow_execution_started_event_attributes
    assert started_event.workflow_type.name == "HealingWorkflow"


async def test_alerts_for_objects_that_do_not_exist_are_skipped_with_the_reason(
    kube: LocalKubeControlPlane, kube_api: httpx.AsyncClient, keys: Keys
) -> None:
    ref = make_workload(kube, name="api", replicas=1)
    loner = f"loner-{uuid.uuid4().hex[:6]}"
    kube.request(
        "POST",
        f"/api/v1/namespaces/{ref.namespace}/pods",
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": loner},
            "spec": {**kube.pod_placement(), "containers": [{"name": "c", "image": "x"}]},
        },
    )
    body = payload(
        ksm_alert(ref.namespace, name="KubeDeploymentReplicasMismatch", deployment="foo"),
        ksm_alert(ref.namespace, pod="api-7d9f8-xk2lp"),
        ksm_alert(ref.namespace, pod=loner),
        ksm_alert(ref.namespace, name="KubeStatefulSetReplicasMismatch", statefulset="db"),
    )
    reply = await post(kube_api, keys.operator, body)
    assert reply.status_code == 200, reply.text
    results = reply.json()["results"]
    assert [r["action"] for r in results] == ["skipped"] * 4
    assert [r["run"] for r in results] == [None] * 4
    assert [r["reason"] for r in results] == [
        f"deployment {ref.namespace}/foo does not exist",
        f"pod {ref.namespace}/api-7d9f8-xk2lp does not exist",
        f"pod {ref.namespace}/{loner} has no owner: no Deployment to heal",
        f"the alert is about StatefulSet {ref.namespace}/db (label statefulset); "
        "Kaizen heals Deployments only",
    ]


async def test_without_kubernetes_the_mapping_goes_by_labels_and_says_so(
    api: httpx.AsyncClient, keys: Keys, started: list[str]
) -> None:
    workload = unique("api")
    reply = await post(
        api, keys.operator, payload(ksm_alert("shop", pod=f"{workload}-7d9f8-xk2lp"))
    )
    assert reply.status_code == 200, reply.text
    [result] = reply.json()["results"]
    started.append(result["run"]["id"])
    assert result["action"] == "started"
    assert result["run"]["id"] == f"healing:default:shop:{workload}"
    assert result["mapping"] == (
        f"pod shop/{workload}-7d9f8-xk2lp → Deployment {workload} by name "
        "(by labels only: no Kubernetes configured for the API)"
    )
    odd = await post(api, keys.operator, payload(ksm_alert("shop", pod="db-0")))
    [skipped] = odd.json()["results"]
    assert skipped["action"] == "skipped"
    assert skipped["reason"].startswith("pod shop/db-0 is not named like a Deployment's")


async def test_a_resolution_reaches_the_run_after_its_pod_is_gone(
    settings: Settings,
    kube: LocalKubeControlPlane,
    keys: Keys,
    client: Client,
    started: list[str],
) -> None:
    ref = make_workload(kube, name="api", replicas=1)
    [pod] = pods_of(kube, ref.namespace)
    app = create_app(settings.model_copy(update={"kubeconfig": kube.bot_kubeconfig}))
    async with app.router.lifespan_context(app):
        # Nothing remembered between lookups: the gone pod is really asked about.
        app.state.workloads.close()
        app.state.workloads = WorkloadResolver(kube.api_client("bot"), ttl=0)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kaizen") as api:
            firing = ksm_alert(ref.namespace, pod=pod)
            fired = (await post(api, keys.operator, payload(firing))).json()["results"][0]
            started.append(fired["run"]["id"])
            assert fired["action"] == "started"
            # A restart replaces the pod; then Alertmanager reports the alert resolved.
            delete_pod(kube, ref.namespace, pod)
            await wait_until(lambda: pod not in pods_of(kube, ref.namespace))
            resolved = ksm_alert(
                ref.namespace, pod=pod, status="resolved", fingerprint=firing["fingerprint"]
            )
            reply = await post(api, keys.operator, payload(resolved))
            stranger = ksm_alert(ref.namespace, pod=pod, status="resolved")
            unknown = await post(api, keys.operator, payload(stranger))
    [result] = reply.json()["results"]
    assert result["action"] == "recorded", result
    assert result["run"]["id"] == fired["run"]["id"]
    assert [n.status for n in await signalled(client, fired["run"]["id"])] == [
        "firing",
        "resolved",
    ]
    # Another alert naming the gone pod has no run to reach, and says why.
    [skipped] = unknown.json()["results"]
    assert skipped["action"] == "skipped"
    assert skipped["reason"] == (
        f"resolved, no active run: pod {ref.namespace}/{pod} does not exist"
    )


async def wait_until(condition: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        await asyncio.sleep(0.2)


# ---------------------------------------------------------------- the lookup itself


async def test_answers_are_kept_briefly(kube: LocalKubeControlPlane) -> None:
    ref = make_workload(kube, name="api", replicas=1)
    [pod] = pods_of(kube, ref.namespace)
    subject = Subject("Pod", pod, "pod")
    kept = WorkloadResolver(kube.api_client("bot"), ttl=30)
    fresh = WorkloadResolver(kube.api_client("bot"), ttl=0)
    try:
        assert isinstance(await kept.resolve(ref.namespace, subject), Workload)
        delete_pod(kube, ref.namespace, pod)
        await wait_until(lambda: pod not in pods_of(kube, ref.namespace))
        assert await kept.resolve(ref.namespace, subject) == Workload(
            "api", f"pod {ref.namespace}/{pod} → ReplicaSet {pod.rsplit('-', 1)[0]} → "
            "Deployment api (label pod)"
        )  # fmt: skip
        assert await fresh.resolve(ref.namespace, subject) == NoWorkload(
            f"pod {ref.namespace}/{pod} does not exist"
        )
    finally:
        kept.close()
        fresh.close()


async def test_a_refused_lookup_falls_back_to_labels(kube: LocalKubeControlPlane) -> None:
    ref = ungranted_workload(kube)  # the bot may not read this namespace
    resolver = WorkloadResolver(kube.api_client("bot"))
    try:
        answer = await resolver.resolve(ref.namespace, Subject("Pod", "web-7d9f8-xk2lp", "pod"))
    finally:
        resolver.close()
    assert answer == Workload(
        "web",
        f"pod {ref.namespace}/web-7d9f8-xk2lp → Deployment web by name (by labels only: "
        f"Kubernetes refused to read pod {ref.namespace}/web-7d9f8-xk2lp (HTTP 403 Forbidden))",
    )


@pytest.fixture
def silent_server() -> Iterator[str]:
    """An address that accepts connections and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    listener.close()


async def test_a_slow_kubernetes_does_not_hold_the_delivery(silent_server: str) -> None:
    configuration = Configuration(host=silent_server)
    resolver = WorkloadResolver(ApiClient(configuration), timeout=0.5)
    began = time.monotonic()
    try:
        answer = await resolver.resolve("shop", Subject("Deployment", "api", "deployment"))
    finally:
        resolver.close()
    assert time.monotonic() - began < 2.0
    assert isinstance(answer, Workload) and answer.name == "api"
    assert answer.how.startswith("label deployment (by labels only: Kubernetes")


def test_kaizen_up_gives_the_api_the_workers_kubeconfig(tmp_path: Path) -> None:
    # One environment for both children; a relative kubeconfig is made absolute for them.
    settings = Settings(home=tmp_path, kubeconfig=Path("kube/config"))
    env = child_environment(settings)
    assert env["KAIZEN_KUBECONFIG"] == str(Path("kube/config").resolve())
