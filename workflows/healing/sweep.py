"""The healing sweep: read every Deployment of a namespace, heal the ones in distress.

A schedulable healing action: one read of the namespace's Deployments (a list
activity), then, for each one in distress, a trigger that starts or joins that
workload's healing run exactly as an alert does. The sweep itself decides and
changes nothing on the cluster; the healing runs it triggers are governed as usual.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any, Final

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from google.protobuf.struct_pb2 import Struct

    from activities.healing.triggers import HealingTriggerActivities
    from activities.kubernetes.actions import KubernetesActivities
    from kaizen.v1.common_pb2 import SEVERITY_MEDIUM
    from kaizen.v1.healing_pb2 import (
        AlertNotice,
        HealingRequest,
        HealingSweepRequest,
        HealingSweepResult,
        HealingSweepTrigger,
        HealingTrigger,
        SweptWorkload,
    )
    from kaizen.v1.kubernetes_pb2 import WorkloadHealth, WorkloadSelector
    from workflows.gates import phases
    from workflows.gates.governed import GovernedRun
    from workflows.gates.watchdog import WatchdogExpired, run_with_watchdog

    from .distress import Distress, calm, distress

SWEEP_KIND: Final = "healing_sweep"
UNREADABLE: Final = "SweepUnreadable"
# Triggers in flight at once: each is a Signal-With-Start and a scheduler-record write.
TRIGGERS_AT_ONCE: Final = 8

# One read of the cluster: transient faults retry; refusals (RBAC, no cluster) are final.
LIST_WORKLOADS: Final[dict[str, Any]] = {
    "start_to_close_timeout": timedelta(seconds=30),
    "schedule_to_close_timeout": timedelta(minutes=2),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=10)
    ),
}
# One start-or-join against Temporal and the database.
TRIGGER_RUN: Final[dict[str, Any]] = {
    "start_to_close_timeout": timedelta(seconds=30),
    "schedule_to_close_timeout": timedelta(minutes=2),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=10)
    ),
}


def scope(request: HealingSweepRequest) -> str:
    return request.namespace + (f" ({request.label_selector})" if request.label_selector else "")


@workflow.defn
class HealingSweepWorkflow(GovernedRun):
    """Starts or joins a healing run for every Deployment in distress, and lists them all."""

    @workflow.init
    def __init__(self, request: HealingSweepRequest) -> None:
        self._setup(
            kind=SWEEP_KIND,
            service="",
            namespace=request.namespace,
            tenant=request.tenant,
            limits=request.limits,
        )
        self._result = HealingSweepResult()

    @workflow.signal
    def requested(self, trigger: HealingSweepTrigger) -> None:
        """Another request for this sweep while it runs: this sweep answers it."""
        self.ledger.record(
            "sweep.requested",
            f"requested again by {trigger.requested_by or 'unknown'} "
            f"(from {trigger.source or 'unknown'}): this sweep answers it",
            {"requested_by": trigger.requested_by, "source": trigger.source},
        )

    @workflow.run
    async def run(self, request: HealingSweepRequest) -> HealingSweepResult:
        self.ledger.record(
            "run.started",
            f"healing sweep of {scope(request)}",
            {"requested_by": request.requested_by, "source": request.source or "api",
             "label_selector": request.label_selector},
        )  # fmt: skip
        try:
            await run_with_watchdog(self._sweep(request), self.run_timeout())
        except WatchdogExpired as expired:
            self._result.summary = f"watchdog: {expired} (in phase {self.ledger.phase})"
            self.ledger.record("run.finished", self._result.summary)
            self.ledger.enter(phases.ABORTED)
        except asyncio.CancelledError:
            self.ledger.record("run.cancelled", "the sweep was cancelled")
            self.ledger.enter(phases.CANCELLED)
            raise
        await workflow.wait_condition(workflow.all_handlers_finished)
        self._result.events.extend(self.ledger.events)
        return self._result

    async def _sweep(self, request: HealingSweepRequest) -> None:
        self.ledger.enter("reading")
        try:
            listing = await workflow.execute_activity_method(
                KubernetesActivities.list_workload_health,
                WorkloadSelector(
                    namespace=request.namespace, label_selector=request.label_selector
                ),
                **LIST_WORKLOADS,
            )
        except ActivityError as error:
            reason = f"could not read the Deployments of {scope(request)}: {error.cause}"
            self.ledger.record("sweep.unreadable", reason)
            self.ledger.enter(phases.ABORTED)
            # A sweep that cannot see is a failed run: red in the Web UI's schedule, and
            # ``pause_on_failure`` applies to it.
            raise ApplicationError(reason, type=UNREADABLE, non_retryable=True) from error
        self._result.truncated = listing.truncated
        self.ledger.record(
            "sweep.read",
            f"{len(listing.workloads)} Deployment(s) in {scope(request)}"
            + (" (more matched: narrow the sweep with a label selector)" if listing.truncated
               else ""),
            {"deployments": len(listing.workloads), "truncated": listing.truncated},
        )  # fmt: skip
        self.ledger.step_done("read")

        swept: list[SweptWorkload] = []
        troubled: list[tuple[WorkloadHealth, Distress]] = []
        for health in listing.workloads:
            found = distress(health)
            if found is None:
                swept.append(SweptWorkload(health=health, why=calm(health)))
            else:
                troubled.append((health, found))
        if troubled:
            self.ledger.enter("triggering")
        for first in range(0, len(troubled), TRIGGERS_AT_ONCE):
            batch = troubled[first : first + TRIGGERS_AT_ONCE]
            swept += await asyncio.gather(*(self._trigger(request, h, d) for h, d in batch))
        self.ledger.step_done("trigger")
        swept.sort(key=lambda s: s.health.workload.name)
        self._finish(swept)

    async def _trigger(
        self, request: HealingSweepRequest, health: WorkloadHealth, found: Distress
    ) -> SweptWorkload:
        workload = health.workload
        swept = SweptWorkload(health=health, distressed=True, symptom=found.symptom, why=found.why)
        sweep_id = workflow.info().workflow_id
        evidence = Struct()
        evidence.update({"sweep": sweep_id, "why": found.why, "health": health.summary})
        labels = Struct()
        labels.update({"namespace": workload.namespace, "deployment": workload.name})
        trigger = HealingTrigger(
            request=HealingRequest(
                service=workload.name,
                namespace=workload.namespace,
                symptom=found.symptom,
                severity=request.severity or SEVERITY_MEDIUM,
                evidence=evidence,
            ),
            # No fingerprint: nothing will resolve it, so the run is not held to an alert.
            notice=AlertNotice(
                status="firing", alertname=found.symptom, source="sweep", labels=labels
            ),
            source=f"sweep:{sweep_id}",
        )
        try:
            answer = await workflow.execute_activity_method(
                HealingTriggerActivities.trigger_healing, trigger, **TRIGGER_RUN
            )
        except ActivityError as error:
            swept.decision = "failed"
            swept.error = str(error.cause or error)
            self.ledger.record(
                "sweep.trigger_failed",
                f"{workload.name}: {found.why}; no healing run: {swept.error}",
                {"deployment": workload.name, "symptom": found.symptom},
            )
            return swept
        swept.decision = answer.decision
        swept.workflow_id = answer.workflow_id
        swept.run_id = answer.run_id
        self.ledger.record(
            f"sweep.{answer.decision}",
            f"{workload.name}: {found.why}; healing run {answer.decision} ({answer.workflow_id})",
            {"deployment": workload.name, "symptom": found.symptom,
             "workflow_id": answer.workflow_id, "run_id": answer.run_id},
        )  # fmt: skip
        return swept

    def _finish(self, swept: list[SweptWorkload]) -> None:
        result = self._result
        result.workloads.extend(swept)
        decisions = [s.decision for s in swept if s.distressed]
        result.checked = len(swept)
        result.distressed = len(decisions)
        result.started = decisions.count("started")
        result.joined = decisions.count("joined")
        result.held_back = decisions.count("backoff")
        result.failed = decisions.count("failed")
        result.summary = (
            f"{result.checked} checked, {result.distressed} in distress: {result.started} "
            f"started, {result.joined} joined, {result.held_back} held back by a backoff, "
            f"{result.failed} failed"
        )
        self.ledger.record(
            "run.finished",
            result.summary,
            {"checked": result.checked, "distressed": result.distressed},
        )
        self.ledger.enter(phases.COMPLETED)
