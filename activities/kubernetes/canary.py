"""A canary Deployment beside the stable one: snapshot, create, scale, promote, restore.

Every change is checked against the one whitelist (``bounds.check_action``) before any
API call and is idempotent the way ``actions.py`` makes changes idempotent: the change
and an op-id annotation (workflow, run and activity ids) go in one request, so a
retried activity that finds its own op-id repeats nothing. Creating the canary is
idempotent the same way, deleting it by nature (gone is gone); a Deployment is only
ever deleted when it carries Kaizen's canary label for that stable Deployment.

The snapshot is read before anything changes; restoring puts the stable Deployment's
replicas and pod template back exactly as they were, so the Deployment controller
scales the old ReplicaSet (kept by revision history, "warm") back up.
"""

from __future__ import annotations

import asyncio
import copy
import time
from typing import Any, Final

from google.protobuf.json_format import MessageToDict
from google.protobuf.struct_pb2 import Struct
from kubernetes.client import ApiClient, AppsV1Api
from kubernetes.client.exceptions import ApiException
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.idempotency import operation_key
from activities.kubernetes.actions import FIELD_MANAGER, JSON_PATCH, OP_ID_ANNOTATION, STRATEGIC
from activities.kubernetes.bounds import check_action, check_scale_step, refuse
from activities.kubernetes.contexts import KubeContexts
from activities.kubernetes.errors import translate
from activities.refusals import refusal
from kaizen.v1.kubernetes_pb2 import (
    KubeActionRequest,
    KubeActionResult,
    WorkloadHealth,
    WorkloadRef,
)
from kaizen.v1.promotion_pb2 import AvailabilityRequest, SnapshotRequest, WorkloadSnapshot

CANARY_OF: Final = "kaizen.dev/canary-of"
TRACK: Final = "kaizen.dev/track"
BUILD: Final = "kaizen.dev/build"
PROGRESS_DEADLINE: Final = "ProgressDeadlineExceeded"
HEARTBEAT_EVERY_SECONDS: Final = 1.0
POLL_EVERY_SECONDS: Final = 0.5


class CanaryActivities:
    """Receives an ``ApiClient`` (the worker's kubeconfig identity; tests use the same class).

    The identity needs create and delete on Deployments in promotion namespaces, beyond
    what healing needs (see the README's Promotions section for the Role).
    """

    def __init__(self, api_client: ApiClient, contexts: KubeContexts | None = None) -> None:
        self._api = api_client
        self._apps = AppsV1Api(api_client)
        self._contexts = contexts or KubeContexts(None)
        self._in_context: dict[str, CanaryActivities] = {}

    def _at(self, ref: WorkloadRef) -> CanaryActivities:
        """These activities as they act on the workload's cluster: the environment's
        ``kube_context`` of the workers' kubeconfig, or the current one when it names none."""
        if not ref.context:
            return self
        if ref.context not in self._in_context:
            self._in_context[ref.context] = CanaryActivities(self._contexts.client(ref.context))
        return self._in_context[ref.context]

    @activity.defn
    async def snapshot_workload(self, request: SnapshotRequest) -> WorkloadSnapshot:
        """The stable Deployment as it is before a rollout changes anything."""
        return await asyncio.to_thread(self._at(request.stable)._snapshot, request)

    @activity.defn
    async def apply_canary_action(self, request: KubeActionRequest) -> KubeActionResult:
        """Create, scale or delete the canary; scale, promote or restore the stable one."""
        params = MessageToDict(request.parameters)
        check_action(request.action, params)  # before any API call
        result: KubeActionResult = await self._heartbeating(
            self._at(request.workload)._apply, request, params, operation_key()
        )
        return result

    @activity.defn
    async def wait_available(self, request: AvailabilityRequest) -> WorkloadHealth:
        """Until the Deployment's replicas are updated and available, or its progress deadline."""
        health: WorkloadHealth = await self._heartbeating(self._at(request.workload)._wait, request)
        return health

    async def _heartbeating(self, blocking: Any, *args: Any) -> Any:
        work = asyncio.ensure_future(asyncio.to_thread(blocking, *args))
        # A dead worker is noticed in seconds; the retry finds its op-id and repeats nothing.
        while not work.done():
            activity.heartbeat()
            await asyncio.wait({work}, timeout=HEARTBEAT_EVERY_SECONDS)
        return work.result()

    # ------------------------------------------------------------------ blocking helpers

    def _plain(self, model: Any) -> Any:
        sanitize: Any = self._api.sanitize_for_serialization
        return sanitize(model)

    def _read(self, name: str, namespace: str) -> Any:
        try:
            return self._apps.read_namespaced_deployment(name, namespace)
        except ApiException as error:
            raise translate(error, f"read deployment {namespace}/{name}") from error

    def _read_or_none(self, name: str, namespace: str) -> Any:
        try:
            return self._apps.read_namespaced_deployment(name, namespace)
        except ApiException as error:
            if error.status == 404:
                return None
            raise translate(error, f"read deployment {namespace}/{name}") from error

    def _snapshot(self, request: SnapshotRequest) -> WorkloadSnapshot:
        ref = request.stable
        deployment = self._read(ref.name, ref.namespace)
        containers = deployment.spec.template.spec.containers
        names = [c.name for c in containers]
        container = request.container or names[0]
        if container not in names:
            raise refuse(f"deployment {ref.namespace}/{ref.name} has no container {container!r}")
        spec = Struct()
        spec.update(self._plain(deployment.spec))
        canary = self._read_or_none(request.canary, ref.namespace)
        return WorkloadSnapshot(
            workload=ref, spec=spec, replicas=deployment.spec.replicas or 0,
            image=next(c.image for c in containers if c.name == container), container=container,
            resource_version=deployment.metadata.resource_version or "",
            canary_existed=canary is not None,
        )  # fmt: skip

    def _apply(
        self, request: KubeActionRequest, params: dict[str, Any], op_id: str
    ) -> KubeActionResult:
        ref = request.workload
        doing = f"{request.action} deployment {ref.namespace}/{ref.name}"
        try:
            if request.action == "canary_create":
                return self._create_canary(request, params, op_id)
            if request.action == "canary_delete":
                return self._delete_canary(request, op_id)
            deployment: Any = self._read(ref.name, ref.namespace)
            if request.action.startswith("canary_"):
                self._require_canary(deployment, ref.name)
            before = _summary(deployment)
            if (deployment.metadata.annotations or {}).get(OP_ID_ANNOTATION) == op_id:
                return _result(request, op_id, deployment, before, already_applied=True)
            body, content_type = self._patch_for(request.action, params, deployment, op_id)
            patched: Any = self._apps.patch_namespaced_deployment(
                ref.name, ref.namespace, body, field_manager=FIELD_MANAGER,
                _content_type=content_type,
            )  # fmt: skip
        except ApiException as error:
            raise translate(error, doing) from error
        return _result(request, op_id, patched, before, already_applied=False)

    def _patch_for(
        self, action: str, params: dict[str, Any], deployment: Any, op_id: str
    ) -> tuple[Any, str]:
        metadata = {
            "annotations": {OP_ID_ANNOTATION: op_id},
            # Optimistic concurrency: the server answers 409 if the object moved on.
            "resourceVersion": deployment.metadata.resource_version,
        }
        current = deployment.spec.replicas or 0
        if action in ("canary_scale", "stable_scale"):
            target = int(params["replicas"])
            check_scale_step(current, target)
            return {"metadata": metadata, "spec": {"replicas": target}}, STRATEGIC
        if action == "stable_promote":
            target = int(params["replicas"])
            check_scale_step(current, target)
            self._require_container(deployment, params["container"])
            containers = [{"name": params["container"], "image": params["image"]}]
            spec = {"replicas": target, "template": {"spec": {"containers": containers}}}
            return {"metadata": metadata, "spec": spec}, STRATEGIC
        if action == "stable_restore":
            # The snapshot's replicas and pod template, replaced whole: exactly as before.
            target = int(params["replicas"])
            check_scale_step(current, target)
            template = _integral(params.get("template"))
            if not isinstance(template, dict) or "spec" not in template:
                raise refuse("stable_restore needs the snapshot's pod template")
            return [
                {"op": "test", "path": "/metadata/resourceVersion",
                 "value": deployment.metadata.resource_version},
                {"op": "replace", "path": "/spec/replicas", "value": target},
                {"op": "replace", "path": "/spec/template", "value": template},
                {"op": "add", "path": "/metadata/annotations/kaizen.dev~1op-id", "value": op_id},
            ], JSON_PATCH  # fmt: skip
        raise refuse(f"action {action!r} is not a canary action")

    def _require_container(self, deployment: Any, container: str) -> None:
        names = [c.name for c in deployment.spec.template.spec.containers]
        if container not in names:
            raise refuse(f"deployment has no container {container!r}; it has {names}")

    def _require_canary(self, deployment: Any, name: str) -> None:
        labels = deployment.metadata.labels or {}
        if not labels.get(CANARY_OF):
            raise refusal(
                f"deployment {name} is not a Kaizen canary (no {CANARY_OF} label); "
                "Kaizen will not change or delete it as one",
                type="NotACanary",
            )

    def _create_canary(
        self, request: KubeActionRequest, params: dict[str, Any], op_id: str
    ) -> KubeActionResult:
        ref = request.workload
        stable: Any = self._read(params["stable"], ref.namespace)
        self._require_container(stable, params["container"])
        body = self._canary_body(stable, params, op_id)
        existing = self._read_or_none(ref.name, ref.namespace)
        if existing is not None:
            annotations = existing.metadata.annotations or {}
            if annotations.get(OP_ID_ANNOTATION) == op_id:
                return _result(request, op_id, existing, {}, already_applied=True)
            self._require_canary(existing, ref.name)
            # A canary left by an earlier run of this stable Deployment: replaced whole.
            body["metadata"]["resourceVersion"] = existing.metadata.resource_version
            replace: Any = self._apps.replace_namespaced_deployment  # takes plain JSON too
            replaced: Any = replace(ref.name, ref.namespace, body, field_manager=FIELD_MANAGER)
            return _result(request, op_id, replaced, _summary(existing), already_applied=False)
        create: Any = self._apps.create_namespaced_deployment  # takes plain JSON too
        created: Any = create(ref.namespace, body, field_manager=FIELD_MANAGER)
        return _result(request, op_id, created, {}, already_applied=False)

    def _canary_body(self, stable: Any, params: dict[str, Any], op_id: str) -> dict[str, Any]:
        """The stable Deployment's spec with the new image, its own track label and size."""
        spec = copy.deepcopy(self._plain(stable.spec))
        spec["replicas"] = int(params["replicas"])
        spec["selector"]["matchLabels"] = {**spec["selector"]["matchLabels"], TRACK: "canary"}
        template_meta = spec["template"].setdefault("metadata", {})
        template_meta["labels"] = {**template_meta.get("labels", {}), TRACK: "canary"}
        for container in spec["template"]["spec"]["containers"]:
            if container["name"] == params["container"]:
                container["image"] = params["image"]
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {
                "name": params["canary"],
                "namespace": stable.metadata.namespace,
                "labels": {
                    **(stable.metadata.labels or {}),
                    CANARY_OF: stable.metadata.name,
                    TRACK: "canary",
                    "app.kubernetes.io/managed-by": "kaizen",
                },
                "annotations": {OP_ID_ANNOTATION: op_id, BUILD: str(params.get("build", ""))},
            },
            "spec": spec,
        }

    def _delete_canary(self, request: KubeActionRequest, op_id: str) -> KubeActionResult:
        ref = request.workload
        existing = self._read_or_none(ref.name, ref.namespace)
        if existing is None:
            return KubeActionResult(
                action=request.action, applied=False, already_applied=True, op_id=op_id,
                summary=f"canary {ref.namespace}/{ref.name} is already gone",
            )  # fmt: skip
        self._require_canary(existing, ref.name)
        before = _summary(existing)
        try:
            # Scaled to zero before (by the workflow): its ReplicaSets go with it in the
            # background, and the Deployment itself is gone when this returns.
            self._apps.delete_namespaced_deployment(
                ref.name, ref.namespace, propagation_policy="Background"
            )
        except ApiException as error:
            if error.status != 404:
                raise
        result = KubeActionResult(
            action=request.action, applied=True, op_id=op_id,
            summary=f"canary {ref.namespace}/{ref.name} deleted",
        )  # fmt: skip
        result.before.update(before)
        return result

    def _wait(self, request: AvailabilityRequest) -> WorkloadHealth:
        ref = request.workload
        deadline = time.monotonic() + max(request.timeout_seconds, 1)
        last = ""
        while True:
            deployment: Any = self._read(ref.name, ref.namespace)
            status = deployment.status
            desired = deployment.spec.replicas or 0
            updated = status.updated_replicas or 0
            available = status.available_replicas or 0
            total = status.replicas or 0
            settled = (status.observed_generation or 0) >= (deployment.metadata.generation or 0)
            last = f"{available}/{desired} available, {updated} updated, {total} in all"
            if (
                settled
                and desired == request.replicas
                and updated >= desired
                and (available >= desired and total == desired)
            ):
                return WorkloadHealth(
                    workload=ref, desired_replicas=desired, updated_replicas=updated,
                    ready_replicas=status.ready_replicas or 0, available_replicas=available,
                    rollout_complete=True, healthy=True, summary=last,
                    generation=deployment.metadata.generation or 0,
                    observed_generation=status.observed_generation or 0,
                )  # fmt: skip
            if time.monotonic() >= deadline:
                raise ApplicationError(
                    f"{ref.namespace}/{ref.name} did not reach {request.replicas} available "
                    f"replicas within {request.timeout_seconds}s ({last})",
                    type=PROGRESS_DEADLINE,
                    non_retryable=True,
                )
            time.sleep(POLL_EVERY_SECONDS)


def _integral(value: Any) -> Any:
    """Struct numbers are doubles; Kubernetes' integer fields want ``30``, not ``30.0``
    (its API has no floating-point fields: quantities are strings)."""
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _summary(deployment: Any) -> dict[str, Any]:
    spec = deployment.spec
    return {
        "replicas": spec.replicas,
        "generation": deployment.metadata.generation,
        "images": {c.name: c.image for c in spec.template.spec.containers},
    }


def _result(
    request: KubeActionRequest,
    op_id: str,
    deployment: Any,
    before: dict[str, Any],
    *,
    already_applied: bool,
) -> KubeActionResult:
    ref = request.workload
    result = KubeActionResult(
        action=request.action, applied=not already_applied, already_applied=already_applied,
        op_id=op_id, generation=deployment.metadata.generation or 0,
        resource_version=deployment.metadata.resource_version or "",
        summary=(
            "already applied by this operation; nothing repeated"
            if already_applied
            else f"{request.action} {ref.namespace}/{ref.name}"
        ),
    )  # fmt: skip
    result.before.update(before)
    result.after.update(_summary(deployment))
    return result
