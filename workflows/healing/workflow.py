"""The healing workflow: diagnose, plan, govern, act, verify, roll back, learn.

Every decision and every change is an event on the run; every side effect is
an activity; waits (change windows, approvals, verification) are durable.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any, Final

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError
from temporalio.workflow import ActivityHandle

with workflow.unsafe.imports_passed_through():
    from google.protobuf.json_format import MessageToDict

    from activities.healing.diagnosis import DiagnosisActivities
    from activities.healing.planning import PlanningActivities
    from activities.opa.healing_policy import HealingPolicyActivities
    from activities.rca.triggers import RcaTriggerActivities
    from activities.slack.notify import SlackActivities
    from activities.store.learning import LearningActivities
    from kaizen.v1.approval_pb2 import APPROVAL_DECISION_REJECT, ApprovalState, ApprovalStatus
    from kaizen.v1.common_pb2 import Severity
    from kaizen.v1.healing_pb2 import (
        HEALING_OUTCOME_ABORTED,
        HEALING_OUTCOME_DENIED,
        HEALING_OUTCOME_FIXED,
        HEALING_OUTCOME_NOTHING_TO_DO,
        HEALING_OUTCOME_OBSERVED,
        HEALING_OUTCOME_REJECTED,
        HEALING_OUTCOME_RESOLVED_BEFORE_ACTION,
        HEALING_OUTCOME_ROLLED_BACK,
        AlertNotice,
        HealingOutcome,
        HealingPlan,
        HealingPolicyInput,
        HealingRequest,
        HealingResult,
        LearningEvent,
        PlanRequest,
        PolicyDecision,
        ResolveRequest,
        Verification,
    )
    from kaizen.v1.kubernetes_pb2 import WorkloadRef
    from kaizen.v1.rca_pb2 import RcaRequest
    from kaizen.v1.slack_pb2 import (
        SlackApprovalRequest,
        SlackDecisionUpdate,
        SlackMessageRef,
        SlackOutcomeNote,
    )
    from workflows.gates import phases
    from workflows.gates.approval import is_rejection, is_withdrawn
    from workflows.gates.governed import GovernedRun
    from workflows.gates.presets import DIAGNOSIS, POLICY_DECISION, SLACK_CALL, STORE_WRITE
    from workflows.gates.watchdog import WatchdogExpired, run_with_watchdog

    from .steps import StepFailed, apply_steps, verify

KIND = "healing"
# Runs started before approvals were asked in Slack replay without these activities.
SLACK_PATCH = "slack-approvals"
# Runs started before the outcome agreed with the alerts replay without that behaviour.
ALERT_AGREEMENT_PATCH = "alert-agreement"
# Runs started before freezes existed replay without the freeze check.
FREEZE_PATCH = "freeze-gate"
# Runs started before the pending approval was shown in the memo replay without it.
APPROVAL_MEMO_PATCH = "approval-memo"
# Runs started before a worker without a cluster said so waited out their verification.
NOTHING_TO_DO_PATCH = "nothing-to-do"
# Runs started before a run's end asked for its incident's RCA replay without that call.
RCA_ON_END_PATCH = "rca-on-end"
# Starting the RCA reads Kaizen's records and makes one Signal-With-Start: a few quick
# tries, then the run ends without it (the backlog batch finds the incident later).
START_RCA: Final[dict[str, Any]] = {
    "start_to_close_timeout": timedelta(seconds=30),
    "schedule_to_close_timeout": timedelta(minutes=2),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=10)
    ),
}
RESOLVED_BEFORE_ACTION = "every alert that started or joined the run resolved before the action"
GATE_KEY = "approval-1"


@workflow.defn
class HealingWorkflow(GovernedRun):
    """Takes a sick service from symptom to a verified fix or a clean rollback."""

    @workflow.init
    def __init__(self, request: HealingRequest) -> None:
        self._setup(
            kind=KIND,
            service=request.service,
            namespace=request.namespace,
            tenant=request.tenant,
            limits=request.limits,
        )
        self._request = request
        self._result = HealingResult()
        self._started_at: datetime | None = None
        self._learned: set[str] = set()
        self._slack: SlackMessageRef | None = None
        # Alertmanager's alerts by fingerprint, as their last notice left them.
        self._firing: dict[str, AlertNotice] = {}
        self._alerted = False
        # A trigger that is no alert (an operator through the API) cannot resolve.
        self._asked_by_a_person = False
        self._resolved_before_action = False
        self._acting = False
        self._agrees_with_alerts = False
        self._obeys_freezes = False

    @workflow.signal
    def alert(self, notice: AlertNotice) -> None:
        """A trigger for this workload (any symptom): the first, a repeat, a join or a
        resolution."""
        self._result.alerts.append(notice)
        self.ledger.record(
            f"alert.{notice.status or 'firing'}",
            f"{notice.alertname or 'trigger'} {notice.status or 'firing'} "
            f"(from {notice.source or 'unknown'})",
            {"fingerprint": notice.fingerprint, "source": notice.source},
        )
        if not notice.fingerprint:
            self._asked_by_a_person = self._asked_by_a_person or notice.status != "resolved"
        elif notice.status == "resolved":
            self._firing.pop(notice.fingerprint, None)
        else:
            self._firing[notice.fingerprint] = notice
            self._alerted = True
        if self._agrees_with_alerts and self._every_alert_resolved() and not self._acting:
            # Resolution closes the question: nobody should approve a fix for what healed.
            self._resolved_before_action = True
            self.approval.withdraw(f"{RESOLVED_BEFORE_ACTION}: nothing done")
            self.windows.wake()

    def _every_alert_resolved(self) -> bool:
        return self._alerted and not self._firing and not self._asked_by_a_person

    @workflow.run
    async def run(self, request: HealingRequest) -> HealingResult:
        self._started_at = workflow.now()
        self._agrees_with_alerts = workflow.patched(ALERT_AGREEMENT_PATCH)
        self._obeys_freezes = workflow.patched(FREEZE_PATCH)
        self.ledger.record(
            "run.started",
            f"healing {request.namespace}/{request.service}: {request.symptom}",
            {"requested_by": request.requested_by, "source": request.source or "api",
             "dry_run": request.dry_run},
        )  # fmt: skip
        try:
            await run_with_watchdog(self._heal(request), self.run_timeout())
        except WatchdogExpired as expired:
            self._finish(
                HEALING_OUTCOME_ABORTED, f"watchdog: {expired} (in phase {self.ledger.phase})"
            )
            await self._learn("aborted", self._result.reason)
        except asyncio.CancelledError:
            self.ledger.record("run.cancelled", "the run was cancelled")
            self.ledger.enter(phases.CANCELLED)
            raise
        if self._agrees_with_alerts:
            self._result.still_firing.extend(self._firing.values())
        await self._slack_outcome()
        if workflow.patched(RCA_ON_END_PATCH):
            await self._start_rca(request)
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
        self.ledger.record(
            "diagnosis.done",
            diagnosis.summary,
            {"category": diagnosis.category, "sources": list(diagnosis.sources)},
        )
        self.ledger.step_done("diagnose")
        if self._closed_by_resolution():
            return

        self.ledger.enter("planning")
        try:
            plan: HealingPlan = await workflow.execute_activity_method(
                PlanningActivities.plan_healing,
                PlanRequest(request=request, diagnosis=diagnosis),
                **DIAGNOSIS,
            )
        except ActivityError as error:
            self._finish(HEALING_OUTCOME_ABORTED, f"no plan could be made: {error.cause}")
            return
        self._result.ranking.CopyFrom(plan.ranking)
        self._result.action.CopyFrom(plan.action)
        self.ledger.record(
            "playbook.chosen",
            f"{plan.action.summary} — {plan.ranking.reason}",
            {"playbook": plan.action.playbook, "version": plan.action.playbook_version,
             "strategy": plan.ranking.strategy, "risk": plan.action.risk,
             "ranking": [MessageToDict(c, preserving_proto_field_name=True)
                         for c in plan.ranking.candidates]},
        )  # fmt: skip
        self.ledger.step_done("choose_playbook")

        decision = await self._govern(request, plan)
        if decision is None or self._closed_by_resolution() or self._nothing_to_do(plan, decision):
            return
        await self._learn("proposed", plan.action.summary)

        steps = list(plan.action.steps)
        if decision.preview_only:
            await self._preview(plan, decision)
            return
        if steps and not await self._pass_gates(request, plan, decision):
            return

        self.ledger.enter("executing")
        if steps:
            fresh = await workflow.execute_activity_method(
                PlanningActivities.resolve_playbook,
                ResolveRequest(request=request, action=plan.action, diagnosis=diagnosis.category),
                **DIAGNOSIS,
            )
            if [MessageToDict(s) for s in fresh.steps] != [MessageToDict(s) for s in steps]:
                self.ledger.record(
                    "plan.refreshed",
                    f"the workload changed while the run waited: now {fresh.summary}",
                )
            self._result.action.CopyFrom(fresh)
            if self._closed_by_resolution():
                return
            # From here on a resolution is evidence for verification, no longer a reason to stop.
            self._acting = True
            try:
                executed = await apply_steps(self.ledger, list(fresh.steps), label="action")
            except StepFailed as failed:
                self._result.executed.extend(failed.done)
                await self._abort_after_failure(failed)
                return
            self._result.executed.extend(executed)
            await self._learn("executed", fresh.summary)
        self.ledger.step_done("execute")

        await self._verify_or_roll_back(request)

    async def _govern(self, request: HealingRequest, plan: HealingPlan) -> PolicyDecision | None:
        self.ledger.enter("governance")
        window_open = await self.windows.is_open()
        decision: PolicyDecision = await workflow.execute_activity_method(
            HealingPolicyActivities.evaluate_healing_policy,
            HealingPolicyInput(
                request=request,
                diagnosis=self._result.diagnosis,
                action=plan.action,
                stats=plan.stats,
                window_open=window_open,
            ),
            **POLICY_DECISION,
        )
        self._result.policy.CopyFrom(decision)
        self.ledger.set_risk(decision.risk)
        self.ledger.record(
            "policy.decided",
            ("allowed" if decision.allowed else "denied: " + "; ".join(decision.reasons))
            + f" (mode {decision.mode}, risk {decision.risk})",
            MessageToDict(decision, preserving_proto_field_name=True),
        )
        self.ledger.step_done("governance")
        if not decision.allowed:
            self._finish(HEALING_OUTCOME_DENIED, "policy denied: " + "; ".join(decision.reasons))
            return None
        return decision

    def _nothing_to_do(self, plan: HealingPlan, decision: PolicyDecision) -> bool:
        """End the run now if this worker can neither act nor verify; True if it did.

        Otherwise an allowed run would wait out the playbook's verification timeout, roll
        back nothing, and teach learning a failure the playbook never earned. A preview
        (observe mode, dry run) goes on: it acts on nothing anyway, and says so.
        """
        if decision.preview_only or not plan.nothing_to_do:
            return False
        # Asked only when there is nothing to do, so older histories never meet the marker.
        if not workflow.patched(NOTHING_TO_DO_PATCH):
            return False
        self.ledger.record(
            "run.nothing_to_do",
            plan.nothing_to_do,
            {"playbook": plan.action.playbook, "mode": decision.mode},
        )
        self._finish(
            HEALING_OUTCOME_NOTHING_TO_DO,
            f"{plan.nothing_to_do}: nothing was done, and learning records nothing",
        )
        return True

    async def _preview(self, plan: HealingPlan, decision: PolicyDecision) -> None:
        """Observe-only: dry-run every step on the API server; nothing changes."""
        self.ledger.enter("previewing")
        why = "dry run requested" if self._request.dry_run else f"mode is {decision.mode}"
        try:
            previews = await apply_steps(
                self.ledger, list(plan.action.steps), label="action", dry_run=True
            )
        except StepFailed as failed:
            self._result.executed.extend(failed.done)
            self._finish(HEALING_OUTCOME_OBSERVED, f"{why}; the preview was refused: {failed}")
            return
        self._result.executed.extend(previews)
        self.ledger.step_done("preview")
        self._finish(
            HEALING_OUTCOME_OBSERVED,
            f"{why}: {plan.action.summary} previewed with a server-side dry run; nothing changed",
        )

    async def _pass_gates(
        self, request: HealingRequest, plan: HealingPlan, decision: PolicyDecision
    ) -> bool:
        """Window, approvals, window again; False when the run ended at a gate."""
        give_up = (lambda: self._resolved_before_action) if self._agrees_with_alerts else None
        if decision.needs_change_window:
            window = await self.windows.ensure_open(self.ledger, "approval", give_up=give_up)
            if window is None:
                return not self._closed_by_resolution()
        if decision.approvals_required > 0 and not await self._approve(request, plan, decision):
            return False
        if self._obeys_freezes:
            # Parked here while a freeze covers the run; the window is checked after it.
            await self.freezes.hold_while_frozen(self.ledger, before="execute")
        if decision.needs_change_window:
            # Re-checked just before acting: the window may have closed while we waited.
            window = await self.windows.ensure_open(self.ledger, "execute", give_up=give_up)
            if window is None:
                return not self._closed_by_resolution()
        elif decision.risk != "low" and not decision.window_open:
            self.ledger.record(
                "window.overridden",
                "acting outside a change window, as the approval allowed",
                {"risk": decision.risk},
            )
        return True

    async def _approve(
        self, request: HealingRequest, plan: HealingPlan, decision: PolicyDecision
    ) -> bool:
        asked_at = workflow.now()
        self.approval.open(
            required=decision.approvals_required,
            requested_by=request.requested_by,
            allowed_roles=list(decision.approver_roles),
            allowed_approvers=list(decision.approvers),
            timeout=self.approval_timeout(),
            summary=plan.action.summary,
        )
        self.ledger.enter(phases.AWAITING_APPROVAL)
        shows_approval = workflow.patched(APPROVAL_MEMO_PATCH)
        if shows_approval:
            self.publish_pending_approval()
        self.ledger.record(
            "approval.requested",
            f"{decision.approvals_required} approval(s) needed for {plan.action.summary}",
            {"required": decision.approvals_required, "roles": list(decision.approver_roles)},
        )
        asking = None
        if workflow.patched(SLACK_PATCH):
            # Asked in Slack while the gate already listens: API votes count meanwhile.
            asking = workflow.start_activity_method(
                SlackActivities.post_approval_request,
                self._slack_request(request, plan, decision),
                **SLACK_CALL,
            )
        state = await self.approval.wait(self.approval_timeout())
        if shows_approval:
            self.publish_pending_approval()
        waited = (workflow.now() - asked_at).total_seconds()
        if asking is not None:
            await self._slack_decided(asking, state)
        status_name = ApprovalStatus.Name(state.status).removeprefix("APPROVAL_STATUS_")
        self.ledger.record(
            "approval.decided",
            f"approval {status_name.lower()}",
            {"status": status_name.lower(), "approvals": state.approvals, "waited_s": waited},
        )
        self.ledger.step_done("approval")
        if is_withdrawn(state):
            return not self._closed_by_resolution()
        if not is_rejection(state):
            await self._learn("approved", f"{state.approvals} approval(s)", seconds=waited)
            return True
        reason = (
            f"approval timed out after {timedelta(seconds=self.limits.approval_timeout_seconds)}"
            if status_name == "TIMED_OUT"
            else "rejected by "
            + ", ".join(
                v.vote.approver for v in state.votes if v.vote.decision == APPROVAL_DECISION_REJECT
            )
        )
        self._finish(HEALING_OUTCOME_REJECTED, reason)
        await self._learn("rejected", reason, seconds=waited)
        return False

    async def _verify_or_roll_back(self, request: HealingRequest) -> None:
        self.ledger.enter("verifying")
        action = self._result.action
        workload = WorkloadRef(namespace=request.namespace, name=request.service)
        verification = await verify(self.ledger, workload, action.verification)
        if verification.passed and self._agrees_with_alerts:
            await self._await_alert_resolution(verification)
        self._result.verification.CopyFrom(verification)
        self._result.verified = verification.passed
        self.ledger.step_done("verify")
        if verification.passed:
            elapsed = (workflow.now() - self._started()).total_seconds()
            await self._learn("verified", verification.reason, seconds=elapsed)
            self._finish(HEALING_OUTCOME_FIXED, f"verified: {verification.reason}")
            return
        self.ledger.record("verification.failed", verification.reason)
        self.ledger.enter("rolling_back")
        try:
            undone = await apply_steps(self.ledger, list(action.rollback), label="rollback")
        except StepFailed as failed:
            self._result.rolled_back.extend(failed.done)
            reason = (
                f"verification failed ({verification.reason}) and the rollback failed: {failed}"
            )
            self._finish(HEALING_OUTCOME_ABORTED, reason)
            await self._learn("rolled_back", reason)
            return
        self._result.rolled_back.extend(undone)
        what = "rolled back" if undone else "nothing to roll back"
        reason = f"verification failed: {verification.reason}; {what}"
        await self._learn("rolled_back", reason)
        self._finish(HEALING_OUTCOME_ROLLED_BACK, reason)

    async def _await_alert_resolution(self, verification: Verification) -> None:
        """Healthy is not fixed while the alerts that called for the fix still fire: wait
        for them to resolve (Alertmanager reports a resolution at its next group interval),
        and fail the verification if they do not."""
        if not self._firing:
            return
        limit = timedelta(seconds=self.limits.alert_resolution_seconds)
        self.ledger.record(
            "verification.awaiting_alerts",
            f"the workload is healthy; waiting up to {limit} for {self._firing_names()} to resolve",
        )
        try:
            await workflow.wait_condition(lambda: not self._firing, timeout=limit)
        except TimeoutError:
            verification.passed = False
            verification.reason = (
                f"the workload is healthy but {self._firing_names()} still fired {limit} "
                f"later ({verification.reason})"
            )
            return
        self.ledger.record("verification.alerts_resolved", "every alert of the run resolved")
        verification.reason += "; every alert of the run resolved"

    def _firing_names(self) -> str:
        return ", ".join(sorted({n.alertname or n.fingerprint for n in self._firing.values()}))

    def _closed_by_resolution(self) -> bool:
        """End the run as resolved before action, if every alert resolved; True if it did."""
        if not self._resolved_before_action:
            return False
        self._finish(
            HEALING_OUTCOME_RESOLVED_BEFORE_ACTION, f"{RESOLVED_BEFORE_ACTION}: nothing done"
        )
        return True

    async def _abort_after_failure(self, failed: StepFailed) -> None:
        """An action failed for good; undo whatever part of the playbook did apply."""
        if failed.done:
            self.ledger.enter("rolling_back")
            try:
                undone = await apply_steps(
                    self.ledger, list(self._result.action.rollback), label="rollback"
                )
                self._result.rolled_back.extend(undone)
            except StepFailed as rollback_failed:
                self.ledger.record("rollback.incomplete", str(rollback_failed))
        reason = f"the action failed: {failed}"
        self._finish(HEALING_OUTCOME_ABORTED, reason)
        await self._learn("aborted", reason)

    def _slack_request(
        self, request: HealingRequest, plan: HealingPlan, decision: PolicyDecision
    ) -> SlackApprovalRequest:
        info = workflow.info()
        ask = SlackApprovalRequest(
            workflow_id=info.workflow_id, run_id=info.run_id, gate_key=GATE_KEY,
            service=request.service, namespace=request.namespace, risk=decision.risk,
            summary=plan.action.summary, why=f"{self._result.diagnosis.summary}; {plan.action.why}",
            required_approvals=decision.approvals_required, requested_by=request.requested_by,
            kind=KIND,
        )  # fmt: skip
        ask.evidence.CopyFrom(self._result.diagnosis.evidence)
        ask.deadline.CopyFrom(self.approval.state.deadline)
        return ask

    async def _slack_decided(
        self, asking: ActivityHandle[SlackMessageRef], state: ApprovalState
    ) -> None:
        """Replace the request's buttons with the decision; Slack trouble is recorded only."""
        try:
            self._slack = await asking
            if not self._slack.posted:
                return
            self.ledger.record("slack.asked", f"approval asked in {self._slack.channel}",
                               {"channel": self._slack.channel, "ts": self._slack.ts})  # fmt: skip
            info = workflow.info()
            await workflow.execute_activity_method(
                SlackActivities.mark_approval_decided,
                SlackDecisionUpdate(
                    workflow_id=info.workflow_id, run_id=info.run_id, gate_key=GATE_KEY,
                    status=state.status, decided_by=[v.vote.approver for v in state.votes],
                    summary=self._result.action.summary,
                ),
                **SLACK_CALL,
            )  # fmt: skip
        except ActivityError as error:
            self.ledger.record("slack.failed", f"Slack could not be updated: {error.cause}")

    async def _slack_outcome(self) -> None:
        if self._slack is None or not self._slack.posted:
            return
        info = workflow.info()
        outcome = HealingOutcome.Name(self._result.outcome).removeprefix("HEALING_OUTCOME_")
        try:
            await workflow.execute_activity_method(
                SlackActivities.post_run_outcome,
                SlackOutcomeNote(
                    workflow_id=info.workflow_id, run_id=info.run_id, gate_key=GATE_KEY,
                    outcome=outcome.lower(), reason=self._result.reason,
                ),
                **SLACK_CALL,
            )  # fmt: skip
        except ActivityError as error:
            self.ledger.record("slack.failed", f"the outcome was not posted: {error.cause}")

    async def _start_rca(self, request: HealingRequest) -> None:
        """Whatever the outcome, the incident gets its RCA (or joins the one its alert's
        resolution started): named by the alert that started this run, if one did."""
        first = next((a for a in self._result.alerts if a.fingerprint), None)
        asked = RcaRequest(
            service=request.service, namespace=request.namespace, severity=request.severity,
            healing_run=workflow.info().workflow_id,
            alert_fingerprint=first.fingerprint if first else "",
            title=f"{first.alertname or request.symptom} on {request.service}"
            if first else f"{request.symptom or 'healing'} on {request.service}",
        )  # fmt: skip
        try:
            started = await workflow.execute_activity_method(
                RcaTriggerActivities.start_incident_rca, asked, **START_RCA
            )
        except ActivityError as error:
            # The run's own outcome stands; the backlog batch finds the incident later.
            self.ledger.record("rca.failed", f"no RCA started: {error.cause}")
            return
        if started.decision != "off":
            self.ledger.record(
                f"rca.{started.decision}", f"the incident's RCA: {started.rca_id}",
                {"rca": started.rca_id, "decision": started.decision},
            )  # fmt: skip

    def _started(self) -> datetime:
        assert self._started_at is not None
        return self._started_at

    async def _learn(self, event: str, detail: str, *, seconds: float = 0.0) -> None:
        """One learning-log entry per lifecycle point (the activity writes it once)."""
        if event in self._learned or not self._result.action.playbook:
            return
        self._learned.add(event)
        info = workflow.info()
        request = self._request
        try:
            await workflow.execute_activity_method(
                LearningActivities.record_learning,
                LearningEvent(
                    run_id=f"{info.workflow_id}/{info.run_id}",
                    event=event,
                    tenant=request.tenant,
                    namespace=request.namespace,
                    service=request.service,
                    diagnosis=self._result.diagnosis.category,
                    playbook=self._result.action.playbook,
                    playbook_version=self._result.action.playbook_version,
                    detail=detail[:2000],
                    seconds=seconds,
                    risk=self._result.policy.risk,
                    severity=Severity.Name(request.severity).removeprefix("SEVERITY_").lower(),
                ),
                **STORE_WRITE,
            )
        except ActivityError as error:
            # Learning must never undo a fix: record the gap and carry on.
            self.ledger.record("learning.failed", f"could not record {event}: {error.cause}")

    def _finish(self, outcome: int, reason: str) -> None:
        self._result.outcome = outcome  # type: ignore[assignment]
        self._result.reason = reason
        self.ledger.record("run.finished", reason, {"outcome": outcome})
        self.ledger.enter(phases.COMPLETED)
