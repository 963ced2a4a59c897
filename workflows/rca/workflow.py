"""The RCA workflow: collect evidence, analyze, draft, review, final exactly once.

Each evidence source is its own activity with its own timeout; a source that fails is
recorded as missing and the analysis goes on without it. The draft is the deterministic
analyzer's, or the LLM's when one is configured and its answer passes the claim checks.
Review is durable: reviewers edit sections, comment, request changes and rate the draft
through Updates whose validators refuse anyone else, stale versions and a final document;
approvals go through the shared ApprovalGate (N-of-M from policy by severity). An overdue
review escalates (Slack, when configured, and always on the run) and keeps waiting; only
the watchdog ends an unreviewed RCA, as abandoned, never silently.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError
from temporalio.workflow import ActivityHandle

with workflow.unsafe.imports_passed_through():
    from activities.rca.analysis import RcaAnalysisActivities
    from activities.rca.collect import RcaEvidenceActivities
    from activities.rca.records import RcaRecordActivities
    from activities.slack.notify import SlackActivities
    from kaizen.v1.approval_pb2 import APPROVAL_STATUS_REJECTED
    from kaizen.v1.common_pb2 import Severity
    from kaizen.v1.rca_pb2 import (
        RCA_OUTCOME_ABANDONED,
        RCA_OUTCOME_FINAL,
        AnalysisRequest,
        EvidenceBatch,
        EvidenceBundle,
        EvidenceRequest,
        LlmUsage,
        MissingSource,
        RcaChangeRequest,
        RcaComment,
        RcaDocument,
        RcaEdit,
        RcaEscalation,
        RcaRating,
        RcaRecordWrite,
        RcaRequest,
        RcaResult,
        RcaReview,
        RcaReviewPlan,
        RcaReviewPlanRequest,
        RcaTrigger,
        SimilarQuery,
    )
    from kaizen.v1.slack_pb2 import SlackApprovalRequest, SlackMessageRef, SlackOutcomeNote
    from workflows.gates.governed import GovernedRun
    from workflows.gates.presets import POLICY_DECISION, SLACK_CALL, STORE_WRITE
    from workflows.gates.watchdog import WatchdogExpired, run_with_watchdog

    from .presets import (
        ANALYZE,
        COLLECT_KUBE,
        COLLECT_LOGS,
        COLLECT_METRICS,
        COLLECT_RECORDS,
        LLM_DRAFT,
    )
    from .review import FINAL, ReviewBoard

KIND = "rca"
REVIEW_GATE = "review"
SIMILAR_LIMIT = 3
# (source, activity, timeouts): each source is read on its own, concurrently.
SOURCES = (
    ("alerts", RcaEvidenceActivities.collect_alerts, COLLECT_RECORDS),
    ("kaizen_changes", RcaEvidenceActivities.collect_kaizen_changes, COLLECT_RECORDS),
    ("prometheus", RcaEvidenceActivities.collect_metrics, COLLECT_METRICS),
    ("kubernetes:replicasets", RcaEvidenceActivities.collect_kube_changes, COLLECT_KUBE),
    ("kubernetes:events", RcaEvidenceActivities.collect_kube_events, COLLECT_KUBE),
    ("logs", RcaEvidenceActivities.collect_pod_logs, COLLECT_LOGS),
)


def severity_name(severity: int) -> str:
    return Severity.Name(severity).removeprefix("SEVERITY_").lower()


@workflow.defn
class RcaWorkflow(GovernedRun):
    """Takes an incident from evidence to a reviewed, final root-cause analysis."""

    @workflow.init
    def __init__(self, request: RcaRequest) -> None:
        self._setup(
            kind=KIND,
            service=request.service,
            namespace=request.namespace,
            tenant=request.tenant,
            limits=request.limits,
        )
        self._request = request
        self._board = ReviewBoard(requested_by=request.requested_by)
        self._triggers: list[RcaTrigger] = []
        self._result = RcaResult()
        self._asking: ActivityHandle[SlackMessageRef] | None = None

    # -- handlers ------------------------------------------------------------------------------

    @workflow.signal
    def trigger(self, trigger: RcaTrigger) -> None:
        """Another trigger for the same incident (a repeat alert, a second request)."""
        if not self._triggers and not self.ledger.events:
            self._triggers.append(trigger)  # the first: the one that started the run
            return
        self._triggers.append(trigger)
        self.ledger.record(
            "trigger.joined",
            f"{trigger.source or 'a trigger'} asked again for this incident's RCA",
            {"source": trigger.source, "requested_by": trigger.requested_by},
        )

    @workflow.query
    def rca(self) -> RcaResult:
        """The document and its review as they stand (no events)."""
        result = RcaResult()
        result.CopyFrom(self._result)
        result.document.CopyFrom(self._board.document)
        result.review.CopyFrom(self._review())
        result.triggers.extend(self._triggers)
        return result

    @workflow.update
    async def edit_section(self, edit: RcaEdit) -> RcaReview:
        """A reviewer replaces a section's text (against the current version)."""
        if self._board.apply_edit(edit, workflow.now()):
            self._reopen(f"{edit.editor} edited {edit.section} after changes were requested")
        self.ledger.record(
            "review.edited",
            f"{edit.editor} edited {edit.section} (version {self._board.document.version})",
            {"editor": edit.editor, "section": edit.section,
             "version": self._board.document.version},
        )  # fmt: skip
        return self._review()

    @edit_section.validator
    def _check_edit(self, edit: RcaEdit) -> None:
        self._board.check_edit(edit)

    @workflow.update
    async def comment(self, comment: RcaComment) -> RcaReview:
        """A reviewer's comment on the draft or one section."""
        self._board.apply_comment(comment, workflow.now())
        self.ledger.record(
            "review.commented",
            f"{comment.author} commented on {comment.section or 'the draft'}",
            {"author": comment.author, "section": comment.section},
        )
        return self._review()

    @comment.validator
    def _check_comment(self, comment: RcaComment) -> None:
        self._board.check_comment(comment)

    @workflow.update
    async def request_changes(self, request: RcaChangeRequest) -> RcaReview:
        """A reviewer asks for changes: approvals are refused until an edit answers it."""
        self._board.apply_change_request(request, workflow.now())
        self.approval.withdraw(f"changes requested by {request.reviewer}: {request.reason}")
        self.ledger.enter("changes_requested")
        self.ledger.record(
            "review.changes_requested",
            f"{request.reviewer} requested changes: {request.reason}",
            {"reviewer": request.reviewer},
        )
        return self._review()

    @request_changes.validator
    def _check_change_request(self, request: RcaChangeRequest) -> None:
        self._board.check_change_request(request)

    @workflow.update
    async def rate(self, rating: RcaRating) -> RcaReview:
        """A reviewer's rating of the machine's draft (its quality score), 1 to 5."""
        self._board.apply_rating(rating, workflow.now())
        self.ledger.record(
            "review.rated",
            f"{rating.reviewer} rated the draft {rating.score}/5",
            {"reviewer": rating.reviewer, "score": rating.score},
        )
        return self._review()

    @rate.validator
    def _check_rating(self, rating: RcaRating) -> None:
        self._board.check_rating(rating)

    # -- the run -------------------------------------------------------------------------------

    @workflow.run
    async def run(self, request: RcaRequest) -> RcaResult:
        self.ledger.record(
            "run.started",
            f"RCA of {request.namespace}/{request.service}: {request.incident_key}",
            {"requested_by": request.requested_by, "source": request.source or "api",
             "incident": request.incident_key},
        )  # fmt: skip
        try:
            await run_with_watchdog(self._work(request), self.run_timeout())
        except WatchdogExpired as expired:
            self._end(
                RCA_OUTCOME_ABANDONED,
                f"watchdog: {expired} (in phase {self.ledger.phase}); the review never ended",
            )
            self._board.abandon()
            self.approval.withdraw("the RCA was abandoned")
            self.ledger.enter("abandoned")
            await self._save()
        except asyncio.CancelledError:
            self.ledger.record("run.cancelled", "the run was cancelled")
            self.ledger.enter("cancelled")
            raise
        # Let an in-flight review request finish so its caller gets an answer.
        await workflow.wait_condition(workflow.all_handlers_finished)
        result = self.rca()
        result.events.extend(self.ledger.events)
        return result

    async def _work(self, request: RcaRequest) -> None:
        self.ledger.enter("collecting_evidence")
        bundle = await self._collect(request)
        self.ledger.step_done("collect")

        self.ledger.enter("analyzing")
        document = await self._analyze(request, bundle)
        self.ledger.step_done("analyze")

        self._board.document.CopyFrom(document)
        await self._save()
        similar = await workflow.execute_activity_method(
            RcaRecordActivities.find_similar,
            SimilarQuery(
                tenant=request.tenant,
                rca_id=workflow.info().workflow_id,
                document=document,
                limit=SIMILAR_LIMIT,
            ),
            **STORE_WRITE,
        )
        document.similar.extend(similar.incidents)

        plan: RcaReviewPlan = await workflow.execute_activity_method(
            RcaRecordActivities.plan_review,
            RcaReviewPlanRequest(
                service=request.service,
                namespace=request.namespace,
                severity=request.severity,
                requested_by=request.requested_by,
            ),
            **POLICY_DECISION,
        )
        await self._review_until_final(request, document, plan)

    async def _collect(self, request: RcaRequest) -> EvidenceBundle:
        bundle = EvidenceBundle()
        bundle.MergeFrom(request.evidence)
        if request.inline_only:
            self.ledger.record("evidence.inline_only", "only the inline evidence is analysed")
            return bundle
        lean = RcaRequest()
        lean.CopyFrom(request)
        lean.ClearField("evidence")  # collectors need the incident, not the inline bundle
        batches = await asyncio.gather(
            *(self._collect_one(source, method, preset, lean) for source, method, preset in SOURCES)
        )
        for batch in batches:
            bundle.MergeFrom(batch.bundle)
            bundle.missing.extend(batch.missing)
        self.ledger.record(
            "evidence.collected",
            f"{len(bundle.alerts)} alerts, {len(bundle.metrics)} series, {len(bundle.logs)} log "
            f"lines, {len(bundle.changes)} changes, {len(bundle.events)} events; "
            f"{len(bundle.missing)} source(s) missing",
            {"missing": [f"{m.source}: {m.reason}" for m in bundle.missing]},
        )
        return bundle

    async def _collect_one(
        self, source: str, method: object, preset: dict[str, object], request: RcaRequest
    ) -> EvidenceBatch:
        try:
            batch: EvidenceBatch = await workflow.execute_activity_method(
                method,  # type: ignore[call-overload]
                EvidenceRequest(request=request),
                **preset,
            )
            return batch
        except ActivityError as error:
            reason = f"collector failed: {error.cause or error}"
            self.ledger.record("evidence.missing", f"{source}: {reason}", {"source": source})
            return EvidenceBatch(
                source=source, missing=[MissingSource(source=source, reason=reason[:500])]
            )

    async def _analyze(self, request: RcaRequest, bundle: EvidenceBundle) -> RcaDocument:
        asked = AnalysisRequest(request=request, bundle=bundle)
        baseline: RcaDocument = await workflow.execute_activity_method(
            RcaAnalysisActivities.analyze_incident, asked, **ANALYZE
        )
        asked.baseline.CopyFrom(baseline)
        try:
            document: RcaDocument = await workflow.execute_activity_method(
                RcaAnalysisActivities.draft_with_llm, asked, **LLM_DRAFT
            )
        except ActivityError as error:
            document = baseline
            document.llm.CopyFrom(
                LlmUsage(verdict="fallback", fallback_reason=f"LLM activity failed: {error.cause}")
            )
        top = document.hypotheses[0] if document.hypotheses else None
        self.ledger.record(
            "analysis.done",
            ("undetermined" if document.undetermined or top is None
             else f"{top.category} {top.subject} ({top.confidence})")
            + f" by the {document.analyzer} analyzer",
            {"analyzer": document.analyzer, "undetermined": document.undetermined,
             "claims": document.claims, "unsupported": document.unsupported_claims,
             "llm": document.llm.verdict, "bundle_hash": document.bundle_hash},
        )  # fmt: skip
        return document

    async def _review_until_final(
        self, request: RcaRequest, document: RcaDocument, plan: RcaReviewPlan
    ) -> None:
        every = timedelta(seconds=max(plan.deadline_seconds, 1))
        cap = request.limits.approval_timeout_seconds
        if cap > 0:
            every = min(every, timedelta(seconds=cap))
        deadline = workflow.now() + every
        self._board.open(document, plan, deadline)
        self._result.document.CopyFrom(self._board.document)
        self.ledger.set_risk(severity_name(request.severity))
        self._open_gate(plan, every)
        self.ledger.enter("in_review")
        self.ledger.record(
            "review.requested",
            f"{plan.approvals_required} approval(s) needed from "
            f"{', '.join(plan.reviewers) or 'any approver'}; deadline in {every}",
            {"reviewers": list(plan.reviewers), "required": plan.approvals_required,
             "escalate_to": plan.escalate_to},
        )  # fmt: skip
        await self._save()
        self._asking = workflow.start_activity_method(
            SlackActivities.post_approval_request, self._slack_request(plan, deadline), **SLACK_CALL
        )
        while not self.approval.approved:
            if self.approval.state.status == APPROVAL_STATUS_REJECTED:
                who = ", ".join(v.vote.approver for v in self.approval.state.votes)
                self._end(RCA_OUTCOME_ABANDONED, f"rejected by {who}; request changes instead")
                self._board.abandon()
                self.ledger.enter("abandoned")
                await self._save()
                return
            seen = self._board.changes
            remaining = max(deadline - workflow.now(), timedelta(seconds=1))
            try:
                await workflow.wait_condition(
                    lambda seen=seen: (
                        self.approval.approved  # type: ignore[misc]
                        or self.approval.state.status == APPROVAL_STATUS_REJECTED
                        or self._board.changes != seen
                    ),
                    timeout=remaining,
                )
            except TimeoutError:
                await self._escalate(plan, every)
                deadline = workflow.now() + every
                continue
            if self._board.changes != seen:
                await self._save()
        await self._finalize()

    def _open_gate(self, plan: RcaReviewPlan, every: timedelta) -> None:
        self.approval.open(
            required=max(plan.approvals_required, 1),
            requested_by=self._request.requested_by,
            allowed_roles=[],
            allowed_approvers=list(plan.reviewers),
            timeout=every,
            summary=self._board.document.title,
        )

    def _reopen(self, why: str) -> None:
        self._open_gate(
            self._board.review.plan, timedelta(seconds=max(self.limits.approval_timeout_seconds, 1))
        )
        self.ledger.enter("in_review")
        self.ledger.record("review.reopened", why)

    async def _escalate(self, plan: RcaReviewPlan, every: timedelta) -> None:
        """The review is overdue: say so to the escalation target (and the reviewers again)."""
        number = len(self._board.review.escalations) + 1
        notified = False
        request = self._slack_request(plan, workflow.now() + every, escalation=number)
        try:
            posted: SlackMessageRef = await workflow.execute_activity_method(
                SlackActivities.post_approval_request, request, **SLACK_CALL
            )
            notified = posted.posted
        except ActivityError as error:
            self.ledger.record("review.escalation_failed", f"Slack refused: {error.cause}")
        self._board.review.escalations.append(
            RcaEscalation(
                at=self._board.review.deadline, to=plan.escalate_to, notified=notified,
                reason=f"no final approval within {every} (escalation {number})",
            )
        )  # fmt: skip
        self._board.changes += 1
        self.ledger.record(
            "review.escalated",
            f"review overdue: escalated to {plan.escalate_to or 'the approvers'} "
            + ("in Slack" if notified else "(Slack not configured: recorded on the run only)"),
            {"escalation": number, "to": plan.escalate_to, "notified": notified},
        )
        self._board.review.deadline.FromDatetime(workflow.now() + every)
        await self._save()

    async def _finalize(self) -> None:
        """Exactly once: the document becomes final and immutable; later votes are refused."""
        self._board.finalize(workflow.now())
        self._end(RCA_OUTCOME_FINAL, f"approved by {', '.join(self._approvers())}")
        self.ledger.enter(FINAL)
        self.ledger.record(
            "rca.final",
            f"final at version {self._board.document.version}, approved by "
            f"{', '.join(self._approvers())}",
            {"version": self._board.document.version, "approvers": self._approvers()},
        )
        self.ledger.step_done("review")
        await self._save()
        if self._asking is not None:
            try:
                await self._asking
                await workflow.execute_activity_method(
                    SlackActivities.post_run_outcome,
                    SlackOutcomeNote(
                        workflow_id=workflow.info().workflow_id,
                        run_id=workflow.info().run_id,
                        gate_key=REVIEW_GATE,
                        outcome="final",
                        reason=self._result.reason,
                    ),
                    **SLACK_CALL,
                )
            except ActivityError as error:
                self.ledger.record("slack.failed", f"Slack refused the outcome: {error.cause}")

    def _approvers(self) -> list[str]:
        return [v.vote.approver for v in self.approval.state.votes]

    def _end(self, outcome: int, reason: str) -> None:
        self._result.outcome = outcome  # type: ignore[assignment]
        self._result.reason = reason

    def _review(self) -> RcaReview:
        review = self._board.snapshot()
        review.approval.CopyFrom(self.approval.state)
        return review

    async def _save(self) -> None:
        await workflow.execute_activity_method(
            RcaRecordActivities.save_rca,
            RcaRecordWrite(
                rca_id=workflow.info().workflow_id,
                run_id=workflow.info().run_id,
                tenant=self._request.tenant,
                document=self._board.document,
                review=self._review(),
            ),
            **STORE_WRITE,
        )

    def _slack_request(
        self, plan: RcaReviewPlan, deadline: datetime, *, escalation: int = 0
    ) -> SlackApprovalRequest:
        document = self._board.document
        top = document.hypotheses[0] if document.hypotheses else None
        request = SlackApprovalRequest(
            workflow_id=workflow.info().workflow_id,
            run_id=workflow.info().run_id,
            gate_key=f"{REVIEW_GATE}-escalation-{escalation}" if escalation else REVIEW_GATE,
            service=document.service,
            namespace=document.namespace,
            # Escalations route by the "risk:escalation" channel override, when one is set.
            risk="escalation" if escalation else severity_name(self._request.severity),
            summary=(f"OVERDUE RCA review (escalation {escalation}, to {plan.escalate_to}): "
                     if escalation else "RCA draft to review: ") + document.title,
            why="undetermined: evidence is missing" if document.undetermined or top is None
            else f"{top.category}: {top.statement} ({top.confidence} confidence)",
            required_approvals=max(plan.approvals_required, 1),
            requested_by=self._request.requested_by,
            kind=KIND,
        )  # fmt: skip
        request.deadline.FromDatetime(deadline)
        return request
