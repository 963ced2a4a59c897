"""Casting a vote, the same way from every channel (API, Slack).

OPA (``policies/kaizen/approval/``) has the last word on who may approve what;
the workflow's Update validator then re-checks what the run itself knows (the
vote is pending, the voter has not voted). Either refusal comes back as a
``VoteRefused`` with a type the API maps to 403/409 and Slack records in its
audit table.
"""

from __future__ import annotations

from dataclasses import dataclass

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from activities.opa.client import PolicyClient
from api.principal import Principal
from kaizen.v1.approval_pb2 import ApprovalState, ApprovalVote
from kaizen.v1.run_pb2 import RunStatus
from workflows.gates import approval
from workflows.gates.governed import GovernedRun

APPROVAL_POLICY_PACKAGE = "kaizen.approval"


class VoteRefused(Exception):
    """The vote does not count; ``reason`` is one of the approval gate's error types."""

    def __init__(self, reason: str, message: str, decision_id: str = "") -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.decision_id = decision_id


@dataclass(frozen=True)
class CountedVote:
    state: ApprovalState
    decision_id: str


async def cast_vote(
    client: Client,
    policy: PolicyClient,
    *,
    run_id: str,
    principal: Principal,
    vote: ApprovalVote,
) -> CountedVote:
    """Check ``vote`` with OPA, then send it as the approval Update (deduplicated by vote id)."""
    handle = client.get_workflow_handle(run_id)
    status: RunStatus = await handle.query(GovernedRun.status)
    pending = status.pending_approval
    if not status.HasField("pending_approval") or not pending.required:
        raise VoteRefused(approval.NOTHING_PENDING, "this run has no pending approval")
    answer = await policy.decide(
        APPROVAL_POLICY_PACKAGE,
        "decision",
        {
            "approver": principal.name,
            "approver_roles": principal.roles,
            "requested_by": pending.requested_by,
            "source": vote.source,
            "run": {"service": status.service, "namespace": status.namespace, "risk": status.risk},
        },
    )
    decision = answer.result if isinstance(answer.result, dict) else {}
    if not decision.get("allowed", False):
        reasons = [str(r) for r in decision.get("reasons", [])] or ["approval policy undefined"]
        reason = (
            approval.SELF_APPROVAL
            if principal.name == pending.requested_by
            else approval.APPROVER_NOT_ALLOWED
        )
        raise VoteRefused(reason, "; ".join(reasons), answer.decision_id)
    vote.approver = principal.name
    del vote.approver_roles[:]
    vote.approver_roles.extend(principal.roles)
    try:
        state = await handle.execute_update(GovernedRun.submit_approval, vote, id=vote.vote_id)
    except WorkflowUpdateFailedError as error:
        cause = error.cause
        if isinstance(cause, ApplicationError) and cause.type:
            raise VoteRefused(cause.type, cause.message, answer.decision_id) from error
        raise
    return CountedVote(state=state, decision_id=answer.decision_id)
