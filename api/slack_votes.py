"""Turning Slack reactions and button presses into votes, with an audit row for each.

Everything here runs after Slack got its answer (Slack retries requests not
answered within 3 seconds). Each outcome, counted vote or refusal, is written
to the audit table and counted in ``kaizen_slack_votes_total``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy.engine import Engine
from sqlmodel import select

from activities.opa.client import PolicyClient
from api.metrics import SLACK_VOTES
from api.principal import Principal
from api.temporal_connection import TemporalConnection
from api.voting import VoteRefused, cast_vote
from kaizen.persistence.api_keys import ApiKey, Role
from kaizen.persistence.db import session_scope
from kaizen.persistence.slack import audit, message_for, principal_for_slack_user
from kaizen.settings import Settings
from kaizen.v1.approval_pb2 import (
    APPROVAL_DECISION_APPROVE,
    APPROVAL_DECISION_REJECT,
    ApprovalVote,
)
from workflows.gates import approval

APPROVE_ACTION: Final = "kaizen_approve"
REJECT_ACTION: Final = "kaizen_reject"
BUTTON_DECISIONS: Final = {
    APPROVE_ACTION: APPROVAL_DECISION_APPROVE,
    REJECT_ACTION: APPROVAL_DECISION_REJECT,
}
REFUSAL_REASONS: Final = {
    approval.SELF_APPROVAL: "self_approval",
    approval.APPROVER_NOT_ALLOWED: "not_allowed",
    approval.DUPLICATE_VOTE: "duplicate",
    approval.NOTHING_PENDING: "nothing_pending",
    approval.INVALID_VOTE: "ignored",
}


@dataclass(frozen=True)
class SlackVote:
    """One approve/reject gesture in Slack, on a message Kaizen posted."""

    event_id: str
    slack_user: str
    workflow_id: str
    decision: int
    how: str


class SlackVoteProcessor:
    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        temporal: TemporalConnection,
        policy: PolicyClient,
    ) -> None:
        self._settings = settings
        self._engine = engine
        self._temporal = temporal
        self._policy = policy

    def reaction_vote(self, envelope: dict[str, Any], bot_user: str) -> SlackVote | None:
        """The vote a ``reaction_added`` event carries, or None when it is not one."""
        event = envelope.get("event") or {}
        item = event.get("item") or {}
        decision = {
            self._settings.slack_approve_reaction: APPROVAL_DECISION_APPROVE,
            self._settings.slack_reject_reaction: APPROVAL_DECISION_REJECT,
        }.get(str(event.get("reaction", "")))
        if decision is None or event.get("user") == bot_user or item.get("type") != "message":
            SLACK_VOTES.labels("ignored").inc()
            return None
        workflow_id = self._workflow_for(str(item.get("channel", "")), str(item.get("ts", "")))
        if workflow_id is None:
            SLACK_VOTES.labels("ignored").inc()  # a reaction on some other message
            return None
        return SlackVote(
            event_id=str(envelope.get("event_id", "")),
            slack_user=str(event.get("user", "")),
            workflow_id=workflow_id,
            decision=decision,
            how=f":{event.get('reaction')}: reaction",
        )

    def button_vote(self, payload: dict[str, Any]) -> SlackVote | None:
        """The vote a ``block_actions`` press carries, or None when it is not Kaizen's."""
        actions = payload.get("actions") or []
        container = payload.get("container") or {}
        if not actions:
            return None
        action = actions[0]
        decisions = {
            APPROVE_ACTION: APPROVAL_DECISION_APPROVE,
            REJECT_ACTION: APPROVAL_DECISION_REJECT,
        }
        decision = decisions.get(str(action.get("action_id")))
        workflow_id = self._workflow_for(
            str(container.get("channel_id", "")), str(container.get("message_ts", ""))
        )
        # The button's value must name the run the message was posted for.
        if decision is None or workflow_id is None or action.get("value") != workflow_id:
            SLACK_VOTES.labels("ignored").inc()
            return None
        return SlackVote(
            event_id=f"interaction-{payload.get('trigger_id', '')}",
            slack_user=str((payload.get("user") or {}).get("id", "")),
            workflow_id=workflow_id,
            decision=decision,
            how="button",
        )

    async def vote(self, vote: SlackVote) -> None:
        """Check who is voting, then cast the vote as the API would; audit either way."""
        principal = self._principal(vote.slack_user)
        if principal is None:
            self._audit(vote, "refusal", "unknown_user", "no Kaizen principal is linked")
            return
        if not principal.has(Role.approver):
            self._audit(
                vote, "refusal", "not_allowed", f"{principal.name} is {principal.role.name}",
                principal=principal.name,
            )  # fmt: skip
            return
        ballot = ApprovalVote(
            decision=vote.decision,  # type: ignore[arg-type]
            vote_id=f"slack-{vote.event_id}",
            source="slack",
            comment=f"via Slack ({vote.how})",
        )
        client = await self._temporal.client()
        try:
            counted = await cast_vote(
                client, self._policy, run_id=vote.workflow_id, principal=principal, vote=ballot
            )
        except VoteRefused as refused:
            self._audit(
                vote, "refusal", REFUSAL_REASONS.get(refused.reason, "not_allowed"),
                refused.message, principal=principal.name, decision_id=refused.decision_id,
            )  # fmt: skip
            return
        self._audit(
            vote, "vote", "accepted", f"approval now {counted.state.approvals}/"
            f"{counted.state.required}", principal=principal.name,
            decision_id=counted.decision_id,
        )  # fmt: skip

    def note(self, vote_like: dict[str, str], reason: str, detail: str) -> None:
        """A refusal that never became a vote (bad signature, redelivery, removed reaction)."""
        with session_scope(self._engine) as session:
            audit(session, kind="refusal", reason=reason, detail=detail, **vote_like)
        SLACK_VOTES.labels(reason).inc()

    def _workflow_for(self, channel: str, ts: str) -> str | None:
        with session_scope(self._engine) as session:
            message = message_for(session, channel, ts)
            return message.workflow_id if message is not None else None

    def _principal(self, slack_user: str) -> Principal | None:
        with session_scope(self._engine) as session:
            name = principal_for_slack_user(session, slack_user)
            if name is None:
                return None
            key = session.exec(
                select(ApiKey).where(ApiKey.name == name, ApiKey.revoked_at == None)  # noqa: E711
            ).first()
            return Principal(name=name, role=Role.parse(key.role)) if key is not None else None

    def _audit(
        self,
        vote: SlackVote,
        kind: str,
        reason: str,
        detail: str,
        *,
        principal: str = "",
        decision_id: str = "",
    ) -> None:
        with session_scope(self._engine) as session:
            audit(
                session, kind=kind, reason=reason, event_id=vote.event_id,
                slack_user=vote.slack_user, principal=principal, workflow_id=vote.workflow_id,
                decision="approve" if vote.decision == APPROVAL_DECISION_APPROVE else "reject",
                opa_decision_id=decision_id, detail=detail,
            )  # fmt: skip
        SLACK_VOTES.labels(reason).inc()
