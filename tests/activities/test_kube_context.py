"""An environment's kube_context selects that context of the workers' kubeconfig for its
rollout's activities; a context the kubeconfig lacks is a refusal naming what it has."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.kubernetes.canary import CanaryActivities
from activities.kubernetes.contexts import UNKNOWN_CONTEXT, KubeContexts
from kaizen.stack.kube import LocalKubeControlPlane
from kaizen.v1.kubernetes_pb2 import WorkloadRef
from kaizen.v1.promotion_pb2 import SnapshotRequest
from tests.kube_workloads import make_workload


def two_contexts(kube: LocalKubeControlPlane, path: Path) -> Path:
    """The bot's kubeconfig with its context renamed ``staging-cluster``, and a current
    context that points nowhere: only a selected context can reach the cluster."""
    config = json.loads(kube.bot_kubeconfig.read_text())
    [context] = config["contexts"]
    context["name"] = "staging-cluster"
    config["clusters"].append({"name": "nowhere", "cluster": {"server": "https://127.0.0.1:9"}})
    config["contexts"].append(
        {"name": "default", "context": {"cluster": "nowhere", "user": context["context"]["user"]}}
    )
    config["current-context"] = "default"
    path.write_text(json.dumps(config))
    return path


async def test_the_environments_context_is_used_and_an_unknown_one_is_refused(
    kube: LocalKubeControlPlane, tmp_path: Path
) -> None:
    workload = make_workload(kube, replicas=1)
    kubeconfig = two_contexts(kube, tmp_path / "kubeconfig")
    # The workers' default client is the kubeconfig's current context: the unreachable one.
    from kubernetes import config

    current = config.new_client_from_config(config_file=str(kubeconfig))
    activities = CanaryActivities(current, KubeContexts(kubeconfig))

    def request(context: str) -> SnapshotRequest:
        stable = WorkloadRef(namespace=workload.namespace, name=workload.name, context=context)
        return SnapshotRequest(stable=stable, canary="web-canary")

    snapshot = await ActivityEnvironment().run(
        activities.snapshot_workload, request("staging-cluster")
    )
    assert snapshot.replicas == 1 and snapshot.image.startswith("registry.local/web")

    with pytest.raises(ApplicationError) as refused:
        await ActivityEnvironment().run(activities.snapshot_workload, request("prod-cluster"))
    assert refused.value.type == UNKNOWN_CONTEXT and refused.value.non_retryable
    assert "'prod-cluster'" in str(refused.value) and "default, staging-cluster" in str(
        refused.value
    )

    with pytest.raises(ApplicationError) as nowhere:
        await ActivityEnvironment().run(
            CanaryActivities(current, KubeContexts(None)).snapshot_workload,
            request("staging-cluster"),
        )
    assert "no kubeconfig" in str(nowhere.value)
