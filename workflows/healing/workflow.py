"""The healing workflow.

In this version the action that passes every gate is recorded as proposed and
nothing in the cluster changes; the executor joins when the Kubernetes
activities exist. The gates, the events and the result already behave as
they will then.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.healing.diagnosis import DiagnosisActivities
    from activities.opa.healing_policy import HealingPolicyActivities
    from activities.store.action_log import ActionLogActivities
    from kaizen.v1.approval_pb2 import APPROVAL_DECISION_REJECT, ApprovalStatus
    from kaizen.v1.healing_pb2 import (
        HEALING_OUTCOME_ABORTED,
        HEALING_OUTCOME_DENIED,
        HEALING_OUTCOME_PROPOSED,
        HEALING_OUTCOME_REJECTED,
        ActionRecord,
        HealingPolicyInput,
        HealingRequest,
        HealingResult,
    )
    from workflows.gates import phases
    from workflows.gates.approval import is_rejection
    from workflows.gates.governed import GovernedRun
    from workflows.gates.presets import DIAGNOSIS, POLICY_DECISION, STORE_WRITE
    from workflows.gates.watchdog import WatchdogExpired, run_with_watchdog

    from .playbooks import choose_playbook

KIND = "healing"


@workflow.defn
class HealingWorkflow(GovernedRun):
    """Takes a sick service from symptom to a governed, recorded action."""

    @workflow.init
    def __init__(self, request: HealingRequest) -> None:
        self._setup(
            kind=KIND,
            service=request.service,
            namespace=request.namespace,
            tenant=request.tenant,
            limits=request.limits,
        )
        self._result = HealingResult()

    @workflow.run
    async def run(self, request: HealingRequest) -> HealingResult:
        self.ledger.record(
            "run.started",
            f"healing {request.namespace}/{request.service}: {request.symptom}",
            {"requested_by": request.requested_by},
        )
        try:
            await run_with_watchdog(self._heal(request), self.run_timeout())
        except WatchdogExpired as expired:
            self._result.outcome = HEALING_OUTCOME_ABORTED
            self._result.reason = f"watchdog: {expired} (in phase {self.ledger.phase})"
            self.ledger.record("run.aborted", self._result.reason)
            self.ledger.enter(phases.ABORTED)
        except asyncio.CancelledError:
            self.ledger.record("run.cancelled", "the run was cancelled")
            self.ledger.enter(phases.CANCELLED)
            raise
        # Let an in-flight vote finish so its caller gets an answer, not an error.
        await workflow.wait_condition(workflow.all_handlers_finished)
        self._result.events.extend(self.ledger.events)
        return self._result

    async def _heal(self, request: HealingRequest) -> None:
        self.ledger.enter("diagnosing")
        diagnosis = await workflow.execute_activity_method(
            DiagnosisActivities.diagnose, request, **DIAGNOSIS
        )
        self._result.diagnosis.CopyFrom(diagnosis)
        self.ledger.record("diagnosis.done", diagnosis.summary, {"category": diagnosis.category})
        self.ledger.step_done("diagnose")

        self.ledger.enter("planning")
        action = choose_playbook(request, diagnosis)
        self._result.action.CopyFrom(action)
        self.ledger.record("playbook.chosen", action.summary, {"playbook": action.playbook})
        self.ledger.step_done("choose_playbook")

        self.ledger.enter("governance")
        decision = await workflow.execute_activity_method(
            HealingPolicyActivities.evaluate_healing_policy,
            HealingPolicyInput(request=request, diagnosis=diagnosis, action=action),
            **POLICY_DECISION,
        )
        self._result.policy.CopyFrom(decision)
        self.ledger.set_risk(decision.risk)
        self.ledger.record(
            "policy.decided",
            "allowed" if decision.allowed else "denied: " + "; ".join(decision.reasons),
            {
                "allowed": decision.allowed,
                "risk": decision.risk,
                "needs_change_window": decision.needs_change_window,
                "approvals_required": decision.approvals_required,
                "autonomy": decision.autonomy,
                "reasons": list(decision.reasons),
                "decision_id": decision.decision_id,
            },
        )
        self.ledger.step_done("governance")
        if not decision.allowed:
            self._finish(HEALING_OUTCOME_DENIED, "policy denied: " + "; ".join(decision.reasons))
            return

        if decision.needs_change_window:
            await self.windows.ensure_open(self.ledger, before="approval")

        if decision.approvals_required > 0:
            self.approval.open(
                required=decision.approvals_required,
                requested_by=request.requested_by,
                allowed_roles=list(decision.approver_roles),
                allowed_approvers=list(decision.approvers),
                timeout=self.approval_timeout(),
                summary=action.summary,
            )
            self.ledger.enter(phases.AWAITING_APPROVAL)
            self.ledger.record(
                "approval.requested",
                f"{decision.approvals_required} approval(s) needed for {action.summary}",
                {"required": decision.approvals_required, "roles": list(decision.approver_roles)},
            )
            state = await self.approval.wait(self.approval_timeout())
            status_name = ApprovalStatus.Name(state.status).removeprefix("APPROVAL_STATUS_")
            self.ledger.record(
                "approval.decided",
                f"approval {status_name.lower()}",
                {"status": status_name.lower(), "approvals": state.approvals},
            )
            self.ledger.step_done("approval")
            if is_rejection(state):
                reason = (
                    "approval timed out after "
                    f"{timedelta(seconds=self.limits.approval_timeout_seconds)}"
                    if status_name == "TIMED_OUT"
                    else "rejected by "
                    + ", ".join(
                        v.vote.approver
                        for v in state.votes
                        if v.vote.decision == APPROVAL_DECISION_REJECT
                    )
                )
                self._finish(HEALING_OUTCOME_REJECTED, reason)
                return

        if decision.needs_change_window:
            # Re-checked just before acting: the window may have closed while we waited.
            await self.windows.ensure_open(self.ledger, before="execute")

        self.ledger.enter("executing")
        try:
            receipt = await workflow.execute_activity_method(
                ActionLogActivities.record_action,
                ActionRecord(
                    run_id=workflow.info().workflow_id,
                    request=request,
                    action=action,
                    policy=decision,
                ),
                **STORE_WRITE,
            )
        except ActivityError as error:
            self._finish(HEALING_OUTCOME_ABORTED, f"recording the action failed: {error.cause}")
            return
        self.ledger.record(
            "action.proposed",
            f"{action.summary}: {receipt.detail}",
            {"idempotency_key": receipt.idempotency_key, "applied": receipt.applied},
        )
        self.ledger.step_done("execute")

        self.ledger.enter("verifying")
        # Nothing was applied, so there is nothing to verify yet; say so rather than pretend.
        self._result.verified = False
        self.ledger.record("verification.skipped", "no change was applied; nothing to verify")
        self.ledger.step_done("verify")
        self._finish(HEALING_OUTCOME_PROPOSED, "action passed every gate and was recorded")

    def _finish(self, outcome: int, reason: str) -> None:
        self._result.outcome = outcome  # type: ignore[assignment]
        self._result.reason = reason
        self.ledger.record("run.finished", reason)
        self.ledger.enter(phases.COMPLETED)
