"""``kaizen demo reset``: the demo back as the first ``kaizen up --kube local`` made it.

Restored, in the demo namespace and each environment's: the namespace (if missing), the
bot's RoleBindings, the ``kaizen-promoter`` ClusterRole, and every demo Deployment, replaced
whole: image, replicas, labels and pod template (so the annotation ``kaizen demo break --via
annotation`` sets and a restart's ``restartedAt`` go too), and Kaizen's own annotations on
the Deployment (its op-id); annotations of others (the Deployment controller's revision) stay.

Removed, and only this: a promotion's canary left behind, a Deployment named
``<stable>-canary`` that carries Kaizen's canary labels for one of the demo's Deployments.
Healing makes no objects of its own (it patches the Deployments, which are replaced whole),
so nothing else is Kaizen's to remove. Anything else in those namespaces, and the namespaces
of environments no longer declared, are left alone.
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Final

from activities.kubernetes.bounds import CANARY_SUFFIX
from activities.kubernetes.canary import CANARY_OF
from kaizen.stack.kube_demo import (
    RBAC,
    KubeRest,
    create_missing,
    demo_workloads,
    objects,
    promoter_role_body,
    put,
    wait_available,
)

MANAGED_BY: Final = "app.kubernetes.io/managed-by"
KAIZEN_ANNOTATIONS: Final = "kaizen.dev/"  # also matches demo.kaizen.dev/


class KubeconfigRest:
    """Admin REST calls with a token kubeconfig, as the local control plane writes them."""

    def __init__(self, path: Path, timeout: float = 10.0) -> None:
        config: dict[str, Any] = json.loads(path.read_text())  # the control plane writes JSON
        context = _named(config, "contexts", config["current-context"])["context"]
        cluster = _named(config, "clusters", context["cluster"])["cluster"]
        self.server: str = cluster["server"]
        self._token: str = _named(config, "users", context["user"])["user"]["token"]
        self._tls = ssl.create_default_context(cafile=cluster["certificate-authority"])
        self._timeout = timeout

    def request(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.server + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self._token}")
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=self._timeout, context=self._tls) as reply:
            raw = reply.read()
        return json.loads(raw) if raw else None


def _named(config: dict[str, Any], section: str, name: str) -> dict[str, Any]:
    for entry in config.get(section) or []:
        if entry.get("name") == name:
            return dict(entry)
    raise ValueError(f"kubeconfig: no {section[:-1]} named {name!r}")


def reset_demo(
    kube: KubeRest, timeout: float = 90.0, *, environments_dir: Path | None = None
) -> list[str]:
    """Restore the demo's objects, remove Kaizen's leftover canaries, wait until the
    Deployments are available; one line per change made."""
    workloads = demo_workloads(environments_dir)
    said: list[str] = []
    put(kube, f"{RBAC}/clusterroles", promoter_role_body())
    for collection, body in objects(workloads):
        if body["kind"] == "Namespace":
            if create_missing(kube, collection, body):
                said.append(f"namespace {body['metadata']['name']}: created")
            continue
        if body["kind"] == "Deployment":
            said.append(_restore_deployment(kube, collection, body))
            continue
        put(kube, collection, body)
    for namespace, deployments in workloads.items():
        said += _remove_canaries(kube, namespace, set(deployments))
    wait_available(kube, workloads, timeout)
    return said


def _restore_deployment(kube: KubeRest, collection: str, body: dict[str, Any]) -> str:
    meta = body["metadata"]
    where = f"{meta['namespace']}/{meta['name']}"
    initial = f"{_image(body)} x{body['spec']['replicas']}"
    found = _get_or_none(kube, f"{collection}/{meta['name']}")
    if found is None:
        put(kube, collection, body)
        return f"{where}: created, {initial}"
    others = {
        key: value
        for key, value in (found["metadata"].get("annotations") or {}).items()
        if KAIZEN_ANNOTATIONS not in key
    }
    if others:
        meta["annotations"] = others
    put(kube, collection, body)
    return f"{where}: {_image(found)} x{found['spec'].get('replicas', 1)} -> {initial}"


def _remove_canaries(kube: KubeRest, namespace: str, stables: set[str]) -> list[str]:
    collection = f"/apis/apps/v1/namespaces/{namespace}/deployments"
    selector = urllib.parse.urlencode({"labelSelector": CANARY_OF})
    said = []
    for item in kube.request("GET", f"{collection}?{selector}")["items"]:
        name, labels = item["metadata"]["name"], item["metadata"].get("labels") or {}
        stable = labels.get(CANARY_OF, "")
        if (
            stable in stables
            and name == stable + CANARY_SUFFIX
            and labels.get(MANAGED_BY) == "kaizen"
        ):
            # Background: the garbage collector removes its ReplicaSet and pods after it.
            kube.request("DELETE", f"{collection}/{name}", {"propagationPolicy": "Background"})
            said.append(f"{namespace}/{name}: removed (a promotion's canary)")
    return said


def _get_or_none(kube: KubeRest, path: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = kube.request("GET", path)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise
    return found


def _image(deployment: dict[str, Any]) -> str:
    return str(deployment["spec"]["template"]["spec"]["containers"][0].get("image", "?"))
