"""Which cluster the workers act on, and as whom."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from kubernetes import config
from kubernetes.client import ApiClient

from activities.kubernetes.contexts import kubeconfig_path
from kaizen.settings import Settings


@dataclass(frozen=True)
class KubeConnection:
    client: ApiClient | None
    """None means observe-only: no cluster is configured."""
    source: str
    """Where the configuration came from, for the start-up message."""


def connect_kubernetes(settings: Settings) -> KubeConnection:
    """KAIZEN_KUBECONFIG, then $KUBECONFIG, then the in-cluster service account."""
    candidate = kubeconfig_path(settings)
    if candidate is not None:
        new_client: Any = config.new_client_from_config
        return KubeConnection(new_client(config_file=str(candidate)), f"kubeconfig {candidate}")
    if os.environ.get("KUBERNETES_SERVICE_HOST"):
        load: Any = config.load_incluster_config
        load()
        return KubeConnection(ApiClient(), "in-cluster service account")
    return KubeConnection(None, "none: observe-only (no kubeconfig, not in a cluster)")
