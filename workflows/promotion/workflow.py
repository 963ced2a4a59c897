"""The promotion workflow: move a build into an environment, progressively and judged.

freeze check → gate (waits durably for evidence and approvals until its deadline, then
ends ``blocked`` with what is missing) → approvals (the shared gate) → change window
(the shared gate) → canary rollout (steps set_weight, pause, analysis; background
analysis) → full promotion → verification soak → the environment's live build.

Every decision and change is an event on the run; every side effect an activity; every
wait durable. Operators steer the rollout through the ``control`` Update; a failed
analysis rolls back by itself, exactly to the snapshot taken before the first change.
"""

from __future__ import annotations

import asyncio
import functools
from datetime import datetime, timedelta
from typing import Final

from temporalio import workflow
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import ActivityError, WorkflowAlreadyStartedError
from temporalio.workflow import ActivityHandle, ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.promotion.gate import PromotionGateActivities
    from activities.promotion.releases import ReleaseActivities
    from activities.slack.notify import SlackActivities
    from kaizen.contract.timestamps import to_timestamp
    from kaizen.temporal.search_attributes import (
        KAIZEN_ENVIRONMENT,
        KAIZEN_KIND,
        KAIZEN_PHASE,
        KAIZEN_RISK,
        KAIZEN_SERVICE,
        KAIZEN_TENANT,
    )
    from kaizen.v1.approval_pb2 import APPROVAL_DECISION_REJECT, ApprovalState, ApprovalStatus
    from kaizen.v1.promotion_pb2 import (
        PROMOTION_OUTCOME_ABORTED,
        PROMOTION_OUTCOME_BLOCKED,
        PROMOTION_OUTCOME_CANCELLED,
        PROMOTION_OUTCOME_PROMOTED,
        PROMOTION_OUTCOME_REJECTED,
        PROMOTION_OUTCOME_ROLLED_BACK,
        AnalysisMetric,
        AnalysisRun,
        AutoPromotionPlan,
        EvidenceNotice,
        GateDecision,
        GateInput,
        PromotionControl,
        PromotionControlState,
        PromotionNotice,
        PromotionOutcome,
        PromotionOutcomeRecord,
        PromotionRequest,
        PromotionResult,
        Release,
        ReleaseRecord,
        RolloutStep,
        StepRecord,
    )
    from kaizen.v1.slack_pb2 import SlackApprovalRequest, SlackDecisionUpdate, SlackMessageRef
    from workflows.gates import phases
    from workflows.gates.approval import is_rejection
    from workflows.gates.governed import GovernedRun
    from workflows.gates.presets import POLICY_DECISION, SLACK_CALL, STORE_WRITE
    from workflows.gates.watchdog import WatchdogExpired, run_with_watchdog

    from .analysis import run_analysis
    from .canary import Canary, CanaryFailed
    from .controls import INCONCLUSIVE, PARKED, PAUSE, STEP_FAILED, RolloutControls

KIND: Final = "promotion"
AUTO_PROMOTE_PATCH: Final = "auto-promote"
UPSTREAM_RECHECK_PATCH: Final = "gate-upstream-recheck"
# Denials that time alone (the upstream run's release, verification, soak) can lift, with no
# signal to wake the gate: it evaluates again after 10 s, doubling up to 5 minutes.
UPSTREAM_CODES: Final = frozenset({"not_upstream", "unverified_upstream", "soak"})
UPSTREAM_RECHECK_FIRST: Final = timedelta(seconds=10)
UPSTREAM_RECHECK_MAX: Final = timedelta(minutes=5)
PromotionOutcomeValue = int
GATE_KEY: Final = "approval-1"
DEFAULT_GATE_TIMEOUT: Final = timedelta(hours=24)
DEFAULT_DECISION_TIMEOUT: Final = timedelta(hours=1)

# Phases (the KaizenPhase search attribute), besides the shared ones.
AWAITING_EVIDENCE: Final = "awaiting_evidence"
GATE: Final = "gate"
ROLLING_OUT: Final = "rolling_out"
ANALYSING: Final = "analysing"
PAUSED: Final = "paused"
ANALYSIS_PARKED: Final = "analysis_parked"
AWAITING_DECISION: Final = "awaiting_decision"
STEP_FAILED_PHASE: Final = "step_failed"
PROMOTING: Final = "promoting"
SOAKING: Final = "soaking"
ROLLING_BACK: Final = "rolling_back"


class _Abort(Exception):
    """The rollout stops and rolls back; the message says why."""


class _PromoteFull(Exception):
    """An admin skipped the remaining steps."""


@workflow.defn
class PromotionWorkflow(GovernedRun):
    """Takes a build from its gate to the environment's live build, or back exactly."""

    @workflow.init
    def __init__(self, request: PromotionRequest) -> None:
        target = request.target
        self._setup(
            kind=KIND, service=request.service, namespace=target.namespace,
            tenant=request.tenant, limits=request.limits, environment=target.name,
        )  # fmt: skip
        self._request = request
        self._result = PromotionResult(
            build_id=request.build_id, environment=target.name, service=request.service,
            version=request.build.version,
        )  # fmt: skip
        self._evidence_wakeups = 0
        self._controls = RolloutControls()
        self._canary: Canary | None = None
        self._step_index = 0
        self._started_at: datetime | None = None
        self._slack: SlackMessageRef | None = None
        self._background_stopped = False
        self._promoted_at: datetime | None = None
        self._restore_from = 0
        self._denied_on: set[str] = set()

    # ------------------------------------------------------------------ handlers

    @workflow.signal
    def promotion_requested(self, notice: PromotionNotice) -> None:
        """The request that started the run, or a later one for the same service and
        environment (answered with this run)."""
        if notice.build_id and notice.build_id != self._request.build_id:
            self.ledger.record(
                "promotion.joined",
                f"{notice.requested_by} asked to promote {notice.build_id}; this run promotes "
                f"{self._request.build_id}: one promotion per service and environment at a time",
                {"build_id": notice.build_id, "by": notice.requested_by},
            )
            return
        self.ledger.record(
            "promotion.requested",
            f"{notice.requested_by or 'someone'} asked to promote {self._request.build_id}",
            {"by": notice.requested_by, "source": notice.source},
        )

    @workflow.signal
    def evidence_added(self, notice: EvidenceNotice) -> None:
        """New evidence for a build of this service; the gate re-evaluates if it is ours."""
        if notice.build_id != self._request.build_id:
            return
        self._evidence_wakeups += 1
        self.ledger.record(
            "evidence.added",
            f"{notice.submitted_by} added evidence #{notice.seq} to {notice.build_id}",
            {"seq": notice.seq, "by": notice.submitted_by},
        )

    @workflow.update
    async def control(self, control: PromotionControl) -> PromotionControlState:
        """Continue, promote fully (admin), abort, retry, pause, resume or extend."""
        self._controls.apply(control)
        self._result.controls.append(control)
        self.ledger.record(
            f"control.{control.action}",
            f"{control.by}: {control.action}" + (f" ({control.reason})" if control.reason else ""),
            {"by": control.by, "action": control.action, "reason": control.reason,
             "count": control.count},
        )  # fmt: skip
        return self.rollout_state()

    @control.validator
    def _check_control(self, control: PromotionControl) -> None:
        self._controls.check(control)

    @workflow.query
    def rollout_state(self) -> PromotionControlState:
        """Where the rollout stands and what an operator may do now."""
        weight = self._canary.weight if self._canary is not None else 0
        return self._controls.state(self.ledger.phase, self._step_index, weight)

    # ------------------------------------------------------------------ the run

    @workflow.run
    async def run(self, request: PromotionRequest) -> PromotionResult:
        self._started_at = workflow.now()
        target = request.target
        self.ledger.set_risk("high" if target.approvals.required >= 2 else "medium")
        self.ledger.record(
            "run.started",
            f"promote {request.service} {request.build.version} ({request.build_id}) "
            f"to {target.name}",
            {"build_id": request.build_id, "image": request.build.image,
             "environment": target.name, "requested_by": request.requested_by,
             "source": request.source or "api"},
        )  # fmt: skip
        try:
            await run_with_watchdog(self._promote(request), self.run_timeout())
        except WatchdogExpired as expired:
            await self._stop_after(f"watchdog: {expired} (in phase {self.ledger.phase})")
        except asyncio.CancelledError:
            self.ledger.record("run.cancelled", "the run was cancelled")
            if self._canary is not None and self._controls.rolling_out:
                # Cancelling must not leave a half-rolled canary: put everything back first.
                await self._roll_back("the run was cancelled", PROMOTION_OUTCOME_CANCELLED)
            else:
                self._finish(PROMOTION_OUTCOME_CANCELLED, "the run was cancelled")
            await self._record_outcome()
            raise
        await self._record_outcome()
        await workflow.wait_condition(workflow.all_handlers_finished)
        self._result.events.extend(self.ledger.events)
        return self._result

    async def _promote(self, request: PromotionRequest) -> None:
        await self.freezes.hold_while_frozen(self.ledger, before="the gate")
        if not await self._pass_gate(request):
            return
        if request.target.change_window:
            await self.windows.ensure_open(self.ledger, "the rollout")
        await self.freezes.hold_while_frozen(self.ledger, before="the rollout")
        if not await self._roll_out(request):
            return
        if not await self._soak(request):
            return
        await self._record_release(request)
        # Runs recorded before auto-promotion existed replay without asking for a plan.
        if workflow.patched(AUTO_PROMOTE_PATCH):
            await self._auto_promote(request)

    # ------------------------------------------------------------------ gate and approvals

    async def _evaluate(self, request: PromotionRequest) -> GateDecision:
        state = self.approval.state
        decision: GateDecision = await workflow.execute_activity_method(
            PromotionGateActivities.evaluate_promotion_gate,
            GateInput(
                request=request, approvals=state.approvals,
                approvers=[v.vote.approver for v in state.votes],
            ),
            **POLICY_DECISION,
        )  # fmt: skip
        self._result.gate.CopyFrom(decision)
        self._denied_on.update(decision.deny_codes)
        self.ledger.record(
            "gate.decided",
            "allowed" if decision.allow else "denied: " + "; ".join(decision.required_actions),
            {"decision_id": decision.decision_id, "allow": decision.allow,
             "deny": list(decision.deny), "required_actions": list(decision.required_actions),
             "approvals_missing": decision.approvals_missing},
        )  # fmt: skip
        return decision

    async def _pass_gate(self, request: PromotionRequest) -> bool:
        """Evaluate until allowed; wait for evidence, then for approvals, until the deadline."""
        target = request.target
        self.ledger.enter(GATE)
        limit = timedelta(seconds=target.gate_timeout_seconds) or DEFAULT_GATE_TIMEOUT
        deadline = workflow.now() + limit
        asking: ActivityHandle[SlackMessageRef] | None = None
        recheck = UPSTREAM_RECHECK_FIRST
        while True:
            seen = (self._evidence_wakeups, self.approval.state.approvals)
            decision = await self._evaluate(request)
            woken = functools.partial(self._woken_since, seen)
            if decision.allow:
                self.ledger.step_done("gate")
                if asking is not None:
                    await self._slack_decided(asking, self.approval.state)
                return True
            if decision.evidence_ready and decision.approvals_missing > 0:
                if not self.approval.pending and not self.approval.approved:
                    asking = self._ask_approval(request, decision, deadline - workflow.now())
            else:
                self.ledger.enter(AWAITING_EVIDENCE)
            remaining = deadline - workflow.now()
            wait = remaining
            if UPSTREAM_CODES & set(decision.deny_codes) and workflow.patched(
                UPSTREAM_RECHECK_PATCH
            ):
                wait = min(remaining, recheck)
            try:
                if remaining <= timedelta(0):
                    raise TimeoutError
                await workflow.wait_condition(woken, timeout=wait)
            except TimeoutError:
                if workflow.now() < deadline:
                    # The upstream may have moved on: ask the policy again, later each time.
                    recheck = min(recheck * 2, UPSTREAM_RECHECK_MAX)
                    continue
                self.approval.withdraw("the gate's deadline passed")
                self._finish(
                    PROMOTION_OUTCOME_BLOCKED,
                    f"the gate still denies after {limit}; still missing: "
                    + "; ".join(decision.required_actions),
                )
                return False
            state = self.approval.state
            if is_rejection(state):
                if asking is not None:
                    await self._slack_decided(asking, state)
                rejected_by = [
                    v.vote.approver
                    for v in state.votes
                    if v.vote.decision == APPROVAL_DECISION_REJECT
                ]
                self.ledger.record("approval.decided", "approval rejected",
                                   {"status": "rejected", "by": rejected_by})  # fmt: skip
                self._finish(PROMOTION_OUTCOME_REJECTED, "rejected by " + ", ".join(rejected_by))
                return False

    def _woken_since(self, seen: tuple[int, int]) -> bool:
        """New evidence, another approval, or a rejection since ``seen``."""
        state = self.approval.state
        return (self._evidence_wakeups, state.approvals) != seen or is_rejection(state)

    def _ask_approval(
        self, request: PromotionRequest, decision: GateDecision, timeout: timedelta
    ) -> ActivityHandle[SlackMessageRef]:
        rule = request.target.approvals
        summary = f"promote {request.service} {request.build.version} to {request.target.name}"
        self.approval.open(
            required=rule.required, requested_by=request.requested_by,
            allowed_roles=list(rule.roles), allowed_approvers=list(rule.approvers),
            timeout=timeout, summary=summary,
        )  # fmt: skip
        self.ledger.enter(phases.AWAITING_APPROVAL)
        self.ledger.record(
            "approval.requested",
            f"{decision.approvals_missing} more approval(s) needed to {summary}",
            {"required": rule.required, "roles": list(rule.roles),
             "approvers": list(rule.approvers)},
        )  # fmt: skip
        info = workflow.info()
        ask = SlackApprovalRequest(
            workflow_id=info.workflow_id, run_id=info.run_id, gate_key=GATE_KEY,
            service=request.service, namespace=request.target.namespace, risk=self.ledger.risk,
            summary=summary, why="the gate allows it once approved: every other criterion is met",
            required_approvals=rule.required, requested_by=request.requested_by, kind=KIND,
        )  # fmt: skip
        ask.deadline.CopyFrom(self.approval.state.deadline)
        # Asked in Slack while the gate already listens: API votes count meanwhile.
        return workflow.start_activity_method(
            SlackActivities.post_approval_request, ask, **SLACK_CALL
        )

    async def _slack_decided(
        self, asking: ActivityHandle[SlackMessageRef], state: ApprovalState
    ) -> None:
        """Replace the request's buttons with the decision; Slack trouble is recorded only."""
        try:
            self._slack = await asking
            status_name = ApprovalStatus.Name(state.status).removeprefix("APPROVAL_STATUS_")
            self.ledger.record(
                "approval.decided",
                f"approval {status_name.lower()}",
                {"status": status_name.lower(), "approvals": state.approvals},
            )
            if not self._slack.posted:
                return
            info = workflow.info()
            await workflow.execute_activity_method(
                SlackActivities.mark_approval_decided,
                SlackDecisionUpdate(
                    workflow_id=info.workflow_id, run_id=info.run_id, gate_key=GATE_KEY,
                    status=state.status, decided_by=[v.vote.approver for v in state.votes],
                    summary=state.summary,
                ),
                **SLACK_CALL,
            )  # fmt: skip
        except ActivityError as error:
            self.ledger.record("slack.failed", f"Slack could not be updated: {error.cause}")

    # ------------------------------------------------------------------ rollout

    async def _roll_out(self, request: PromotionRequest) -> bool:
        """Steps, then the full promotion; False when the run ended (rolled back)."""
        target = request.target
        strategy = target.strategy
        canary = Canary(
            self.ledger, namespace=target.namespace, service=request.service,
            container=target.container, build=request.build, max_surge=strategy.max_surge,
            progress_deadline_seconds=strategy.progress_deadline_seconds,
            kube_context=target.kube_context,
        )  # fmt: skip
        self._canary = canary
        self.ledger.enter(ROLLING_OUT)
        try:
            await canary.take_snapshot()
        except ActivityError as error:
            self._finish(PROMOTION_OUTCOME_ABORTED, f"could not read the stable Deployment: "
                         f"{error.cause or error}; nothing was changed")  # fmt: skip
            return False
        self._result.snapshot.CopyFrom(canary.snapshot)
        self._controls.rolling_out = True
        background = self._start_background(request)
        steps = list(strategy.steps)
        try:
            index = 0
            while index < len(steps):
                self._step_index = index
                await self._controls.hold_while_paused(self.ledger)
                self._raise_if_interrupted()
                background = await self._check_background(request, background)
                if await self._run_step(request, index, steps[index]):
                    index += 1
            self._raise_if_interrupted()
            background = await self._check_background(request, background)
        except _PromoteFull:
            control = self._controls.promote_full
            assert control is not None
            self.ledger.record(
                "rollout.promote_full",
                f"{control.by} promoted fully: steps {self._step_index + 1}-{len(steps)} "
                "and their analysis skipped",
                {"by": control.by, "reason": control.reason, "skipped_from": self._step_index},
            )
        except _Abort as abort:
            await self._stop_background(background)
            await self._roll_back(str(abort), PROMOTION_OUTCOME_ROLLED_BACK)
            return False
        await self._stop_background(background)
        return await self._promote_stable(request)

    def _raise_if_interrupted(self) -> None:
        controls = self._controls
        if controls.abort is not None:
            raise _Abort(
                f"aborted by {controls.abort.by}"
                + (f": {controls.abort.reason}" if controls.abort.reason else "")
            )
        if controls.promote_full is not None:
            raise _PromoteFull()

    def _start_background(self, request: PromotionRequest) -> asyncio.Task[AnalysisRun] | None:
        if not request.target.strategy.background_analysis:
            return None
        self._background_stopped = False
        return asyncio.ensure_future(self._background(request))

    async def _check_background(
        self, request: PromotionRequest, background: asyncio.Task[AnalysisRun] | None
    ) -> asyncio.Task[AnalysisRun] | None:
        """At a step boundary: a background analysis that ended inconclusive or in error
        asks a person (continue without it, retry or extend it, abort)."""
        if background is None or not background.done():
            return background
        run = background.result()
        if run.phase in ("successful", "failed"):
            return None  # a failure already aborted the rollout (see _background)
        self.ledger.enter(ANALYSIS_PARKED if run.phase == "error" else AWAITING_DECISION)
        decision = await self._controls.ask(
            self.ledger, PARKED if run.phase == "error" else INCONCLUSIVE,
            f"background analysis {run.phase} ({run.message}); continue without it, "
            f"{'retry' if run.phase == 'error' else 'extend'} it, or abort to roll back",
            timeout=self._decision_timeout(),
        )  # fmt: skip
        self._raise_if_interrupted()
        if decision is None:
            raise _Abort(self._undecided(f"background analysis {run.phase} ({run.message})"))
        self.ledger.enter(ROLLING_OUT)
        if decision.action == "continue":
            self.ledger.record("analysis.accepted",
                               f"{decision.by} continued without background analysis")  # fmt: skip
            return None
        return self._start_background(request)

    async def _stop_background(self, background: asyncio.Task[AnalysisRun] | None) -> None:
        self._background_stopped = True
        if background is not None:
            await background

    async def _run_step(self, request: PromotionRequest, index: int, step: RolloutStep) -> bool:
        """Run one step; True to go on to the next, False to run it again (a retry)."""
        kind = step.WhichOneof("step") or "unknown"
        record = self._step_record(index, kind)
        try:
            if kind == "set_weight":
                # Parked here while a freeze covers the run (in flight too).
                await self.freezes.hold_while_frozen(
                    self.ledger, before=f"step {index + 1} (weight {step.set_weight.weight}%)"
                )
                self._raise_if_interrupted()
                split = await self._require_canary().set_weight(step.set_weight.weight)
                record.weight = step.set_weight.weight
                record.canary_replicas, record.stable_replicas = split.canary, split.stable
                record.summary = (
                    f"weight {step.set_weight.weight}%: {split.canary} canary, "
                    f"{split.stable} stable ({split.actual_weight:.0f}% actual)"
                )
            elif kind == "pause":
                await self._pause(step.pause.duration_seconds)
                record.summary = "paused"
            elif kind == "analysis":
                run = await self._analyse(
                    request, list(step.analysis.metrics), kind="step", index=index
                )
                record.analysis.CopyFrom(run)
                record.summary = f"analysis {run.phase}"
        except CanaryFailed as failed:
            record.status = "failed"
            record.summary = str(failed)
            return await self._after_failed_step(index, str(failed))
        record.status = "done"
        record.finished_at.CopyFrom(to_timestamp(workflow.now()))
        self.ledger.record(f"step.{kind}", f"step {index + 1}: {record.summary}",
                           {"index": index, "kind": kind})  # fmt: skip
        self.ledger.step_done(f"step-{index + 1}:{kind}")
        return True

    def _step_record(self, index: int, kind: str) -> StepRecord:
        for existing in self._result.steps:
            if existing.index == index:
                existing.attempts += 1
                existing.status = "running"
                return existing
        record = self._result.steps.add()
        record.index, record.kind, record.status, record.attempts = index, kind, "running", 1
        record.started_at.CopyFrom(to_timestamp(workflow.now()))
        return record

    def _require_canary(self) -> Canary:
        assert self._canary is not None
        return self._canary

    async def _after_failed_step(self, index: int, why: str) -> bool:
        """A step failed for good: ask a person to retry it (earlier steps stay) or abort."""
        self.ledger.enter(STEP_FAILED_PHASE)
        decision = await self._controls.ask(
            self.ledger, STEP_FAILED,
            f"step {index + 1} failed: {why}; retry it, or abort to roll back",
            timeout=self._decision_timeout(),
        )  # fmt: skip
        self._raise_if_interrupted()
        if decision is None:
            raise _Abort(f"step {index + 1} failed ({why}) and nobody retried it within "
                         f"{self._decision_timeout()}")  # fmt: skip
        self.ledger.enter(ROLLING_OUT)
        self.ledger.record("step.retried", f"{decision.by} retries step {index + 1}",
                           {"index": index, "by": decision.by})  # fmt: skip
        return False

    async def _pause(self, duration_seconds: int) -> None:
        self.ledger.enter(PAUSED)
        if duration_seconds > 0:
            decision = await self._controls.ask(
                self.ledger, PAUSE, f"paused for {timedelta(seconds=duration_seconds)}; "
                "continue to go on earlier", timeout=timedelta(seconds=duration_seconds),
                escalate=False,
            )  # fmt: skip
        else:
            decision = await self._controls.ask(
                self.ledger, PAUSE, "paused until a person continues the promotion", timeout=None
            )
        self._raise_if_interrupted()
        if decision is not None:
            self.ledger.record("rollout.continued", f"{decision.by} continued the rollout")
        self.ledger.enter(ROLLING_OUT)

    async def _analyse(
        self, request: PromotionRequest, names: list[str], *, kind: str, index: int
    ) -> AnalysisRun:
        """Measure; a failure aborts, an inconclusive verdict or a source that is down asks
        a person (continue, extend or retry, abort). Returns the deciding analysis."""
        metrics = self._metrics(request, names)
        target = self._require_canary().canary if kind == "step" else None
        while True:
            self.ledger.enter(ANALYSING)
            run = await run_analysis(
                self.ledger, metrics, self._renderer(request, target), kind=kind,
                step_index=index, stop=self._controls.interrupted,
            )  # fmt: skip
            self._result.analyses.append(run)
            self._raise_if_interrupted()
            if run.phase == "successful":
                self.ledger.enter(ROLLING_OUT if kind == "step" else SOAKING)
                return run
            if run.phase == "failed":
                raise _Abort(f"{kind} analysis failed: {run.message}")
            if run.phase == "inconclusive":
                self.ledger.enter(AWAITING_DECISION)
                decision = await self._controls.ask(
                    self.ledger, INCONCLUSIVE,
                    f"{kind} analysis is inconclusive ({run.message}); continue, extend it, "
                    "or abort to roll back", timeout=self._decision_timeout(),
                )  # fmt: skip
            else:
                self.ledger.enter(ANALYSIS_PARKED)
                decision = await self._controls.ask(
                    self.ledger, PARKED,
                    f"the metrics source cannot judge the build ({run.message}); the rollout is "
                    "parked where it is: retry the analysis, continue without it, or abort",
                    timeout=self._decision_timeout(),
                )  # fmt: skip
            self._raise_if_interrupted()
            if decision is None:
                raise _Abort(self._undecided(f"{kind} analysis {run.phase} ({run.message})"))
            if decision.action == "continue":
                self.ledger.record(
                    "analysis.accepted",
                    f"{decision.by} accepted the {run.phase} {kind} analysis and continued",
                    {"by": decision.by, "phase": run.phase},
                )
                self.ledger.enter(ROLLING_OUT if kind == "step" else SOAKING)
                return run
            if decision.action == "extend":
                metrics = [self._extended(m, decision.count) for m in metrics]

    @staticmethod
    def _extended(metric: AnalysisMetric, count: int) -> AnalysisMetric:
        extended = AnalysisMetric()
        extended.CopyFrom(metric)
        extended.count = count
        if extended.interval_seconds <= 0 and count > 1:
            extended.interval_seconds = 10
        return extended

    async def _background(self, request: PromotionRequest) -> AnalysisRun:
        """Across the steps; a failure aborts the rollout wherever it is (as in Argo)."""
        metrics = self._metrics(request, list(request.target.strategy.background_analysis))
        run = await run_analysis(
            self.ledger, metrics, self._renderer(request, self._require_canary().canary),
            kind="background", step_index=-1,
            stop=lambda: self._background_stopped or self._controls.interrupted(),
        )  # fmt: skip
        self._result.analyses.append(run)
        if run.phase == "failed" and self._controls.abort is None:
            self._controls.abort = PromotionControl(
                action="abort", by="background analysis", reason=run.message
            )
        return run

    def _metrics(self, request: PromotionRequest, names: list[str]) -> list[AnalysisMetric]:
        declared = {m.name: m for m in request.target.metrics}
        return [declared[name] for name in names]

    def _renderer(self, request: PromotionRequest, target: object) -> _Render:
        canary = self._require_canary()
        return _Render(
            {
                "service": request.service,
                "namespace": request.target.namespace,
                "environment": request.target.name,
                "canary": canary.canary.name,
                "stable": canary.stable.name,
                "target": canary.canary.name if target is not None else canary.stable.name,
                "version": request.build.version,
            }
        )

    def _undecided(self, what: str) -> str:
        return (
            f"{what} and nobody decided within {self._decision_timeout()}: "
            "rolled back, the safe default"
        )

    def _decision_timeout(self) -> timedelta:
        seconds = self._request.target.strategy.decision_timeout_seconds
        return timedelta(seconds=seconds) if seconds > 0 else DEFAULT_DECISION_TIMEOUT

    async def _promote_stable(self, request: PromotionRequest) -> bool:
        canary = self._require_canary()
        self.ledger.enter(PROMOTING)
        await self.freezes.hold_while_frozen(self.ledger, before="the full promotion")
        record = self._step_record(len(request.target.strategy.steps), "promote")
        try:
            await canary.promote()
        except CanaryFailed as failed:
            record.status = "failed"
            await self._roll_back(f"the full promotion failed: {failed}",
                                  PROMOTION_OUTCOME_ROLLED_BACK)  # fmt: skip
            return False
        record.status = "done"
        record.weight = 100
        record.stable_replicas = canary.snapshot.replicas
        record.summary = f"{canary.stable.name} runs {request.build.image} on every replica"
        record.finished_at.CopyFrom(to_timestamp(workflow.now()))
        self._promoted_at = workflow.now()
        self.ledger.record("rollout.promoted", record.summary, {"image": request.build.image})
        self.ledger.step_done("promote")
        return True

    async def _soak(self, request: PromotionRequest) -> bool:
        """Verification on the promoted Deployment for the soak time; a failure rolls back
        to the snapshot (the old ReplicaSet scales back up)."""
        target = request.target
        names = list(target.strategy.verification)
        if target.soak_seconds <= 0 and not names:
            return True
        self.ledger.enter(SOAKING)
        soak_ends = workflow.now() + timedelta(seconds=target.soak_seconds)
        self.ledger.record(
            "soak.started",
            f"verifying {request.service} in {target.name} for "
            f"{timedelta(seconds=target.soak_seconds)}",
            {"metrics": names},
        )
        try:
            if names:
                await self._analyse(request, names, kind="verification", index=-1)
            remaining = soak_ends - workflow.now()
            if remaining > timedelta(0):
                try:
                    await workflow.wait_condition(self._controls.interrupted, timeout=remaining)
                except TimeoutError:
                    pass
                self._raise_if_interrupted()
        except (_Abort, _PromoteFull) as stopped:
            why = str(stopped) or "promote_full during the soak ends it"
            if isinstance(stopped, _PromoteFull):
                self.ledger.record("soak.skipped", f"the soak was ended early: {why}")
                self.ledger.step_done("soak")
                return True
            await self._roll_back(f"verification after the promotion: {why}",
                                  PROMOTION_OUTCOME_ROLLED_BACK)  # fmt: skip
            return False
        self.ledger.record("soak.passed", f"{request.service} held up in {target.name}")
        self.ledger.step_done("soak")
        return True

    async def _roll_back(self, reason: str, outcome: PromotionOutcomeValue) -> None:
        canary = self._require_canary()
        self.ledger.enter(ROLLING_BACK)
        self.ledger.record("rollback.started", reason)
        self._restore_from = len(canary.changes)
        try:
            exact = await canary.restore()
        except CanaryFailed as failed:
            self._controls.finished = True
            self._result.changes.extend(canary.changes)
            self._finish(PROMOTION_OUTCOME_ABORTED,
                         f"{reason}; the rollback failed: {failed}")  # fmt: skip
            return
        self._controls.finished = True
        self._result.changes.extend(canary.changes)
        self._result.restored.extend(canary.changes[self._restore_from :])
        self.ledger.step_done("rollback")
        said = "restored exactly" if exact else "restored, but the Deployment differs (see events)"
        self._finish(outcome, f"{reason}; {said}")

    async def _stop_after(self, reason: str) -> None:
        if self._canary is not None and self._controls.rolling_out and not self._controls.finished:
            await self._roll_back(reason, PROMOTION_OUTCOME_ABORTED)
        else:
            self._finish(PROMOTION_OUTCOME_ABORTED, reason)

    async def _record_release(self, request: PromotionRequest) -> None:
        info = workflow.info()
        release = Release(
            environment=request.target.name, service=request.service,
            build_id=request.build_id, version=request.build.version, image=request.build.image,
            live_since=to_timestamp(self._promoted_at or workflow.now()),
            verified_at=to_timestamp(workflow.now()),
            run_id=f"{info.workflow_id}/{info.run_id}", state="live",
        )  # fmt: skip
        recorded: Release = await workflow.execute_activity_method(
            ReleaseActivities.record_release,
            ReleaseRecord(release=release, tenant=request.tenant),
            **STORE_WRITE,
        )
        self._result.release.CopyFrom(recorded)
        self._controls.finished = True
        if self._canary is not None:
            self._result.changes.extend(self._canary.changes)
        self._finish(
            PROMOTION_OUTCOME_PROMOTED,
            f"{request.service} {request.build.version} is live and verified in "
            f"{request.target.name}",
        )

    async def _auto_promote(self, request: PromotionRequest) -> None:
        """Start the promotions downstream environments take by themselves (each its own
        run, left running when this one ends); one already going for a key is kept."""
        try:
            plan: AutoPromotionPlan = await workflow.execute_activity_method(
                ReleaseActivities.plan_auto_promotions, request, **STORE_WRITE
            )
        except ActivityError as error:
            self.ledger.record("auto_promotion.failed", f"no plan: {error.cause or error}")
            return
        for skipped in plan.skipped:
            self.ledger.record("auto_promotion.skipped", skipped)
        for downstream in plan.requests:
            child_id = f"{KIND}:{downstream.tenant}:{downstream.service}:{downstream.environment}"
            try:
                await workflow.start_child_workflow(
                    PromotionWorkflow.run,
                    downstream,
                    id=child_id,
                    task_queue=workflow.info().task_queue,
                    parent_close_policy=ParentClosePolicy.ABANDON,
                    search_attributes=TypedSearchAttributes(
                        [
                            SearchAttributePair(KAIZEN_KIND, KIND),
                            SearchAttributePair(KAIZEN_TENANT, downstream.tenant),
                            SearchAttributePair(KAIZEN_SERVICE, downstream.service),
                            SearchAttributePair(KAIZEN_PHASE, "starting"),
                            SearchAttributePair(KAIZEN_RISK, "unknown"),
                            SearchAttributePair(KAIZEN_ENVIRONMENT, downstream.environment),
                        ]
                    ),
                )
            except WorkflowAlreadyStartedError:
                self.ledger.record(
                    "auto_promotion.running",
                    f"a promotion into {downstream.environment} already runs ({child_id})",
                )
                continue
            self.ledger.record(
                "auto_promotion.started",
                f"{downstream.environment} auto-promotes: started {child_id}",
                {"run": child_id, "environment": downstream.environment},
            )

    async def _record_outcome(self) -> None:
        info = workflow.info()
        outcome = PromotionOutcome.Name(self._result.outcome).removeprefix("PROMOTION_OUTCOME_")
        started = self._started_at or workflow.now()
        try:
            await workflow.execute_activity_method(
                ReleaseActivities.record_promotion_outcome,
                PromotionOutcomeRecord(
                    run_id=f"{info.workflow_id}/{info.run_id}", tenant=self._request.tenant,
                    environment=self._request.target.name, service=self._request.service,
                    build_id=self._request.build_id, outcome=outcome.lower(),
                    deny=list(self._result.gate.deny),
                    deny_codes=sorted(self._denied_on),
                    analyses=[f"{a.kind}:{a.phase}" for a in self._result.analyses],
                    seconds=(workflow.now() - started).total_seconds(),
                ),
                **STORE_WRITE,
            )  # fmt: skip
        except ActivityError as error:
            self.ledger.record("outcome.unrecorded", f"metrics missed this run: {error.cause}")

    def _finish(self, outcome: PromotionOutcomeValue, reason: str) -> None:
        self._result.outcome = outcome  # type: ignore[assignment]
        self._result.reason = reason
        name = PromotionOutcome.Name(outcome).removeprefix("PROMOTION_OUTCOME_").lower()
        self.ledger.record("run.finished", reason, {"outcome": name})
        self.ledger.enter(phases.COMPLETED)


class _Render:
    """Fills a metric's placeholders ({{service}}, {{canary}} …) for this rollout."""

    def __init__(self, values: dict[str, str]) -> None:
        self._values = values

    def __call__(self, query: str) -> str:
        for name, value in self._values.items():
            query = query.replace("{{" + name + "}}", value).replace("{{ " + name + " }}", value)
        return query
