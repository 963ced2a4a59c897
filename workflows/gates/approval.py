"""The approval gate: a durable wait for N-of-M approvals.

Votes arrive through a Temporal Update. The validator refuses bad votes before
they reach workflow history, so a refused vote leaves no trace in the run and
the caller gets the refusal as an error with a precise type. Role checks that
need outside data (keys, OPA) happen in the API before the Update is sent; the
validator re-checks what it can from the vote itself.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from google.protobuf.timestamp_pb2 import Timestamp

    from kaizen.v1.approval_pb2 import (
        APPROVAL_DECISION_APPROVE,
        APPROVAL_DECISION_REJECT,
        APPROVAL_STATUS_APPROVED,
        APPROVAL_STATUS_NOT_REQUIRED,
        APPROVAL_STATUS_PENDING,
        APPROVAL_STATUS_REJECTED,
        APPROVAL_STATUS_TIMED_OUT,
        APPROVAL_STATUS_WITHDRAWN,
        ApprovalState,
        ApprovalVote,
        RecordedVote,
    )

# Error types the API maps to HTTP statuses (403 for the first two, 409 for the rest).
SELF_APPROVAL: Final = "SelfApproval"
APPROVER_NOT_ALLOWED: Final = "ApproverNotAllowed"
DUPLICATE_VOTE: Final = "DuplicateVote"
NOTHING_PENDING: Final = "NothingPending"
INVALID_VOTE: Final = "InvalidVote"


class ApprovalGate:
    """N-of-M approval with a veto: one rejection decides the gate."""

    def __init__(self) -> None:
        self._state = ApprovalState(status=APPROVAL_STATUS_NOT_REQUIRED)

    @property
    def state(self) -> ApprovalState:
        snapshot = ApprovalState()
        snapshot.CopyFrom(self._state)
        return snapshot

    @property
    def pending(self) -> bool:
        return self._state.status == APPROVAL_STATUS_PENDING

    @property
    def approved(self) -> bool:
        return self._state.status == APPROVAL_STATUS_APPROVED

    def open(
        self,
        *,
        required: int,
        requested_by: str,
        allowed_roles: list[str],
        allowed_approvers: list[str],
        timeout: timedelta,
        summary: str,
    ) -> None:
        """Start asking. Earlier votes (from a previous gate of the same run) are kept."""
        deadline = Timestamp()
        deadline.FromDatetime(workflow.now() + timeout)
        self._state.status = APPROVAL_STATUS_PENDING
        self._state.required = max(required, 1)
        self._state.requested_by = requested_by
        del self._state.allowed_roles[:]
        self._state.allowed_roles.extend(allowed_roles)
        del self._state.allowed_approvers[:]
        self._state.allowed_approvers.extend(allowed_approvers)
        self._state.deadline.CopyFrom(deadline)
        self._state.summary = summary

    def check(self, vote: ApprovalVote) -> None:
        """Refuse a vote that must not count. Runs in the Update validator: no state change."""
        if self._is_redelivery(vote):
            return
        if vote.decision not in (APPROVAL_DECISION_APPROVE, APPROVAL_DECISION_REJECT):
            raise ApplicationError("decision must be approve or reject", type=INVALID_VOTE)
        if not vote.approver:
            raise ApplicationError("approver is required", type=INVALID_VOTE)
        if self._state.status != APPROVAL_STATUS_PENDING:
            raise ApplicationError("this run has no pending approval", type=NOTHING_PENDING)
        if vote.approver == self._state.requested_by:
            raise ApplicationError(
                f"{vote.approver} requested this run and may not approve it", type=SELF_APPROVAL
            )
        if self._state.allowed_approvers and vote.approver not in self._state.allowed_approvers:
            raise ApplicationError(
                f"{vote.approver} is not among the approvers of this run",
                type=APPROVER_NOT_ALLOWED,
            )
        if self._state.allowed_roles and not set(vote.approver_roles) & set(
            self._state.allowed_roles
        ):
            raise ApplicationError(
                f"{vote.approver} holds none of the roles "
                f"{', '.join(self._state.allowed_roles)} this approval needs",
                type=APPROVER_NOT_ALLOWED,
            )
        if any(recorded.vote.approver == vote.approver for recorded in self._state.votes):
            raise ApplicationError(f"{vote.approver} has already voted", type=DUPLICATE_VOTE)

    def record(self, vote: ApprovalVote) -> ApprovalState:
        """Count a vote the validator accepted and decide the gate if it can be decided."""
        if self._is_redelivery(vote):
            return self.state
        at = Timestamp()
        at.FromDatetime(workflow.now())
        self._state.votes.append(RecordedVote(vote=vote, at=at))
        if vote.decision == APPROVAL_DECISION_APPROVE:
            self._state.approvals += 1
        else:
            self._state.rejections += 1
        if self._state.rejections > 0:
            self._state.status = APPROVAL_STATUS_REJECTED
        elif self._state.approvals >= self._state.required:
            self._state.status = APPROVAL_STATUS_APPROVED
        return self.state

    def withdraw(self, reason: str) -> None:
        """The run no longer needs this decision: end the wait; later votes are refused."""
        if self.pending:
            self._state.status = APPROVAL_STATUS_WITHDRAWN
            self._state.summary = reason

    async def wait(self, timeout: timedelta) -> ApprovalState:
        """Wait durably until decided; a timeout is recorded as a rejection, never silence."""
        try:
            await workflow.wait_condition(lambda: not self.pending, timeout=timeout)
        except TimeoutError:
            self._state.status = APPROVAL_STATUS_TIMED_OUT
        return self.state

    def _is_redelivery(self, vote: ApprovalVote) -> bool:
        return bool(vote.vote_id) and any(
            recorded.vote.vote_id == vote.vote_id for recorded in self._state.votes
        )


def is_rejection(state: ApprovalState) -> bool:
    return state.status in (APPROVAL_STATUS_REJECTED, APPROVAL_STATUS_TIMED_OUT)


def is_withdrawn(state: ApprovalState) -> bool:
    return state.status == APPROVAL_STATUS_WITHDRAWN
