"""Acting on the cluster from the workflow: forward steps, rollback, verification.

Each function records what it did on the run's ledger. Every side effect is an
activity; the loops and timers here are deterministic workflow code.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from google.protobuf.json_format import MessageToDict

    from activities.healing.verification import VerificationActivities
    from activities.kubernetes.actions import KubernetesActivities
    from kaizen.v1.healing_pb2 import (
        Verification,
        VerificationCheck,
        VerificationRequest,
        VerificationSpec,
    )
    from kaizen.v1.kubernetes_pb2 import KubeActionRequest, KubeActionResult, WorkloadRef
    from workflows.gates.ledger import RunLedger
    from workflows.gates.presets import KUBE_ACTION, VERIFY_CHECK


class StepFailed(Exception):
    """A Kubernetes action failed for good; ``done`` holds the steps that did apply."""

    def __init__(self, step: KubeActionRequest, cause: str, done: list[KubeActionResult]) -> None:
        super().__init__(f"{step.action} failed: {cause}")
        self.done = done


async def apply_steps(
    ledger: RunLedger, steps: list[KubeActionRequest], *, label: str, dry_run: bool = False
) -> list[KubeActionResult]:
    """Apply ``steps`` in order; stop at the first failure (raising StepFailed)."""
    done: list[KubeActionResult] = []
    for step in steps:
        request = KubeActionRequest()
        request.CopyFrom(step)
        request.dry_run = dry_run
        try:
            result = await workflow.execute_activity_method(
                KubernetesActivities.apply_kube_action, request, **KUBE_ACTION
            )
        except ActivityError as error:
            cause = str(error.cause) if error.cause else str(error)
            ledger.record(
                f"{label}.failed",
                f"{step.action} on {step.workload.namespace}/{step.workload.name} failed: {cause}",
                {"action": step.action},
            )
            raise StepFailed(step, cause, done) from error
        done.append(result)
        ledger.record(
            f"{label}.applied" if not dry_run else f"{label}.previewed",
            result.summary,
            {
                "action": result.action,
                "applied": result.applied,
                "dry_run": result.dry_run,
                "already_applied": result.already_applied,
                "op_id": result.op_id,
                "generation": result.generation,
                "before": MessageToDict(result.before),
                "after": MessageToDict(result.after),
            },
        )
    return done


async def verify(ledger: RunLedger, workload: WorkloadRef, spec: VerificationSpec) -> Verification:
    """Check until ``passes_required`` consecutive passes or the timeout; durable timers only."""
    deadline = workflow.now() + timedelta(seconds=spec.timeout_seconds)
    if spec.settle_seconds > 0:
        await workflow.sleep(timedelta(seconds=spec.settle_seconds))
    outcome = Verification()
    passes = 0
    while True:
        check = await _check(workload, spec)
        outcome.checks += 1
        outcome.last.CopyFrom(check)
        passes = passes + 1 if check.passed else 0
        ledger.record(
            "verification.check",
            check.summary,
            {"passed": check.passed, "method": check.method, "value": check.value,
             "consecutive_passes": passes},
        )  # fmt: skip
        if passes >= max(spec.passes_required, 1):
            outcome.passed = True
            outcome.reason = f"{passes} consecutive passing check(s): {check.summary}"
            return outcome
        remaining = deadline - workflow.now()
        if remaining <= timedelta(0):
            outcome.reason = (
                f"not healthy within {spec.timeout_seconds}s "
                f"({outcome.checks} checks): {check.summary}"
            )
            return outcome
        await workflow.sleep(min(timedelta(seconds=max(spec.interval_seconds, 1)), remaining))


async def _check(workload: WorkloadRef, spec: VerificationSpec) -> VerificationCheck:
    try:
        return await workflow.execute_activity_method(
            VerificationActivities.verify_fix,
            VerificationRequest(workload=workload, spec=spec),
            **VERIFY_CHECK,
        )
    except ActivityError as error:
        # A read that keeps failing is a failed check, not a stuck run.
        return VerificationCheck(
            passed=False, method="error", summary=f"check failed: {error.cause}"
        )
