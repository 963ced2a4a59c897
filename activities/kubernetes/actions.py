"""Kubernetes actions as activities (official ``kubernetes`` client).

Each mutating action is idempotent: the patch writes an op-id annotation made
from the workflow, run and activity ids in the same request as the change, so a
retried activity that finds its own op-id knows the change is already made.
Patches carry the resourceVersion they were computed from, so a concurrent
change yields a 409 and a retry against the fresh object, never a lost update.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any, Final

from google.protobuf.json_format import MessageToDict
from google.protobuf.struct_pb2 import Struct
from kubernetes.client import ApiClient, AppsV1Api, CoreV1Api
from kubernetes.client.exceptions import ApiException
from temporalio import activity

from activities.idempotency import operation_key
from activities.kubernetes.bounds import check_action, check_scale_step, refuse
from activities.kubernetes.errors import translate
from kaizen.v1.kubernetes_pb2 import (
    KubeActionRequest,
    KubeActionResult,
    WorkloadHealth,
    WorkloadHealthList,
    WorkloadRef,
    WorkloadSelector,
)

OP_ID_ANNOTATION: Final = "kaizen.dev/op-id"
RESTARTED_AT: Final = "kubectl.kubernetes.io/restartedAt"
REVISION: Final = "deployment.kubernetes.io/revision"
STRATEGIC: Final = "application/strategic-merge-patch+json"
JSON_PATCH: Final = "application/json-patch+json"
FIELD_MANAGER: Final = "kaizen"
HEARTBEAT_EVERY_SECONDS: Final = 1.0
# The most Deployments one list reads: a sweep's result stays far below Temporal's payload
# limit, and a namespace larger than this is swept by label selectors.
MAX_LISTED: Final = 500
CRASH_LOOP: Final = "CrashLoopBackOff"


class KubernetesActivities:
    """Receives an ``ApiClient`` (the worker's kubeconfig identity; tests use the same class)."""

    def __init__(self, api_client: ApiClient) -> None:
        self._api = api_client
        self._apps = AppsV1Api(api_client)
        self._core = CoreV1Api(api_client)

    @activity.defn
    async def apply_kube_action(self, request: KubeActionRequest) -> KubeActionResult:
        """Scale, restart, roll back, set resources or set the image of a Deployment."""
        params = MessageToDict(request.parameters)
        check_action(request.action, params)  # before any API call
        work = asyncio.ensure_future(
            asyncio.to_thread(self._apply, request, params, operation_key())
        )
        # Heartbeats let Temporal notice a dead worker in seconds rather than at the
        # start-to-close timeout; the retry then finds its op-id and repeats nothing.
        while not work.done():
            activity.heartbeat()
            await asyncio.wait({work}, timeout=HEARTBEAT_EVERY_SECONDS)
        return work.result()

    @activity.defn
    async def read_workload_health(self, workload: WorkloadRef) -> WorkloadHealth:
        """Rollout progress, readiness and container restarts of a Deployment."""
        return await asyncio.to_thread(self.health, workload)

    @activity.defn
    async def list_workload_health(self, selector: WorkloadSelector) -> WorkloadHealthList:
        """The health of every Deployment of a namespace (or those a label selector
        matches), by name: two list calls, nothing changed."""
        return await asyncio.to_thread(self.health_of_all, selector)

    def _apply(
        self, request: KubeActionRequest, params: dict[str, Any], op_id: str
    ) -> KubeActionResult:
        ref = request.workload
        doing = f"{request.action} deployment {ref.namespace}/{ref.name}"
        try:
            # The client's models type every field optional; a served Deployment has them all.
            deployment: Any = self._apps.read_namespaced_deployment(ref.name, ref.namespace)
            annotations = deployment.metadata.annotations or {}
            before = self._summary(deployment)
            if not request.dry_run and annotations.get(OP_ID_ANNOTATION) == op_id:
                return self._result(request, op_id, deployment, before, already_applied=True)
            body, content_type = self._patch_for(request.action, params, deployment, op_id)
            patched: Any = self._apps.patch_namespaced_deployment(
                ref.name,
                ref.namespace,
                body,
                dry_run="All" if request.dry_run else None,
                field_manager=FIELD_MANAGER,
                _content_type=content_type,
            )
        except ApiException as error:
            raise translate(error, doing) from error
        return self._result(request, op_id, patched, before, already_applied=False)

    def _patch_for(
        self, action: str, params: dict[str, Any], deployment: Any, op_id: str
    ) -> tuple[Any, str]:
        metadata = {
            "annotations": {OP_ID_ANNOTATION: op_id},
            # Optimistic concurrency: the server answers 409 if the object moved on.
            "resourceVersion": deployment.metadata.resource_version,
        }
        if action == "scale":
            target = int(params["replicas"])
            check_scale_step(deployment.spec.replicas or 0, target)
            return {"metadata": metadata, "spec": {"replicas": target}}, STRATEGIC
        if action == "rollout_restart":
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            template = {"metadata": {"annotations": {RESTARTED_AT: now}}}
            return {"metadata": metadata, "spec": {"template": template}}, STRATEGIC
        if action in ("set_resources", "set_image"):
            container = params["container"]
            names = [c.name for c in deployment.spec.template.spec.containers]
            if container not in names:
                raise refuse(f"deployment has no container {container!r}; it has {names}")
            change: dict[str, Any] = {"name": container}
            if action == "set_image":
                change["image"] = params["image"]
            else:
                change["resources"] = {
                    k: params[k] for k in ("requests", "limits") if params.get(k)
                }
            spec = {"template": {"spec": {"containers": [change]}}}
            return {"metadata": metadata, "spec": spec}, STRATEGIC
        if action == "rollback":
            return self._rollback_patch(deployment, op_id), JSON_PATCH
        raise refuse(f"action {action!r} is not whitelisted")

    def _rollback_patch(self, deployment: Any, op_id: str) -> list[dict[str, Any]]:
        """Replace the pod template with the previous revision's, as `kubectl rollout undo`."""
        namespace = deployment.metadata.namespace
        current = int((deployment.metadata.annotations or {}).get(REVISION, "0"))
        owned = [
            rs
            for rs in self._replica_sets(namespace)
            if any(o.uid == deployment.metadata.uid for o in rs.metadata.owner_references or [])
        ]
        older = [
            rs for rs in owned if int((rs.metadata.annotations or {}).get(REVISION, "0")) < current
        ]
        if not older:
            raise refuse(
                f"deployment {namespace}/{deployment.metadata.name} has no earlier revision"
            )
        previous = max(older, key=lambda rs: int(rs.metadata.annotations[REVISION]))
        template = self._plain(previous.spec.template)
        template.get("metadata", {}).get("labels", {}).pop("pod-template-hash", None)
        return [
            {"op": "test", "path": "/metadata/resourceVersion",
             "value": deployment.metadata.resource_version},
            {"op": "replace", "path": "/spec/template", "value": template},
            {"op": "add", "path": "/metadata/annotations/kaizen.dev~1op-id", "value": op_id},
        ]  # fmt: skip

    def _plain(self, model: Any) -> Any:
        """A client model as plain JSON-able data (the form patches and Structs take)."""
        sanitize: Any = self._api.sanitize_for_serialization
        return sanitize(model)

    def _replica_sets(self, namespace: str) -> list[Any]:
        listing: Any = self._apps.list_namespaced_replica_set(namespace)
        return list(listing.items)

    def _summary(self, deployment: Any) -> dict[str, Any]:
        spec = deployment.spec
        return {
            "replicas": spec.replicas,
            "generation": deployment.metadata.generation,
            "revision": (deployment.metadata.annotations or {}).get(REVISION, ""),
            "containers": [
                {
                    "name": c.name,
                    "image": c.image,
                    "resources": self._plain(c.resources) or {},
                }
                for c in spec.template.spec.containers
            ],  # fmt: skip
            "restarted_at": (spec.template.metadata.annotations or {}).get(RESTARTED_AT, ""),
        }

    def _result(
        self,
        request: KubeActionRequest,
        op_id: str,
        deployment: Any,
        before: dict[str, Any],
        *,
        already_applied: bool,
    ) -> KubeActionResult:
        after = self._summary(deployment)
        result = KubeActionResult(
            action=request.action,
            applied=not request.dry_run and not already_applied,
            dry_run=request.dry_run,
            already_applied=already_applied,
            op_id=op_id,
            generation=deployment.metadata.generation or 0,
            resource_version=deployment.metadata.resource_version or "",
            summary=(
                "already applied by this operation; nothing repeated"
                if already_applied
                else ("dry run: " if request.dry_run else "")
                + f"{request.action} {request.workload.namespace}/{request.workload.name}"
            ),
        )
        for target, values in ((result.before, before), (result.after, after)):
            struct = Struct()
            struct.update(values)
            target.CopyFrom(struct)
        return result

    def read_deployment(self, workload: WorkloadRef) -> Any:
        """The Deployment as the API server has it now (blocking; call from a thread)."""
        try:
            return self._apps.read_namespaced_deployment(workload.name, workload.namespace)
        except ApiException as error:
            raise translate(
                error, f"read deployment {workload.namespace}/{workload.name}"
            ) from error

    def health(self, workload: WorkloadRef) -> WorkloadHealth:
        """Rollout progress, readiness and restarts (blocking; call from a thread)."""
        doing = f"read deployment {workload.namespace}/{workload.name}"
        try:
            deployment: Any = self._apps.read_namespaced_deployment(
                workload.name, workload.namespace
            )
            pods: Any = self._core.list_namespaced_pod(
                workload.namespace, label_selector=_match_labels(deployment)
            )
        except ApiException as error:
            raise translate(error, doing) from error
        return _health(workload, deployment, list(pods.items))

    def health_of_all(self, selector: WorkloadSelector) -> WorkloadHealthList:
        """Every matching Deployment's health (blocking; call from a thread)."""
        namespace = selector.namespace
        limit = selector.limit or MAX_LISTED
        doing = f"list deployments in {namespace}"
        try:
            listing: Any = self._apps.list_namespaced_deployment(
                namespace, label_selector=selector.label_selector or None, limit=limit
            )
            # One list for the namespace's pods, matched below: not one call per Deployment.
            pods: Any = self._core.list_namespaced_pod(namespace)
        except ApiException as error:
            raise translate(error, doing) from error
        found = WorkloadHealthList(truncated=bool(listing.metadata._continue))
        for deployment in sorted(listing.items, key=lambda d: d.metadata.name):
            wanted = deployment.spec.selector.match_labels or {}
            matched = [
                pod for pod in pods.items if wanted.items() <= (pod.metadata.labels or {}).items()
            ]
            ref = WorkloadRef(namespace=namespace, name=deployment.metadata.name)
            found.workloads.append(_health(ref, deployment, matched))
        return found


def _match_labels(deployment: Any) -> str:
    return ",".join(f"{k}={v}" for k, v in (deployment.spec.selector.match_labels or {}).items())


def _health(workload: WorkloadRef, deployment: Any, pods: list[Any]) -> WorkloadHealth:
    """A Deployment's health from the object and its pods, as the API server has them."""
    status = deployment.status
    desired = deployment.spec.replicas or 0
    updated = status.updated_replicas or 0
    available = status.available_replicas or 0
    complete = (
        (status.observed_generation or 0) >= (deployment.metadata.generation or 0)
        and updated == desired
        and available == desired
        and (status.replicas or 0) == desired
    )
    statuses = [cs for pod in pods for cs in (pod.status.container_statuses or [])]
    restarts = sum(cs.restart_count for cs in statuses)
    crash_looping = sum(
        1
        for cs in statuses
        if cs.state and cs.state.waiting and cs.state.waiting.reason == CRASH_LOOP
    )
    conditions = {c.type: c for c in status.conditions or []}
    available_condition = conditions.get("Available")
    progressing = conditions.get("Progressing")
    return WorkloadHealth(
        workload=workload,
        desired_replicas=desired,
        updated_replicas=updated,
        ready_replicas=status.ready_replicas or 0,
        available_replicas=available,
        rollout_complete=complete,
        generation=deployment.metadata.generation or 0,
        observed_generation=status.observed_generation or 0,
        revision=(deployment.metadata.annotations or {}).get(REVISION, ""),
        restarts=restarts,
        healthy=complete and available >= desired,
        summary=f"{available}/{desired} available, {updated} updated, {restarts} restarts",
        crash_looping=crash_looping,
        below_minimum_availability=(
            available_condition is not None and available_condition.status == "False"
        ),
        progress_deadline_exceeded=(
            progressing is not None
            and progressing.status == "False"
            and progressing.reason == "ProgressDeadlineExceeded"
        ),
    )
