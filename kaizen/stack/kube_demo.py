"""The demo namespace `kaizen up --kube local` creates: workloads for healing runs."""

from __future__ import annotations

import time
from typing import Any, Final

from kaizen.stack.kube import LocalKubeControlPlane

DEMO_NAMESPACE: Final = "demo"
DEMO_DEPLOYMENTS: Final = {"web": 2, "api": 2, "checkout": 3}


def _deployment(name: str, replicas: int, placement: dict[str, Any]) -> dict[str, Any]:
    labels = {"app": name}
    container = {
        "name": name,
        "image": f"registry.local/demo/{name}:1.0.0",
        # Limits too: the traffic simulator measures CPU and memory against them, as
        # kube-state-metrics and cAdvisor would (and a leak is OOMKilled at its limit).
        "resources": {
            "requests": {"cpu": "100m", "memory": "64Mi"},
            "limits": {"cpu": "500m", "memory": "128Mi"},
        },
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": DEMO_NAMESPACE, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {**placement, "containers": [container]},
            },
        },
    }


def create_demo(plane: LocalKubeControlPlane, timeout: float = 90.0) -> None:
    """Apply the demo namespace and Deployments (idempotent) and wait until they are available."""
    plane.apply(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": DEMO_NAMESPACE}},
        f"/api/v1/namespaces/{DEMO_NAMESPACE}",
    )
    plane.grant_bot(DEMO_NAMESPACE)
    base = f"/apis/apps/v1/namespaces/{DEMO_NAMESPACE}/deployments"
    for name, replicas in DEMO_DEPLOYMENTS.items():
        plane.apply(_deployment(name, replicas, plane.pod_placement()), f"{base}/{name}")
    deadline = time.monotonic() + timeout
    waiting = dict(DEMO_DEPLOYMENTS)
    while waiting and time.monotonic() < deadline:
        for name, replicas in list(waiting.items()):
            status = plane.request("GET", f"{base}/{name}").get("status", {})
            if status.get("availableReplicas") == replicas:
                del waiting[name]
        time.sleep(0.3)
    if waiting:
        raise TimeoutError(f"demo deployments not available in time: {', '.join(waiting)}")
