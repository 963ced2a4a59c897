"""Adopting a GASI champion: a human decision through the shared approval gate, then a
pull-request-shaped output (the rules file as it would be, and its diff), never a silent
change of the user's rules."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Final

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.gasi.adoption import GasiAdoptionActivities
    from kaizen.v1.approval_pb2 import APPROVAL_DECISION_REJECT, ApprovalStatus
    from kaizen.v1.gasi_pb2 import (
        GasiAdoptionRequest,
        GasiAdoptionResult,
        GasiAdoptionWrite,
    )
    from workflows.gates import phases
    from workflows.gates.approval import is_rejection
    from workflows.gates.governed import GovernedRun
    from workflows.gates.presets import STORE_WRITE

ADOPTION_KIND: Final = "gasi_adoption"
APPROVER_ROLES: Final = ("approver", "admin")


@workflow.defn
class GasiAdoptionWorkflow(GovernedRun):
    """Asks for approval to adopt a champion; once approved, writes the file and its diff."""

    @workflow.init
    def __init__(self, request: GasiAdoptionRequest) -> None:
        self._setup(
            kind=ADOPTION_KIND,
            service=request.arena,
            namespace="",
            tenant=request.tenant,
            limits=request.limits,
        )

    @workflow.signal
    def requested(self, request: GasiAdoptionRequest) -> None:
        """Adoption asked again while this one waits: this run answers it."""
        self.ledger.record(
            "adoption.requested",
            f"asked again by {request.requested_by or 'unknown'}: this run answers it",
            {"requested_by": request.requested_by},
        )

    @workflow.run
    async def run(self, request: GasiAdoptionRequest) -> GasiAdoptionResult:
        champion = request.champion
        self.ledger.record(
            "run.started",
            f"adopt {champion.id} of {request.tournament}: {champion.summary}",
            {"requested_by": request.requested_by, "tournament": request.tournament,
             "champion": champion.id, "reason": request.reason},
        )  # fmt: skip
        self.ledger.set_risk("medium")
        try:
            result = await self._adopt(request)
        except asyncio.CancelledError:
            self.ledger.record("run.cancelled", "the adoption was cancelled; nothing written")
            self.ledger.enter(phases.CANCELLED)
            raise
        await workflow.wait_condition(workflow.all_handlers_finished)
        self.ledger.record("run.finished", result.reason, {"outcome": result.outcome})
        self.ledger.enter(phases.COMPLETED)
        result.events.extend(self.ledger.events)
        return result

    async def _adopt(self, request: GasiAdoptionRequest) -> GasiAdoptionResult:
        self.approval.open(
            required=request.approvals_required or 1,
            requested_by=request.requested_by,
            allowed_roles=list(APPROVER_ROLES),
            allowed_approvers=[],
            timeout=self.approval_timeout(),
            summary=f"adopt GASI champion {request.champion.id}: {request.champion.summary}",
        )
        self.ledger.enter(phases.AWAITING_APPROVAL)
        self.publish_pending_approval()
        self.ledger.record(
            "approval.requested",
            f"{request.approvals_required or 1} approval(s) needed to adopt the champion",
            {"required": request.approvals_required or 1, "roles": list(APPROVER_ROLES)},
        )
        state = await self.approval.wait(self.approval_timeout())
        self.publish_pending_approval()
        status = ApprovalStatus.Name(state.status).removeprefix("APPROVAL_STATUS_").lower()
        self.ledger.record("approval.decided", f"approval {status}", {"status": status})
        self.ledger.step_done("approval")
        if is_rejection(state):
            rejecters = [
                v.vote.approver for v in state.votes if v.vote.decision == APPROVAL_DECISION_REJECT
            ]
            reason = (
                f"rejected by {', '.join(rejecters)}"
                if rejecters
                else f"approval timed out after {self.approval_timeout()}"
            )
            return GasiAdoptionResult(outcome="rejected", reason=f"{reason}; nothing written")
        self.ledger.enter("writing")
        output = await workflow.execute_activity_method(
            GasiAdoptionActivities.write_gasi_adoption,
            GasiAdoptionWrite(
                request=request,
                adoption_id=workflow.info().workflow_id,
                approvers=[v.vote.approver for v in state.votes],
            ),
            **{**STORE_WRITE, "start_to_close_timeout": timedelta(seconds=30)},
        )
        self.ledger.record(
            "adoption.written",
            f"wrote {output.file} and its diff against {output.target} ({output.diff_file}); "
            "the rules file itself is unchanged until someone applies the diff",
            {"file": output.file, "diff_file": output.diff_file, "target": output.target},
        )
        self.ledger.step_done("write")
        return GasiAdoptionResult(
            outcome="adopted",
            reason=f"approved by {', '.join(v.vote.approver for v in state.votes)}; "
            f"proposal in {output.directory}",
            output=output,
        )
