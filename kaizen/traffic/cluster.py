"""One namespace as the Kubernetes API has it, kept current by list-and-watch.

One thread per kind (Deployments, ReplicaSets, Pods) lists once, then watches from that
list's resource version; an expired version (410) or a dropped connection lists again.
A namespace the identity may not read (403) counts as answered and empty, and is listed
again every few seconds: the simulator serves what it may see, and picks the namespace
up once a RoleBinding lets it.
:meth:`ClusterWatch.snapshot` turns the objects into the simulator's views.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Final

from kubernetes import watch
from kubernetes.client import AppsV1Api, CoreV1Api
from kubernetes.client.exceptions import ApiException
from kubernetes.utils import parse_quantity
from urllib3.exceptions import HTTPError

from kaizen.traffic.simulation import ClusterView, DeploymentView, PodView, ReplicaSetView

log = logging.getLogger(__name__)

KINDS: Final = ("deployments", "replicasets", "pods")
WATCH_SECONDS: Final = 60
"""The API server ends each watch after this long; the next one resumes where it ended."""
RETRY_SECONDS: Final = 1.0
FORBIDDEN: Final = 403
FORBIDDEN_RETRY_SECONDS: Final = 5.0


class ClusterWatch:
    """Deployments, ReplicaSets and Pods of one namespace, as the API server has them."""

    def __init__(self, api_client: Any, namespace: str) -> None:
        self.namespace = namespace
        core, apps = CoreV1Api(api_client), AppsV1Api(api_client)
        self._lists: dict[str, Callable[..., Any]] = {
            "deployments": apps.list_namespaced_deployment,
            "replicasets": apps.list_namespaced_replica_set,
            "pods": core.list_namespaced_pod,
        }
        self._objects: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}
        self._answered: set[str] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for kind in KINDS:
            thread = threading.Thread(target=self._follow, args=(kind,), name=kind, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stopping.set()

    @property
    def synced(self) -> bool:
        """Every kind has been listed (or refused) once."""
        with self._lock:
            return self._answered == set(KINDS)

    def snapshot(self) -> ClusterView:
        with self._lock:
            deployments = list(self._objects["deployments"].values())
            replicasets = list(self._objects["replicasets"].values())
            pods = list(self._objects["pods"].values())
        owners = {rs.name: rs.deployment for rs in (replicaset_view(r) for r in replicasets)}
        return ClusterView(
            pods=tuple(sorted((pod_view(p, owners) for p in pods), key=lambda p: p.name)),
            replicasets=tuple(replicaset_view(r) for r in replicasets),
            deployments=tuple(deployment_view(d) for d in deployments),
        )

    def _follow(self, kind: str) -> None:
        list_objects = self._lists[kind]
        while not self._stopping.is_set():
            try:
                listing = list_objects(self.namespace)
                with self._lock:
                    self._objects[kind] = {o.metadata.name: o for o in listing.items}
                    self._answered.add(kind)
                version = listing.metadata.resource_version
                while not self._stopping.is_set():
                    version = self._watch(kind, list_objects, version)
            except _Relist:
                continue
            except ApiException as error:
                if error.status == FORBIDDEN:
                    with self._lock:
                        self._objects[kind] = {}
                        self._answered.add(kind)
                    log.warning("%s in %s: forbidden; listing again in %.0fs",
                                kind, self.namespace, FORBIDDEN_RETRY_SECONDS)  # fmt: skip
                    self._stopping.wait(FORBIDDEN_RETRY_SECONDS)
                    continue
                log.warning("%s: %s; listing again in %.0fs", kind, error, RETRY_SECONDS)
                self._stopping.wait(RETRY_SECONDS)
            except (HTTPError, OSError) as error:
                log.warning("%s: %s; listing again in %.0fs", kind, error, RETRY_SECONDS)
                self._stopping.wait(RETRY_SECONDS)
            except Exception:
                # Never a silently dead watch that serves a frozen cluster: say it, list again.
                log.exception("%s: unexpected failure; listing again in %.0fs", kind, RETRY_SECONDS)
                self._stopping.wait(RETRY_SECONDS)

    def _watch(self, kind: str, list_objects: Callable[..., Any], version: str) -> str:
        """Apply one watch's events; the resource version to resume from."""
        # The client's watch module is untyped: bind it to Any once.
        watcher: Any = watch.Watch
        stream = watcher().stream(
            list_objects,
            self.namespace,
            resource_version=version,
            timeout_seconds=WATCH_SECONDS,
            allow_watch_bookmarks=True,
        )
        for event in stream:
            kind_of_event, obj = event["type"], event["object"]
            if kind_of_event == "ERROR":
                raise _Relist  # most often 410 Gone: our version is too old to resume from
            if kind_of_event == "BOOKMARK":
                # The client leaves a bookmark undecoded: a dict with only a version.
                version = event["raw_object"].get("metadata", {}).get("resourceVersion") or version
                continue
            version = obj.metadata.resource_version or version
            with self._lock:
                if kind_of_event == "DELETED":
                    self._objects[kind].pop(obj.metadata.name, None)
                else:
                    self._objects[kind][obj.metadata.name] = obj
        return version


class _Relist(Exception):
    """The watch cannot resume; list again."""


def pod_view(pod: Any, deployment_of: Mapping[str, str]) -> PodView:
    """A ``V1Pod`` as the simulator sees it; ``deployment_of`` maps ReplicaSet → Deployment."""
    meta, spec, status = pod.metadata, pod.spec, pod.status
    replicaset = _owner(meta, "ReplicaSet")
    labels = meta.labels or {}
    container = spec.containers[0]
    resources = container.resources
    started: datetime = (status.start_time if status else None) or meta.creation_timestamp
    return PodView(
        namespace=meta.namespace,
        name=meta.name,
        workload=deployment_of.get(replicaset) or labels.get("app") or meta.name,
        replicaset=replicaset,
        app=labels.get("app", ""),
        container=container.name,
        image=container.image or "",
        annotations=dict(meta.annotations or {}),
        started_at=started.timestamp(),
        running=bool(status and status.phase == "Running") and meta.deletion_timestamp is None,
        cpu_limit_cores=_quantity(resources, "limits", "cpu"),
        memory_limit_bytes=_quantity(resources, "limits", "memory"),
        cpu_request_cores=_quantity(resources, "requests", "cpu"),
        memory_request_bytes=_quantity(resources, "requests", "memory"),
    )


def replicaset_view(rs: Any) -> ReplicaSetView:
    return ReplicaSetView(
        namespace=rs.metadata.namespace,
        name=rs.metadata.name,
        deployment=_owner(rs.metadata, "Deployment"),
        created_at=rs.metadata.creation_timestamp.timestamp(),
        replicas=rs.spec.replicas or 0,
    )


def deployment_view(deployment: Any) -> DeploymentView:
    status = deployment.status
    return DeploymentView(
        namespace=deployment.metadata.namespace,
        name=deployment.metadata.name,
        replicas=deployment.spec.replicas or 0,
        available_replicas=(status.available_replicas or 0) if status else 0,
        updated_replicas=(status.updated_replicas or 0) if status else 0,
        generation=deployment.metadata.generation or 0,
        observed_generation=(status.observed_generation or 0) if status else 0,
    )


def _owner(meta: Any, kind: str) -> str:
    return next((o.name for o in meta.owner_references or [] if o.kind == kind), "")


def _quantity(resources: Any, which: str, resource: str) -> float | None:
    values = (getattr(resources, which, None) if resources is not None else None) or {}
    value = values.get(resource)
    parse: Any = parse_quantity  # untyped upstream
    return float(parse(value)) if value is not None else None
