"""The workloads `kaizen up --kube local` creates once: healing's demo namespace and one
namespace per promotion environment (``environments/*.toml``), each with its Deployments.

Only what is missing is created: the objects in etcd (under KAIZEN_HOME) are the truth, so a
restart keeps what happened to them since (a verified scale-out, an image a promotion
shipped). ``kaizen demo reset`` (:mod:`kaizen.stack.demo_reset`) restores them on request.
"""

from __future__ import annotations

import time
import urllib.error
from pathlib import Path
from typing import Any, Final, Protocol

from kaizen.catalog.environments import EnvironmentFileError, load_environments
from kaizen.stack.kube import BOT_USER, FAKE_NODE_LABELS, FAKE_NODE_TAINT

DEMO_NAMESPACE: Final = "demo"
DEMO_DEPLOYMENTS: Final = {"web": 2, "api": 2, "checkout": 3}
#: What each environment's namespace starts with: the service the promotions tour ships.
ENVIRONMENT_DEPLOYMENTS: Final = {"web": 2}
#: Rights a promotion's canary needs on top of the bot's own: bound in environment
#: namespaces only, so the bot can make and remove Deployments nowhere else.
PROMOTER_ROLE: Final = "kaizen-promoter"
PROMOTER_RULES: Final = [
    {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["create", "delete"]}
]
RBAC: Final = "/apis/rbac.authorization.k8s.io/v1"
#: Who wrote the demo's fields in managedFields: Kaizen, as its actions do.
MANAGER: Final = "fieldManager=kaizen"


class KubeRest(Protocol):
    """A JSON REST call as the cluster's admin (:class:`LocalKubeControlPlane` is one);
    a refusal raises :class:`urllib.error.HTTPError`."""

    def request(self, method: str, path: str, body: Any = None) -> Any: ...


def demo_workloads(environments_dir: Path | None = None) -> dict[str, dict[str, int]]:
    """Namespace -> {Deployment: initial replicas}: the demo's, then each environment's.

    An environment whose namespace is the demo's adds nothing: the demo namespace stays
    healing's, without the promoter's rights.
    """
    if environments_dir is None:
        from kaizen.settings import Settings  # KAIZEN_ENVIRONMENTS_DIR, as the API reads it

        environments_dir = Settings().environments_directory
    workloads = {DEMO_NAMESPACE: dict(DEMO_DEPLOYMENTS)}
    found = load_environments(environments_dir).values()
    for environment in sorted(found, key=lambda e: e.order):
        workloads.setdefault(environment.namespace, dict(ENVIRONMENT_DEPLOYMENTS))
    return workloads


def demo_placement() -> dict[str, Any]:
    """nodeSelector + toleration landing pods on kwok's node (the control plane's own)."""
    return {
        "nodeSelector": {"type": FAKE_NODE_LABELS["type"]},
        "tolerations": [{**FAKE_NODE_TAINT, "operator": "Equal"}],
    }


def namespace_body(namespace: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}


def deployment_body(namespace: str, name: str, replicas: int) -> dict[str, Any]:
    """A demo Deployment as it starts: image tag 1.0.0, pods on the kwok node."""
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
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {**demo_placement(), "containers": [container]},
            },
        },
    }


def promoter_role_body() -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": PROMOTER_ROLE},
        "rules": PROMOTER_RULES,
    }


def bindings(namespace: str) -> list[dict[str, Any]]:
    """The bot's RoleBindings in a namespace: its own rights, plus the promoter's in an
    environment's namespace (not the demo's)."""
    roles = [BOT_USER] + ([PROMOTER_ROLE] if namespace != DEMO_NAMESPACE else [])
    return [
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": role, "namespace": namespace},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": role,
            },
            "subjects": [
                {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": BOT_USER}
            ],
        }
        for role in roles
    ]


def objects(workloads: dict[str, dict[str, int]]) -> list[tuple[str, dict[str, Any]]]:
    """(collection path, body) of every demo object, namespaces first."""
    found: list[tuple[str, dict[str, Any]]] = []
    for namespace, deployments in workloads.items():
        found.append(("/api/v1/namespaces", namespace_body(namespace)))
        rolebindings = f"{RBAC}/namespaces/{namespace}/rolebindings"
        found += [(rolebindings, binding) for binding in bindings(namespace)]
        apps = f"/apis/apps/v1/namespaces/{namespace}/deployments"
        found += [
            (apps, deployment_body(namespace, name, replicas))
            for name, replicas in deployments.items()
        ]
    return found


def create_missing(kube: KubeRest, collection: str, body: dict[str, Any]) -> bool:
    """Create ``body`` unless an object of its name exists (left exactly as it is)."""
    try:
        kube.request("POST", f"{collection}?{MANAGER}", body)
    except urllib.error.HTTPError as error:
        if error.code == 409:  # AlreadyExists: no read-then-create race
            return False
        raise
    return True


def put(kube: KubeRest, collection: str, body: dict[str, Any]) -> None:
    """Replace the object (unconditionally: no resourceVersion), or create it."""
    try:
        kube.request("PUT", f"{collection}/{body['metadata']['name']}?{MANAGER}", body)
    except urllib.error.HTTPError as error:
        if error.code != 404:
            raise
        kube.request("POST", f"{collection}?{MANAGER}", body)


def wait_available(kube: KubeRest, workloads: dict[str, dict[str, int]], timeout: float) -> None:
    """Until every demo Deployment has rolled out its current spec (`kubectl rollout
    status`'s test), at whatever replica count it has now."""
    waiting = {(ns, name) for ns, deployments in workloads.items() for name in deployments}
    deadline = time.monotonic() + timeout
    while waiting and time.monotonic() < deadline:
        for namespace, name in sorted(waiting):
            found = kube.request("GET", f"/apis/apps/v1/namespaces/{namespace}/deployments/{name}")
            wanted, status = found["spec"].get("replicas", 1), found.get("status", {})
            if (
                status.get("observedGeneration", 0) >= found["metadata"]["generation"]
                and status.get("updatedReplicas", 0) == wanted
                and status.get("replicas", 0) == wanted
                and status.get("availableReplicas", 0) == wanted
            ):
                waiting.discard((namespace, name))
        if waiting:
            time.sleep(0.3)
    if waiting:
        late = ", ".join(f"{ns}/{name}" for ns, name in sorted(waiting))
        raise TimeoutError(f"demo deployments not available in time: {late}")


def create_demo(
    plane: KubeRest, timeout: float = 90.0, *, environments_dir: Path | None = None
) -> None:
    """Create the demo's missing objects, then wait until its Deployments are available."""
    try:
        workloads = demo_workloads(environments_dir)
    except EnvironmentFileError as error:  # the launcher reports RuntimeErrors, not tracebacks
        raise RuntimeError(f"environments: {error}") from error
    # The role's rules are Kaizen's code, like the bot's own ClusterRole: kept current.
    put(plane, f"{RBAC}/clusterroles", promoter_role_body())
    for collection, body in objects(workloads):
        create_missing(plane, collection, body)
    wait_available(plane, workloads, timeout)
