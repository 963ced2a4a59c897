"""A real Kubernetes control plane per test session, and the activities as the bot runs them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kubernetes.client import ApiClient

from activities.kubernetes.actions import KubernetesActivities
from kaizen.stack.kube import LocalKubeControlPlane, ensure_kube_binaries


@pytest.fixture(scope="session")
def kube(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalKubeControlPlane]:
    plane = LocalKubeControlPlane(ensure_kube_binaries(), tmp_path_factory.mktemp("kube"))
    with plane:
        yield plane


@pytest.fixture(scope="session")
def bot(kube: LocalKubeControlPlane) -> KubernetesActivities:
    """The activities as a deployed Kaizen runs them: the bot identity and its RBAC only."""
    client: ApiClient = kube.api_client("bot")
    return KubernetesActivities(client)
