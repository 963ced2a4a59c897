"""Distinct workloads for runs the bench wants apart.

A healing run is keyed by its workload (one mutating run per workload), so runs that
must not join each other need Deployments of their own. They have no replicas: a
run diagnoses, plans and previews (or asks approval for) a real Deployment, and no
pod loads the machine the bench measures.
"""

from __future__ import annotations

from typing import Any

from kaizen.stack.kube import LocalKubeControlPlane

NAMESPACE = "demo"


def workload_names(prefix: str, count: int) -> list[str]:
    return [f"{prefix}-{i:04d}" for i in range(count)]


def create_workloads(kube: LocalKubeControlPlane, prefix: str, count: int) -> list[str]:
    """``count`` zero-replica Deployments in the demo namespace (made once; reused)."""
    names = workload_names(prefix, count)
    for name in names:
        kube.request("POST", f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments", _deployment(name))
    return names


def _deployment(name: str) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": f"registry.local/{name}:1"}]},
            },
        },
    }
