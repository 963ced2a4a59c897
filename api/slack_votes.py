"""Turning Slack reactions and button presses into votes, with an audit row for each.

Casting runs after Slack got its answer (Slack retries requests not answered
within 3 seconds). Each outcome, counted vote or refusal, is counted in
``kaizen_slack_votes_total``; votes and signed refusals get an audit row each,
requests refused before they were read only a sampled one (anyone can send those).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Final

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import select

from activities.opa.client import PolicyClient
from api.metrics import SLACK_VOTES
from api.principal import Principal
from api.slack_payloads import BlockActions, ReactionEvent
from api.slack_refusal_sampling import RefusalSampler
from api.temporal_connection import TemporalConnection
from api.voting import VoteRefused, cast_vote
from kaizen.persistence.api_keys import ApiKey, Role
from kaizen.persistence.db import session_scope
from kaizen.persistence.slack import (
    audit,
    event_seen,
    message_for,
    principal_for_slack_user,
    record_event_once,
)
from kaizen.settings import Settings
from kaizen.v1.approval_pb2 import (
    APPROVAL_DECISION_APPROVE,
    APPROVAL_DECISION_REJECT,
    ApprovalVote,
)
from workflows.gates import approval

log = logging.getLogger("kaizen.api")

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
        sampler: RefusalSampler,
    ) -> None:
        self._settings = settings
        self._engine = engine
        self._temporal = temporal
        self._policy = policy
        self._sampler = sampler

    def reaction_vote(self, event_id: str, event: ReactionEvent, bot_user: str) -> SlackVote | None:
        """The vote a ``reaction_added`` event carries, or None when it is not one."""
        decision = {
            self._settings.slack_approve_reaction: APPROVAL_DECISION_APPROVE,
            self._settings.slack_reject_reaction: APPROVAL_DECISION_REJECT,
        }.get(event.reaction)
        if decision is None or event.user == bot_user or event.item.type != "message":
            SLACK_VOTES.labels("ignored").inc()
            return None
        workflow_id = self._workflow_for(event.item.channel, event.item.ts)
        if workflow_id is None:
            SLACK_VOTES.labels("ignored").inc()  # a reaction on some other message
            return None
        return SlackVote(
            event_id=event_id,
            slack_user=event.user,
            workflow_id=workflow_id,
            decision=decision,
            how=f":{event.reaction}: reaction",
        )

    def button_vote(self, press: BlockActions) -> SlackVote | None:
        """The vote a ``block_actions`` press carries, or None when it is not Kaizen's."""
        if not press.actions:
            return None
        action = press.actions[0]
        decision = BUTTON_DECISIONS.get(action.action_id)
        workflow_id = self._workflow_for(press.container.channel_id, press.container.message_ts)
        # The button's value must name the run the message was posted for.
        if decision is None or workflow_id is None or action.value != workflow_id:
            SLACK_VOTES.labels("ignored").inc()
            return None
        return SlackVote(
            event_id=f"interaction-{press.trigger_id}",
            slack_user=press.user.id,
            workflow_id=workflow_id,
            decision=decision,
            how="button",
        )

    def already_done(self, event_id: str) -> bool:
        """Whether an earlier delivery of this event finished its work."""
        with session_scope(self._engine) as session:
            return event_seen(session, event_id)

    def done(self, event_id: str) -> None:
        """Remember the event as finished: from now on a redelivery is only a duplicate."""
        with session_scope(self._engine) as session:
            record_event_once(session, event_id)

    async def vote(self, vote: SlackVote) -> None:
        """Cast the vote and audit its outcome; only then is the event done.

        A failure before that leaves the event open, so a redelivery casts it again; the
        vote id (``slack-<event id>``) lets the approval gate count it once either way.
        """
        await self._cast(vote)
        self.done(vote.event_id)

    async def _cast(self, vote: SlackVote) -> None:
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
        """A signed request that never became a vote (a redelivery, a removed reaction)."""
        with session_scope(self._engine) as session:
            audit(session, kind="refusal", reason=reason, detail=detail, **vote_like)
        SLACK_VOTES.labels(reason).inc()

    def refuse(self, reason: str, detail: str) -> None:
        """A request refused unread (bad signature, stale, malformed): always counted,
        audited only when the sampler admits it, and never an error of its own."""
        SLACK_VOTES.labels(reason).inc()
        left_out = self._sampler.admit(reason)
        if left_out is None:
            return
        if left_out:
            detail += f" ({left_out} more refused for this reason since the last row)"
        try:
            with session_scope(self._engine) as session:
                audit(session, kind="refusal", reason=reason, detail=detail)
        except SQLAlchemyError as error:  # the refusal stands; the metric has counted it
            log.warning("could not audit a refused Slack request (%s): %s", reason, error)

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
