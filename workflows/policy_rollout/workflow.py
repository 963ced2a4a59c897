"""The policy rollout workflow: a new policy version to a fleet of OPA servers.

validate (check, test, build, signed load in a scratch OPA) → preview (recorded
decisions replayed against candidate and current) → governance (policy: proceed, ask
for approval, or stop) → approvals and change window (the shared gates) → canary
(switch the canary group, bake, compare live decisions) → activate (switch every
target node, wait until each reports the new revision with no error) → on any failure
or missed deadline, switch every node back → record.

The fleet ends all new or all old, and the run says which and why; how long nodes
disagreed is measured from the nodes' own activation times. Nothing changes before
validation, preview and policy have passed; a rollback to a known version skips the
preview and the canary but is just as all-or-nothing.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta
from typing import Final

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.opa.decision_replay import PolicyPreviewActivities
    from activities.opa.fleet_rollout import PolicyFleetActivities
    from activities.opa.policy_validation import PolicyValidationActivities
    from activities.opa.rollout_governance import PolicyRolloutGovernanceActivities
    from kaizen.contract.timestamps import to_timestamp
    from kaizen.v1.policy_rollout_pb2 import (
        POLICY_ROLLOUT_MODE_DRY_RUN,
        POLICY_ROLLOUT_MODE_ROLLBACK,
        POLICY_ROLLOUT_MODE_ROLLOUT,
        POLICY_ROLLOUT_OUTCOME_ABORTED,
        POLICY_ROLLOUT_OUTCOME_ACTIVATED,
        POLICY_ROLLOUT_OUTCOME_CANCELLED,
        POLICY_ROLLOUT_OUTCOME_INVALID,
        POLICY_ROLLOUT_OUTCOME_PREVIEWED,
        POLICY_ROLLOUT_OUTCOME_REJECTED,
        POLICY_ROLLOUT_OUTCOME_ROLLED_BACK,
        POLICY_ROLLOUT_OUTCOME_STOPPED,
        PolicyCanaryReport,
        PolicyCanaryRequest,
        PolicyConvergence,
        PolicyCutoverAbort,
        PolicyCutoverAbortAnswer,
        PolicyFleetQuery,
        PolicyFleetSnapshot,
        PolicyNodeOutcome,
        PolicyNodeTarget,
        PolicyPreviewReport,
        PolicyPreviewRequest,
        PolicyRolloutGovernance,
        PolicyRolloutGovernanceInput,
        PolicyRolloutMode,
        PolicyRolloutNotice,
        PolicyRolloutOutcome,
        PolicyRolloutRecord,
        PolicyRolloutRequest,
        PolicyRolloutResult,
        PolicyValidationReport,
        PolicyValidationRequest,
    )
    from workflows.gates import phases
    from workflows.gates.approval import is_rejection
    from workflows.gates.governed import GovernedRun
    from workflows.gates.presets import POLICY_DECISION, STORE_WRITE
    from workflows.gates.watchdog import WatchdogExpired, run_with_watchdog

    from .cutover import Cutover
    from .presets import PREVIEW, VALIDATE
    from .switch import MIN_ROLLBACK_DEADLINE_SECONDS, FleetSwitch, deadline_for
    from .targets import matching

KIND: Final = "policy_rollout"
Outcome = int

# Phases (the KaizenPhase search attribute), besides the shared ones.
VALIDATING: Final = "validating"
PREVIEWING: Final = "previewing"
CANARY: Final = "canary"
BAKING: Final = "baking"
ACTIVATING: Final = "activating"
ROLLING_BACK: Final = "rolling_back"


class _SwitchBack(Exception):
    """The fleet must go back to what it ran; the message says why."""


@workflow.defn
class PolicyRolloutWorkflow(GovernedRun):
    """Takes a fleet from its policy version to a new one, or back, all-or-nothing."""

    @workflow.init
    def __init__(self, request: PolicyRolloutRequest) -> None:
        self._setup(kind=KIND, service=request.fleet, namespace="", tenant=request.tenant,
                    limits=request.limits)  # fmt: skip
        self._request = request
        self._result = PolicyRolloutResult(
            fleet=request.fleet, version_id=request.version_id,
            revision=request.version.revision,
        )  # fmt: skip
        self._switch = FleetSwitch(self.ledger, tenant=request.tenant)
        self._previous: dict[str, PolicyNodeTarget] = {}
        self._labels: dict[str, dict[str, str]] = {}
        self._started_at: datetime | None = None
        self._cutover = (
            Cutover(self.ledger, self._switch, request) if request.HasField("cutover") else None
        )

    @workflow.signal
    def policy_rollout_requested(self, notice: PolicyRolloutNotice) -> None:
        """The request that started the run, or a later one for the same fleet."""
        if notice.version_id and notice.version_id != self._request.version_id:
            self.ledger.record(
                "rollout.joined",
                f"{notice.requested_by} asked to roll out {notice.version_id}; this run rolls "
                f"out {self._request.version_id}: one rollout per fleet at a time",
                {"version_id": notice.version_id, "by": notice.requested_by},
            )
            return
        self.ledger.record(
            "rollout.requested",
            f"{notice.requested_by or 'someone'} asked to roll out {self._request.version_id}",
            {"by": notice.requested_by, "source": notice.source},
        )

    @workflow.update
    async def abort_cutover(self, abort: PolicyCutoverAbort) -> PolicyCutoverAbortAnswer:
        """Stop a cutover before its instant: every node goes back to the old version."""
        assert self._cutover is not None
        return PolicyCutoverAbortAnswer(accepted=True, message=self._cutover.abort(abort))

    @abort_cutover.validator
    def _check_abort(self, abort: PolicyCutoverAbort) -> None:
        if self._cutover is None:
            raise ApplicationError("this rollout is not a cutover", type="CutoverNotAbortable")
        if self._result.outcome:
            raise ApplicationError("the rollout has ended", type="CutoverNotAbortable")
        self._cutover.check_abort(abort)

    # ------------------------------------------------------------------ the run

    @workflow.run
    async def run(self, request: PolicyRolloutRequest) -> PolicyRolloutResult:
        self._started_at = workflow.now()
        mode = _mode_name(request.mode)
        self.ledger.set_risk("low" if request.mode == POLICY_ROLLOUT_MODE_ROLLBACK else "medium")
        self.ledger.record(
            "run.started",
            f"{mode.replace('_', ' ')} of {request.version_id} (#{request.version.seq} of "
            f"{request.version.bundle}) to fleet {request.fleet}: {', '.join(request.nodes)}",
            {"version_id": request.version_id, "fleet": request.fleet, "mode": mode,
             "selector": request.selector, "nodes": list(request.nodes),
             "requested_by": request.requested_by, "source": request.source or "api"},
        )  # fmt: skip
        try:
            await run_with_watchdog(self._roll_out(request), self.run_timeout())
        except WatchdogExpired as expired:
            await self._stop(f"watchdog: {expired} (in phase {self.ledger.phase})",
                             POLICY_ROLLOUT_OUTCOME_ABORTED)  # fmt: skip
        except asyncio.CancelledError:
            self.ledger.record("run.cancelled", "the run was cancelled")
            await self._stop("the run was cancelled", POLICY_ROLLOUT_OUTCOME_CANCELLED)
            await self._record()
            raise
        await self._record()
        await workflow.wait_condition(workflow.all_handlers_finished)
        self._result.events.extend(self.ledger.events)
        return self._result

    async def _roll_out(self, request: PolicyRolloutRequest) -> None:
        await self._snapshot(request)
        if not await self._validate(request):
            return
        preview = None
        if request.mode != POLICY_ROLLOUT_MODE_ROLLBACK:
            preview = await self._preview(request)
        governance = await self._govern(request, preview)
        if governance.verdict == "stop":
            self._finish(POLICY_ROLLOUT_OUTCOME_STOPPED,
                         "policy stopped the rollout: " + "; ".join(governance.reasons)
                         + "; no node was changed")  # fmt: skip
            return
        if request.mode == POLICY_ROLLOUT_MODE_DRY_RUN:
            self._finish(POLICY_ROLLOUT_OUTCOME_PREVIEWED,
                         f"dry run: valid, previewed; policy says {governance.verdict}: "
                         + "; ".join(governance.reasons) + "; no node was changed")  # fmt: skip
            return
        if governance.verdict == "approve" and not await self._approved(request, governance):
            return
        if governance.needs_change_window:
            await self.windows.ensure_open(self.ledger, "switching the fleet")
        await self.freezes.hold_while_frozen(self.ledger, before="switching the fleet")
        try:
            if self._cutover is not None:
                await self._cut_over(request, self._cutover)
                return
            canary, rest = self._canary_split(request)
            if canary and rest:
                await self._canary(request, governance, canary, rest)
                await self.freezes.hold_while_frozen(self.ledger, before="activating the fleet")
            await self._activate(request)
        except _SwitchBack as why:
            await self._switch_back(str(why), POLICY_ROLLOUT_OUTCOME_ROLLED_BACK)

    # ------------------------------------------------------------------ before any change

    async def _snapshot(self, request: PolicyRolloutRequest) -> None:
        snapshot: PolicyFleetSnapshot = await workflow.execute_activity_method(
            PolicyFleetActivities.read_policy_fleet,
            PolicyFleetQuery(tenant=request.tenant, fleet=request.fleet, nodes=request.nodes),
            **STORE_WRITE,
        )
        for node in snapshot.nodes:
            target = PolicyNodeTarget(
                node=node.name, version_id=node.desired_version, revision=node.desired_revision
            )
            self._previous[node.name] = target
            self._labels[node.name] = {label.key: label.value for label in node.labels}
            self._result.previous.append(target)
        gone = sorted(set(request.nodes) - set(self._previous))
        self.ledger.record(
            "fleet.snapshot",
            "before the rollout: " + ", ".join(
                f"{t.node} {t.version_id or '(nothing)'}" for t in self._result.previous
            ) + (f"; no longer registered: {', '.join(gone)}" if gone else ""),
            {"previous": {t.node: t.version_id for t in self._result.previous}, "gone": gone},
        )  # fmt: skip

    async def _validate(self, request: PolicyRolloutRequest) -> bool:
        self.ledger.enter(VALIDATING)
        report: PolicyValidationReport = await workflow.execute_activity_method(
            PolicyValidationActivities.validate_policy_version,
            PolicyValidationRequest(tenant=request.tenant, version_id=request.version_id),
            **VALIDATE,
        )
        self._result.validation.CopyFrom(report)
        self.ledger.record(
            "validation.passed" if report.ok else "validation.failed", report.summary,
            {"checks": {c.name: c.ok for c in report.checks}},
        )  # fmt: skip
        if not report.ok:
            self._finish(POLICY_ROLLOUT_OUTCOME_INVALID,
                         f"{report.summary}; no node was changed")  # fmt: skip
            return False
        if self._cutover is not None and not await self._validate_combined(request):
            return False
        self.ledger.step_done("validate")
        return True

    async def _validate_combined(self, request: PolicyRolloutRequest) -> bool:
        """The generated combined bundle gets the same checks (its vendored tests show the
        rewriting kept both versions' behaviour)."""
        combined = request.cutover.combined.id
        report: PolicyValidationReport = await workflow.execute_activity_method(
            PolicyValidationActivities.validate_policy_version,
            PolicyValidationRequest(tenant=request.tenant, version_id=combined),
            **VALIDATE,
        )
        for check in report.checks:
            self._result.validation.checks.append(check)
            self._result.validation.checks[-1].name = f"combined {combined}: {check.name}"
        self.ledger.record(
            "validation.passed" if report.ok else "validation.failed",
            f"combined bundle {combined}: {report.summary}",
            {"checks": {c.name: c.ok for c in report.checks}, "combined": combined},
        )  # fmt: skip
        if not report.ok:
            self._result.validation.ok = False
            self._finish(POLICY_ROLLOUT_OUTCOME_INVALID, f"the combined bundle {combined}: "
                         f"{report.summary}; no node was changed")  # fmt: skip
        return report.ok

    async def _preview(self, request: PolicyRolloutRequest) -> PolicyPreviewReport:
        self.ledger.enter(PREVIEWING)
        running = Counter(t.version_id for t in self._previous.values() if t.version_id)
        baseline = running.most_common(1)[0][0] if running else ""
        strategy = request.strategy
        preview: PolicyPreviewReport = await workflow.execute_activity_method(
            PolicyPreviewActivities.preview_policy_version,
            PolicyPreviewRequest(
                tenant=request.tenant, fleet=request.fleet, candidate_version=request.version_id,
                baseline_version=baseline, hours=strategy.preview_hours,
                limit=strategy.preview_limit, nodes=request.nodes,
            ),
            **PREVIEW,
        )  # fmt: skip
        self._result.preview.CopyFrom(preview)
        self.ledger.record(
            "preview.done",
            f"{preview.replayed} recorded decisions replayed against {request.version_id} and "
            f"{baseline or 'nothing'}: {preview.changed} change ({preview.allow_to_deny} allow "
            f"-> deny, {preview.deny_to_allow} deny -> allow, {preview.other_changes} other)",
            {"replayed": preview.replayed, "changed": preview.changed,
             "allow_to_deny": preview.allow_to_deny, "deny_to_allow": preview.deny_to_allow,
             "nondeterministic": preview.nondeterministic, "baseline": baseline},
        )  # fmt: skip
        self.ledger.step_done("preview")
        return preview

    async def _govern(
        self, request: PolicyRolloutRequest, preview: PolicyPreviewReport | None
    ) -> PolicyRolloutGovernance:
        canary, _rest = self._canary_split(request)
        facts = PolicyRolloutGovernanceInput(
            request=request, nodes=len(self._previous), canary_nodes=len(canary)
        )
        if preview is not None:
            facts.preview.CopyFrom(preview)
        governance: PolicyRolloutGovernance = await workflow.execute_activity_method(
            PolicyRolloutGovernanceActivities.evaluate_policy_rollout, facts, **POLICY_DECISION
        )
        self._result.governance.CopyFrom(governance)
        self.ledger.record(
            "governance.decided", f"{governance.verdict}: " + "; ".join(governance.reasons),
            {"verdict": governance.verdict, "decision_id": governance.decision_id,
             "approvals_required": governance.approvals_required},
        )  # fmt: skip
        return governance

    async def _approved(
        self, request: PolicyRolloutRequest, governance: PolicyRolloutGovernance
    ) -> bool:
        self.ledger.set_risk("high")
        summary = f"roll out {request.version_id} to fleet {request.fleet}: " + "; ".join(
            governance.reasons
        )
        self.approval.open(
            required=governance.approvals_required, requested_by=request.requested_by,
            allowed_roles=list(governance.approver_roles), allowed_approvers=[],
            timeout=self.approval_timeout(), summary=summary,
        )  # fmt: skip
        self.ledger.enter(phases.AWAITING_APPROVAL)
        self.ledger.record("approval.requested", summary,
                           {"required": governance.approvals_required})  # fmt: skip
        self.publish_pending_approval()
        state = await self.approval.wait(self.approval_timeout())
        self.publish_pending_approval()
        if is_rejection(state):
            by = [v.vote.approver for v in state.votes] or ["the approval's timeout"]
            self.ledger.record("approval.decided", "approval rejected", {"by": by})
            self._finish(POLICY_ROLLOUT_OUTCOME_REJECTED,
                         f"rejected by {', '.join(by)}; no node was changed")  # fmt: skip
            return False
        self.ledger.record("approval.decided", "approved",
                           {"by": [v.vote.approver for v in state.votes]})  # fmt: skip
        self.ledger.step_done("approval")
        return True

    # ------------------------------------------------------------------ switching

    def _targets(self, nodes: list[str]) -> list[PolicyNodeTarget]:
        return [
            PolicyNodeTarget(
                node=n, version_id=self._request.version_id, revision=self._request.version.revision
            )  # fmt: skip
            for n in nodes
        ]

    def _canary_split(self, request: PolicyRolloutRequest) -> tuple[list[str], list[str]]:
        nodes = sorted(self._previous)
        if request.mode != POLICY_ROLLOUT_MODE_ROLLOUT or request.HasField("cutover"):
            return [], nodes
        canary = matching(request.strategy.canary_selector, self._labels, nodes)
        return canary, [n for n in nodes if n not in canary]

    def _deadline(self) -> float:
        return deadline_for(
            self._request.version.artifact_size,
            int(self._request.strategy.activation_deadline_seconds),
        )

    async def _canary(
        self,
        request: PolicyRolloutRequest,
        governance: PolicyRolloutGovernance,
        canary: list[str],
        rest: list[str],
    ) -> None:
        self.ledger.enter(CANARY)
        convergence = await self._switch.switch(
            self._targets(canary), deadline_seconds=self._deadline(), fail_fast=True,
            to_candidate=True, why=f"canary ({request.strategy.canary_selector})",
        )  # fmt: skip
        self._result.canary.CopyFrom(convergence)
        if not convergence.converged:
            raise _SwitchBack(f"the canary did not take {request.version_id}: "
                              f"{convergence.reason}")  # fmt: skip
        bake = request.strategy.bake_seconds
        if bake > 0:
            self.ledger.enter(BAKING)
            since = workflow.now()
            await workflow.sleep(timedelta(seconds=bake))
            report: PolicyCanaryReport = await workflow.execute_activity_method(
                PolicyFleetActivities.compare_policy_canary,
                PolicyCanaryRequest(
                    tenant=request.tenant, fleet=request.fleet, canary_nodes=canary,
                    baseline_nodes=rest, candidate_revision=request.version.revision,
                    since=to_timestamp(since),
                ),
                **STORE_WRITE,
            )  # fmt: skip
            _judge_canary(report, governance)
            self._result.canary_report.CopyFrom(report)
            self.ledger.record(
                "canary.passed" if report.passed else "canary.failed", report.reason,
                {"canary_decisions": report.canary_decisions,
                 "undefined_ratio": report.canary_undefined_ratio,
                 "deny_ratio": report.canary_deny_ratio,
                 "baseline_deny_ratio": report.baseline_deny_ratio},
            )  # fmt: skip
            if not report.passed:
                raise _SwitchBack(f"the canary failed: {report.reason}")
        self.ledger.step_done("canary")

    async def _activate(self, request: PolicyRolloutRequest) -> None:
        self.ledger.enter(ACTIVATING)
        nodes = sorted(self._previous)
        convergence = await self._switch.switch(
            self._targets(nodes), deadline_seconds=self._deadline(), fail_fast=True,
            to_candidate=True, why="activate every target node",
        )  # fmt: skip
        self._result.activation.CopyFrom(convergence)
        if not convergence.converged:
            raise _SwitchBack(f"activation failed: {convergence.reason}")
        self.ledger.step_done("activate")
        self._result.fleet_state = "all_new"
        self._result.convergence_ms = convergence.convergence_ms
        self._result.disagreement_ms = self._switch.disagreement_ms()
        self._node_outcomes(convergence)
        self._finish(
            POLICY_ROLLOUT_OUTCOME_ACTIVATED,
            f"every node of fleet {request.fleet} runs {request.version_id} "
            f"({len(nodes)} nodes; the last activated {convergence.convergence_ms:.0f} ms after "
            f"the switch; nodes disagreed for {self._result.disagreement_ms:.0f} ms)",
        )

    async def _cut_over(self, request: PolicyRolloutRequest, cutover: Cutover) -> None:
        """Load the combined bundle everywhere, hold (abortable) until the instant, watch
        every node switch, then serve the plain new bundle."""
        nodes = sorted(self._previous)
        self._result.cutover.CopyFrom(cutover.report)
        why = await cutover.load(nodes) or await cutover.hold()
        self._result.cutover.CopyFrom(cutover.report)
        if why:
            raise _SwitchBack(why)
        await cutover.watch(nodes)
        self._result.cutover.CopyFrom(cutover.report)
        # Past the instant every node answers from the new policy: this only replaces the
        # combined bundle with the plain one, so a node slow to take it changes no answer.
        self.ledger.enter(ACTIVATING)
        convergence = await self._switch.switch(
            self._targets(nodes), deadline_seconds=self._deadline(), fail_fast=False,
            to_candidate=True, why="after the cutover: serve the plain new version",
        )  # fmt: skip
        self._result.activation.CopyFrom(convergence)
        self._node_outcomes(convergence)
        self._result.fleet_state = "all_new"
        self._result.convergence_ms = convergence.convergence_ms
        self._result.disagreement_ms = cutover.report.spread_ms
        holding = [n.node for n in convergence.nodes if not n.converged]
        self._finish(
            POLICY_ROLLOUT_OUTCOME_ACTIVATED,
            f"every node of fleet {request.fleet} switched to {request.version_id} at "
            f"{cutover.at.isoformat()} ({len(nodes)} nodes; "
            f"{cutover.report.spread_ms:.1f} ms from the first to the last, by a probe)"
            + (f"; {', '.join(holding)} still hold the combined bundle, which answers from "
               f"{request.version_id}: {convergence.reason}" if holding else
               f"; every node then took the plain bundle {request.version_id}"),
        )  # fmt: skip

    async def _switch_back(self, reason: str, outcome: Outcome) -> None:
        """Serve every target node what it had before, and verify that it runs it."""
        self.ledger.enter(ROLLING_BACK)
        self.ledger.record("rollback.started", reason, {"moved": list(self._switch.moved)})
        # Nodes that had nothing keep the candidate: OPA cannot unload a bundle.
        back = [t for t in self._previous.values() if t.version_id]
        verified = await self._switch.switch(
            back, deadline_seconds=max(self._deadline(), MIN_ROLLBACK_DEADLINE_SECONDS),
            fail_fast=False,
            to_candidate=False, why="switch back: " + reason,
        )  # fmt: skip
        self._result.rollback.CopyFrom(verified)
        self._node_outcomes(verified)
        self._result.disagreement_ms = self._switch.disagreement_ms(verified)
        if self._cutover is not None and not self._cutover.passed:
            # The combined bundle answers from the old policy until the instant: nodes
            # holding it never disagreed with those that did not.
            self._result.disagreement_ms = 0.0
        unverified = [n for n in verified.nodes if not n.converged]
        silent = sorted(
            {n.node for n in unverified if not n.reached}
            | {n.node for n in self._result.activation.nodes if not n.converged and not n.reached}
            | {n.node for n in self._result.canary.nodes if not n.converged and not n.reached}
        )
        note = (
            f"; {', '.join(silent)} did not answer since the switch: it is served its previous "
            "version and takes it when it returns" if silent else ""
        )  # fmt: skip
        reachable = [n for n in unverified if n.node not in silent]
        if not reachable:
            # Nodes that did not answer are served their previous version: they take it
            # when they return (they never took the candidate, or cannot have kept it).
            self._result.fleet_state = "all_old"
            self._finish(outcome, f"{reason}; every node was switched back and "
                         + ("reports what it ran before" if not unverified else
                            "every node that answers reports what it ran before")
                         + f" (nodes disagreed for {self._result.disagreement_ms:.0f} ms)"
                         + note)  # fmt: skip
            return
        self._result.fleet_state = "mixed"
        self._finish(
            POLICY_ROLLOUT_OUTCOME_ABORTED,
            f"{reason}; switched back, but not verified on "
            + ", ".join(f"{n.node} ({n.error or 'reports ' + (n.active_revision or 'nothing')})"
                        for n in reachable) + note,
        )  # fmt: skip

    async def _stop(self, reason: str, outcome: Outcome) -> None:
        if self._switch.moved and not self._result.outcome:
            await self._switch_back(reason, outcome)
        elif not self._result.outcome:
            self._finish(outcome, f"{reason}; no node was changed")

    def _node_outcomes(self, convergence: PolicyConvergence) -> None:
        del self._result.nodes[:]
        for node in convergence.nodes:
            target = node.target_revision
            self._result.nodes.append(
                PolicyNodeOutcome(
                    node=node.node,
                    revision=node.active_revision,
                    version_id=self._request.version_id
                    if target == self._request.version.revision
                    else self._previous[node.node].version_id,
                    verified=node.converged,
                    error=node.error,
                )  # fmt: skip
            )

    # ------------------------------------------------------------------ the end

    async def _record(self) -> None:
        info = workflow.info()
        started = self._started_at or workflow.now()
        preview = self._result.preview
        outcome = PolicyRolloutOutcome.Name(self._result.outcome)
        try:
            await workflow.execute_activity_method(
                PolicyFleetActivities.record_policy_rollout,
                PolicyRolloutRecord(
                    run_id=f"{info.workflow_id}/{info.run_id}", tenant=self._request.tenant,
                    fleet=self._request.fleet, version_id=self._request.version_id,
                    mode=_mode_name(self._request.mode),
                    outcome=outcome.removeprefix("POLICY_ROLLOUT_OUTCOME_").lower(),
                    reason=self._result.reason, nodes=len(self._previous),
                    convergence_ms=self._result.convergence_ms,
                    disagreement_ms=self._result.disagreement_ms,
                    preview_changed=preview.changed,
                    preview_allow_to_deny=preview.allow_to_deny,
                    preview_deny_to_allow=preview.deny_to_allow,
                    seconds=(workflow.now() - started).total_seconds(),
                ),
                **STORE_WRITE,
            )  # fmt: skip
        except ActivityError as error:
            self.ledger.record("outcome.unrecorded", f"the fleet history missed this run: "
                               f"{error.cause}")  # fmt: skip

    def _finish(self, outcome: Outcome, reason: str) -> None:
        self._result.outcome = outcome  # type: ignore[assignment]
        self._result.reason = reason
        name = PolicyRolloutOutcome.Name(outcome).removeprefix("POLICY_ROLLOUT_OUTCOME_").lower()
        self.ledger.record("run.finished", reason, {"outcome": name})
        self.ledger.enter(phases.COMPLETED)


def _judge_canary(report: PolicyCanaryReport, governance: PolicyRolloutGovernance) -> None:
    if report.canary_decisions == 0:
        report.passed = True
        report.reason = "no live decisions reached the canary during the bake: nothing to compare"
        return
    problems: list[str] = []
    if report.canary_undefined_ratio > governance.canary_max_undefined_ratio:
        problems.append(
            f"{report.canary_undefined_ratio:.0%} of the canary's decisions were undefined "
            f"({', '.join(report.undefined_paths)}), above "
            f"{governance.canary_max_undefined_ratio:.0%}"
        )
    if report.canary_error_ratio > governance.canary_max_error_ratio:
        problems.append(f"{report.canary_error_ratio:.0%} of the canary's decisions erred")
    rise = report.canary_deny_ratio - report.baseline_deny_ratio
    if report.baseline_decisions and rise > governance.canary_max_deny_rate_increase:
        problems.append(
            f"the canary denies {report.canary_deny_ratio:.0%}, the rest of the fleet "
            f"{report.baseline_deny_ratio:.0%}: up {rise:.0%}, above "
            f"{governance.canary_max_deny_rate_increase:.0%}"
        )
    report.passed = not problems
    report.reason = "; ".join(problems) or (
        f"{report.canary_decisions} live decisions on the canary within the limits"
    )


def _mode_name(mode: int) -> str:
    return PolicyRolloutMode.Name(mode).removeprefix("POLICY_ROLLOUT_MODE_").lower()
