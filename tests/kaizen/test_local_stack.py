"""``kaizen up --kube local`` observes its demo: traffic, Prometheus, Alertmanager, healing.

End to end with the real binaries on loopback, on one stack shared by the session
(tests/local_stack.py): a version made bad through the Kubernetes API fires a real alert
in Prometheus, Alertmanager posts it to Kaizen with its own key, exactly one healing run
starts and repeats join it, it waits for an approval, rolls the image back, verifies with
the playbook's PromQL query, and the alert's resolution is recorded on the run and starts
the incident's RCA, whose draft names the image change as the cause. Last, a
Ctrl-C stops every process and a restart finds Prometheus' and Alertmanager's state, and
the cluster as it was (a scale-out kept, the API server at the same address).
"""

from __future__ import annotations

import signal
import stat
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from kubernetes import config
from kubernetes.client import AppsV1Api

from kaizen.stack.processes import port_is_free
from tests.kaizen.demo_rca import (
    assert_names_the_bad_image,
    drafted_rca,
    wait_for_a_healthy_baseline,
)
from tests.local_stack import LocalStack, eventually
from tests.stack_process import processes_mentioning

RUN = "healing:default:demo:web"


def firing(stack: LocalStack, alertname: str, service: str) -> dict[str, Any] | None:
    alerts = httpx.get(f"{stack.prometheus}/api/v1/alerts", timeout=5).json()["data"]["alerts"]
    return next(
        (
            a for a in alerts
            if a["labels"]["alertname"] == alertname and a["labels"].get("service") == service
            and a["state"] == "firing"
        ),
        None,
    )  # fmt: skip


def query(stack: LocalStack, promql: str, at: float | None = None) -> list[dict[str, Any]]:
    params = {"query": promql} | ({"time": str(at)} if at is not None else {})
    reply = httpx.get(f"{stack.prometheus}/api/v1/query", params=params, timeout=5)
    return list(reply.json()["data"]["result"])


def kubeconfig_server(path: Path) -> str:
    return str(yaml.safe_load(path.read_text())["clusters"][0]["cluster"]["server"])


def run_status(stack: LocalStack) -> dict[str, Any] | None:
    reply = httpx.get(f"{stack.api}/v1/runs/{RUN}", headers=stack.admin, timeout=10)
    return dict(reply.json()) if reply.status_code == 200 else None


def alert_outcomes(stack: LocalStack) -> list[dict[str, Any]]:
    deliveries = stack.get(f"{stack.api}/v1/alerts/deliveries", limit=200)["deliveries"]
    return [
        {**alert, "principal": d["principal"], "status": alert["status"]}
        for d in deliveries
        for alert in d["alerts"]
        if alert["run"] == RUN
    ]


@pytest.mark.timeout(360)  # the shared stack starts first
def test_ready_names_prometheus_and_alertmanager_which_observe_the_demo(
    local_stack: LocalStack,
) -> None:
    stack = local_stack
    for line in (
        f"Prometheus    {stack.prometheus}",
        f"Alertmanager  {stack.alertmanager}",
        f"Traffic       {stack.traffic}/metrics",
    ):
        assert line in stack.printed
    key = stack.home / "alertmanager.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert f"key in {key}" in stack.printed
    assert stat.S_IMODE((stack.home / "prometheus").stat().st_mode) == 0o700

    # Prometheus scrapes the simulator (both paths) and Kaizen's own /metrics.
    def all_up() -> dict[str, str] | None:
        targets = httpx.get(f"{stack.prometheus}/api/v1/targets", timeout=5).json()
        health = {t["scrapePool"]: t["health"] for t in targets["data"]["activeTargets"]}
        return health if set(health.values()) == {"up"} and len(health) == 3 else None

    assert set(eventually(all_up, timeout=30, what="every target up")) == {
        "demo-apps", "kube-state-metrics", "kaizen",
    }  # fmt: skip
    # Alertmanager loaded its config and the workers read the local Prometheus.
    status = httpx.get(f"{stack.alertmanager}/api/v2/status", timeout=5).json()
    assert f"{stack.api}/v1/alerts/alertmanager" in status["config"]["original"]
    workers = [
        pid for pid in processes_mentioning(str(stack.home))
        if b"worker" in open(f"/proc/{pid}/cmdline", "rb").read()
    ]  # fmt: skip
    assert workers
    environ = open(f"/proc/{workers[0]}/environ", "rb").read().split(b"\0")
    assert f"KAIZEN_PROMETHEUS_URL={stack.prometheus}".encode() in environ

    # Per-pod series follow the live Deployment: scale api out, a third pod's series appear
    # (the split of the traffic over them is the simulator's unit tests' to check).
    apps = AppsV1Api(config.new_client_from_config(config_file=str(stack.admin_kubeconfig)))
    apps.patch_namespaced_deployment_scale("api", "demo", {"spec": {"replicas": 3}})
    try:
        pods = 'count(http_requests_total{namespace="demo", app="api", code="200"})'
        eventually(
            lambda: (found := query(stack, pods)) and found[0]["value"][1] == "3",
            timeout=40,
            what="three api pods in Prometheus",
        )
    finally:
        apps.patch_namespaced_deployment_scale("api", "demo", {"spec": {"replicas": 2}})


@pytest.mark.timeout(600)
def test_a_bad_version_fires_a_real_alert_and_heals_with_one_approval(
    local_stack: LocalStack,
) -> None:
    stack, api, admin = local_stack, local_stack.api, local_stack.admin
    mode = httpx.put(
        f"{api}/v1/healing/modes/demo/web", json={"mode": "approval"}, headers=admin, timeout=10
    )
    assert mode.status_code == 200, mode.text
    # A rollback is high risk: it acts only in a change window, and with an approval.
    window = httpx.post(
        f"{api}/v1/change-windows",
        json={"scope": "web", "duration_minutes": 30, "reason": "the demo"},
        headers=admin,
        timeout=10,
    )
    assert window.status_code in (200, 201), window.text

    wait_for_a_healthy_baseline(stack)
    began = time.monotonic()
    broken = stack.cli("demo", "break", "web", "--mode", "errors")
    assert broken.returncode == 0, broken.stdout
    assert "registry.local/demo/web:1.0.0 -> registry.local/demo/web:2.0-bad" in broken.stdout

    eventually(lambda: firing(stack, "DemoBadRollout", "web"), timeout=120, what="alert fires")
    fired = time.monotonic() - began
    run = eventually(
        lambda: (r := run_status(stack)) and r["phase"] == "awaiting_approval" and r,
        timeout=60,
        what="the run waits for an approval",
    )
    at_kaizen = time.monotonic() - began
    pending = run["pending_approval"]
    assert pending["requested_by"] == "alertmanager"  # its own key, so the admin may approve
    assert pending["summary"].startswith("rollback demo/web")
    diagnosis = next(e for e in run["events"] if e["type"] == "diagnosis.done")
    assert "bad_rollout" in diagnosis["message"] and "error_rate 0.2" in diagnosis["message"]

    # Alertmanager re-sends the still-firing alert (every minute): it joins the run, and no
    # second run starts.
    eventually(
        lambda: any(a["action"] == "joined" for a in alert_outcomes(stack)),
        timeout=100,
        every=2,
        what="a repeat of the alert joins the run",
    )
    outcomes = alert_outcomes(stack)
    assert [a["action"] for a in outcomes if a["action"] == "started"] == ["started"]
    assert {a["alertname"] for a in outcomes} == {"DemoBadRollout"}  # symptoms inhibited
    assert {a["principal"] for a in outcomes} == {"alertmanager"}

    approved = httpx.post(
        f"{api}/v1/runs/{RUN}/approvals", json={"decision": "approve"}, headers=admin, timeout=10
    )
    assert approved.status_code == 200, approved.text
    done = eventually(
        lambda: (r := run_status(stack)) and r["status"] == "completed" and r,
        timeout=240,
        every=2,
        what="the run completes",
    )
    healed = time.monotonic() - began
    result = done["result"]
    assert result["outcome"] == "fixed", result.get("reason")
    last_check = result["verification"]["last"]
    assert last_check["method"] == "prometheus" and last_check["passed"]
    assert last_check["query"].startswith("max(service:http_error_ratio:rate5m{")
    assert last_check["value"] < 0.05
    apps = AppsV1Api(config.new_client_from_config(config_file=str(stack.admin_kubeconfig)))
    image = apps.read_namespaced_deployment("web", "demo").spec.template.spec.containers[0].image
    assert image == "registry.local/demo/web:1.0.0"

    # The alert resolved by itself in Prometheus, and its resolution is on the run.
    assert firing(stack, "DemoBadRollout", "web") is None
    assert any(a["status"] == "resolved" for a in result["alerts"])
    assert any(
        a["status"] == "resolved" and a["action"] == "recorded" for a in alert_outcomes(stack)
    )
    runs = stack.get(f"{api}/v1/runs", kind="healing", service="web")
    assert [r["id"] for r in runs] == [RUN]

    status = stack.cli("demo", "heal-status")
    assert status.returncode == 0, status.stdout
    assert "version 1.0.0 (healthy)" in status.stdout
    assert f"{RUN}  completed" in status.stdout and "outcome fixed" in status.stdout
    # The resolution started the incident's RCA: its draft blames the bad image.
    evidence = assert_names_the_bad_image(drafted_rca(stack))
    drafted = time.monotonic() - began
    sys.stderr.write(f"\nRCA evidence kinds: {sorted({e['kind'] for e in evidence.values()})}\n")
    stack.timings.update(
        alert_fired=fired, run_awaiting_approval=at_kaizen, fixed=healed, rca_drafted=drafted
    )
    sys.stderr.write(
        f"\nbad version -> firing {fired:.0f}s, -> run awaiting approval {at_kaizen:.0f}s, "
        f"-> fixed {healed:.0f}s\n"
    )


@pytest.mark.timeout(420)
def test_ctrl_c_stops_everything_and_state_survives_a_restart(local_stack: LocalStack) -> None:
    stack = local_stack
    silence = httpx.post(
        f"{stack.alertmanager}/api/v2/silences",
        json={
            "matchers": [{"name": "alertname", "value": "KaizenRestartTest", "isRegex": False}],
            "startsAt": datetime.now(UTC).isoformat(),
            "endsAt": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
            "createdBy": "test",
            "comment": "must survive a restart",
        },
        timeout=5,
    ).json()["silenceID"]
    before = time.time() - 2
    assert query(stack, 'up{job="kaizen"}', at=before)
    key = (stack.home / "alertmanager.key").read_text()
    # A scale-out a healing run made (here by hand) is the cluster's state, not the
    # demo's: the restart must keep it, and the address every kubeconfig points at.
    apps = AppsV1Api(config.new_client_from_config(config_file=str(stack.admin_kubeconfig)))
    apps.patch_namespaced_deployment_scale("checkout", "demo", {"spec": {"replicas": 5}})
    kube_server = kubeconfig_server(stack.home / "kubeconfig")

    stack.stop(signal.SIGINT)
    time.sleep(0.5)
    assert processes_mentioning(str(stack.home)) == [], "children left behind after Ctrl-C"
    for name in ("api", "prometheus", "alertmanager", "traffic", "opa"):
        assert port_is_free("127.0.0.1", stack.port(name)), f"{name} still listening"

    stack.start()
    silences = httpx.get(f"{stack.alertmanager}/api/v2/silences", timeout=5).json()
    assert any(s["id"] == silence and s["status"]["state"] == "active" for s in silences)
    # Samples scraped before the restart are still there (the TSDB lives in KAIZEN_HOME).
    assert query(stack, 'up{job="kaizen"}', at=before)
    assert (stack.home / "alertmanager.key").read_text() == key  # made once per KAIZEN_HOME
    assert kubeconfig_server(stack.home / "kubeconfig") == kube_server
    apps = AppsV1Api(config.new_client_from_config(config_file=str(stack.admin_kubeconfig)))
    try:
        assert apps.read_namespaced_deployment("checkout", "demo").spec.replicas == 5
    finally:
        apps.patch_namespaced_deployment_scale("checkout", "demo", {"spec": {"replicas": 3}})
    assert stack.starts == 2
