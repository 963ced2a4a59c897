"""Namespaces and Deployments on the test control plane, as healing targets."""

from __future__ import annotations

import time
import uuid
from typing import Any

from kaizen.stack.kube import LocalKubeControlPlane
from kaizen.v1.kubernetes_pb2 import WorkloadRef


def deployment(name: str, replicas: int, placement: dict[str, Any]) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    **placement,
                    "containers": [
                        {
                            "name": "web",
                            "image": "registry.local/web:1",
                            "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
                        }
                    ],
                },
            },
        },
    }


def ungranted_workload(kube: LocalKubeControlPlane) -> WorkloadRef:
    """A 1-replica Deployment in a fresh namespace the bot was never granted."""
    namespace = f"t-{uuid.uuid4().hex[:8]}"
    kube.request("POST", "/api/v1/namespaces", {"metadata": {"name": namespace}})
    kube.request(
        "POST", f"/apis/apps/v1/namespaces/{namespace}/deployments",
        deployment("web", 1, kube.pod_placement()),
    )  # fmt: skip
    return WorkloadRef(namespace=namespace, name="web")


def read(kube: LocalKubeControlPlane, ref: WorkloadRef) -> dict[str, Any]:
    path = f"/apis/apps/v1/namespaces/{ref.namespace}/deployments/{ref.name}"
    return dict(kube.request("GET", path))


def wait_available(kube: LocalKubeControlPlane, ref: WorkloadRef, replicas: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        obj = read(kube, ref)
        status = obj.get("status", {})
        if (
            status.get("observedGeneration", 0) >= obj["metadata"]["generation"]
            and status.get("availableReplicas") == replicas
            and status.get("updatedReplicas") == replicas
            and status.get("replicas") == replicas
        ):
            return
        time.sleep(0.2)
    raise AssertionError(f"{ref.namespace}/{ref.name} never had {replicas} available: {status}")


def make_workload(
    kube: LocalKubeControlPlane, *, name: str = "web", replicas: int = 2, revisions: int = 1
) -> WorkloadRef:
    """A fresh namespace the bot is granted, with an available Deployment.

    ``revisions`` > 1 rolls out new images first, so a rollback has somewhere to go.
    """
    namespace = f"t-{uuid.uuid4().hex[:8]}"
    kube.request("POST", "/api/v1/namespaces", {"metadata": {"name": namespace}})
    kube.grant_bot(namespace)
    kube.request(
        "POST",
        f"/apis/apps/v1/namespaces/{namespace}/deployments",
        deployment(name, replicas, kube.pod_placement()),
    )
    ref = WorkloadRef(namespace=namespace, name=name)
    wait_available(kube, ref, replicas)
    for revision in range(2, revisions + 1):
        container = {"name": "web", "image": f"registry.local/web:{revision}"}
        kube.request(
            "PATCH",
            f"/apis/apps/v1/namespaces/{namespace}/deployments/{name}",
            {"spec": {"template": {"spec": {"containers": [container]}}}},
            content_type="application/strategic-merge-patch+json",
        )
        wait_available(kube, ref, replicas)
    return ref
