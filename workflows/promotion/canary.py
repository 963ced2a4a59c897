"""The canary rollout's Kubernetes side, from the workflow: every change is an activity.

The stable Deployment is snapshotted before anything changes. Weights become replica
counts (``weights.replica_split``); the side that grows moves first and must be
available before the other shrinks, so capacity never drops below the stable count.
Rolling back restores the snapshot exactly (replicas and pod template), then removes
the canary, then reads the stable Deployment again to prove it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from google.protobuf.json_format import MessageToDict
    from google.protobuf.struct_pb2 import Struct

    from activities.kubernetes.canary import CanaryActivities
    from kaizen.v1.kubernetes_pb2 import KubeActionRequest, KubeActionResult, WorkloadRef
    from kaizen.v1.promotion_pb2 import (
        AvailabilityRequest,
        Build,
        SnapshotRequest,
        WorkloadSnapshot,
    )
    from workflows.gates.ledger import RunLedger
    from workflows.gates.presets import KUBE_ACTION

    from .weights import Split, replica_split

CANARY_SUFFIX: Final = "-canary"
# Reading the stable Deployment: quick, retried a few times, then the step fails.
KUBE_READ: Final[dict[str, Any]] = {
    "start_to_close_timeout": timedelta(seconds=30),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=10),
        maximum_attempts=5,
    ),
}  # fmt: skip


def availability(deadline_seconds: int) -> dict[str, Any]:
    """Waiting for a Deployment: the activity heartbeats; a missed deadline is final."""
    return {
        "start_to_close_timeout": timedelta(seconds=deadline_seconds + 60),
        "heartbeat_timeout": timedelta(seconds=10),
        "retry_policy": RetryPolicy(
            initial_interval=timedelta(seconds=1),
            maximum_interval=timedelta(seconds=10),
            maximum_attempts=5,
            non_retryable_error_types=["ProgressDeadlineExceeded"],
        ),
    }


class CanaryFailed(Exception):
    """A Kubernetes change or wait failed for good; the step it belongs to failed."""


class Canary:
    """The stable and canary Deployments of one rollout, and what was done to them."""

    def __init__(
        self,
        ledger: RunLedger,
        *,
        namespace: str,
        service: str,
        container: str,
        build: Build,
        max_surge: int,
        progress_deadline_seconds: int,
        kube_context: str = "",
    ) -> None:
        self.ledger = ledger
        # The environment's kubeconfig context rides on every reference the activities get;
        # empty (every run before environments could name one) is the workers' current one.
        self.stable = WorkloadRef(namespace=namespace, name=service, context=kube_context)
        self.canary = WorkloadRef(
            namespace=namespace, name=service + CANARY_SUFFIX, context=kube_context
        )
        self._container = container
        self._build = build
        self._max_surge = max_surge
        self._deadline = progress_deadline_seconds or 600
        self.snapshot = WorkloadSnapshot()
        self.split = Split(0, 0)
        self.weight = 0
        self.canary_exists = False
        self._created = False
        self.changes: list[KubeActionResult] = []

    async def take_snapshot(self) -> WorkloadSnapshot:
        self.snapshot = await workflow.execute_activity_method(
            CanaryActivities.snapshot_workload,
            SnapshotRequest(stable=self.stable, canary=self.canary.name, container=self._container),
            **KUBE_READ,
        )
        self.split = Split(0, self.snapshot.replicas)
        self.canary_exists = self.snapshot.canary_existed
        self._container = self.snapshot.container
        self.ledger.record(
            "rollout.snapshot",
            f"{self.stable.namespace}/{self.stable.name}: {self.snapshot.replicas} replicas of "
            f"{self.snapshot.image} (resourceVersion {self.snapshot.resource_version})",
            {"replicas": self.snapshot.replicas, "image": self.snapshot.image,
             "container": self.snapshot.container,
             "canary_existed": self.snapshot.canary_existed},
        )  # fmt: skip
        return self.snapshot

    def split_for(self, weight: int) -> Split:
        return replica_split(self.snapshot.replicas, weight, self._max_surge)

    async def set_weight(self, weight: int) -> Split:
        """Size the canary and the stable Deployment for ``weight`` percent."""
        target = self.split_for(weight)
        if 0 < weight < 100 and target.canary == 0:
            self.ledger.record(
                "rollout.weight_unexpressible",
                f"{weight}% of {self.snapshot.replicas} replica(s) rounds to no canary pod "
                "(Argo's rule without surge); raise max_surge or the replica count",
                {"weight": weight, "replicas": self.snapshot.replicas},
            )
        if not self._created:
            # Created at its first size (replacing a canary an earlier run left behind).
            await self._change("canary_create", self.canary, {
                "canary": self.canary.name, "stable": self.stable.name,
                "image": self._build.image, "container": self._container,
                "replicas": target.canary, "build": self._build.id,
            })  # fmt: skip
            self._created = self.canary_exists = True
            await self._wait(self.canary, target.canary)
            self.split = Split(target.canary, self.split.stable)
        if target.canary >= self.split.canary:
            await self._scale("canary_scale", self.canary, self.split.canary, target.canary)
            await self._scale("stable_scale", self.stable, self.split.stable, target.stable)
        else:
            await self._scale("stable_scale", self.stable, self.split.stable, target.stable)
            await self._scale("canary_scale", self.canary, self.split.canary, target.canary)
        self.split = target
        self.weight = weight
        return target

    async def promote(self) -> None:
        """The stable Deployment takes the build at its full size; the canary goes."""
        await self._change("stable_promote", self.stable, {
            "image": self._build.image, "container": self._container,
            "replicas": self.snapshot.replicas,
        })  # fmt: skip
        await self._wait(self.stable, self.snapshot.replicas)
        await self._remove_canary()
        self.split = Split(0, self.snapshot.replicas)
        self.weight = 100

    async def restore(self) -> bool:
        """Put the stable Deployment back exactly as snapshotted, remove the canary, and
        read it again; True when its spec equals the snapshot's."""
        template = Struct()
        template.update(MessageToDict(self.snapshot.spec)["template"])
        await self._change("stable_restore", self.stable, {
            "replicas": self.snapshot.replicas, "template": MessageToDict(template),
        })  # fmt: skip
        await self._wait(self.stable, self.snapshot.replicas)
        await self._remove_canary()
        self.split = Split(0, self.snapshot.replicas)
        self.weight = 0
        now: WorkloadSnapshot = await workflow.execute_activity_method(
            CanaryActivities.snapshot_workload,
            SnapshotRequest(stable=self.stable, canary=self.canary.name, container=self._container),
            **KUBE_READ,
        )
        exact = now.spec == self.snapshot.spec and not now.canary_existed
        if exact:
            self.ledger.record(
                "rollback.verified",
                f"{self.stable.namespace}/{self.stable.name} is exactly as before the rollout "
                f"({now.replicas} replicas of {now.image}); the canary is gone",
            )
        else:
            before, after = MessageToDict(self.snapshot.spec), MessageToDict(now.spec)
            differs = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
            self.ledger.record(
                "rollback.differs",
                f"{self.stable.name} differs from its snapshot in: {', '.join(differs) or '-'}"
                + ("; a canary is still present" if now.canary_existed else ""),
                {"fields": differs},
            )
        return exact

    async def _remove_canary(self) -> None:
        """Scaled to zero (its pods gone), then deleted."""
        if not self.canary_exists:
            return
        if self._created:
            await self._scale("canary_scale", self.canary, self.split.canary, 0)
        await self._change("canary_delete", self.canary, {})
        self.canary_exists = False

    async def _scale(self, action: str, ref: WorkloadRef, current: int, target: int) -> None:
        if current == target:
            return
        await self._change(action, ref, {"replicas": target})
        await self._wait(ref, target)

    async def _wait(self, ref: WorkloadRef, replicas: int) -> None:
        try:
            health = await workflow.execute_activity_method(
                CanaryActivities.wait_available,
                AvailabilityRequest(
                    workload=ref, replicas=replicas, timeout_seconds=self._deadline
                ),
                **availability(self._deadline),
            )
        except ActivityError as error:
            cause = str(error.cause) if error.cause else str(error)
            self.ledger.record("rollout.not_available", cause, {"deployment": ref.name})
            raise CanaryFailed(cause) from error
        self.ledger.record(
            "rollout.available", f"{ref.name}: {health.summary}", {"deployment": ref.name}
        )

    async def _change(self, action: str, ref: WorkloadRef, parameters: dict[str, Any]) -> None:
        request = KubeActionRequest(workload=ref, action=action)
        request.parameters.update(parameters)
        try:
            result: KubeActionResult = await workflow.execute_activity_method(
                CanaryActivities.apply_canary_action, request, **KUBE_ACTION
            )
        except ActivityError as error:
            cause = str(error.cause) if error.cause else str(error)
            self.ledger.record(
                "rollout.change_failed", f"{action} on {ref.name} failed: {cause}",
                {"action": action, "deployment": ref.name},
            )  # fmt: skip
            raise CanaryFailed(f"{action} on {ref.name}: {cause}") from error
        self.changes.append(result)
        self.ledger.record(
            "rollout.changed", result.summary,
            {"action": action, "deployment": ref.name, "op_id": result.op_id,
             "already_applied": result.already_applied, "before": MessageToDict(result.before),
             "after": MessageToDict(result.after)},
        )  # fmt: skip
