"""What Kaizen remembers about Slack: linked users, approval messages, events, the audit trail.

An approval message row is claimed before anything is posted (unique per run and gate), so a
retried activity finds the claim and never posts a second request; the row then maps Slack's
(channel, ts) back to the run when a reaction or a button press arrives.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from sqlalchemy import UniqueConstraint, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

AUDIT_KINDS: Final = ("vote", "refusal")
"""A vote reached the run; a refusal did not (and changed nothing)."""
AUDIT_REASONS: Final = (
    "accepted",
    "bad_signature",
    "stale",
    "unknown_user",
    "not_allowed",
    "self_approval",
    "duplicate",
    "nothing_pending",
    "ignored",
    "reaction_removed",
    "malformed",
)
"""The reasons the Slack handlers record; a fixed set, so metrics keep a bounded label set."""


class SlackLinkError(Exception):
    """A link that cannot be made: the Slack user already speaks for another principal."""


class SlackUserLink(SQLModel, table=True):
    """Which Slack user speaks for which Kaizen principal (one each way)."""

    __tablename__ = "slack_user_links"

    id: int | None = Field(default=None, primary_key=True)
    principal: str = Field(unique=True, index=True)
    slack_user_id: str = Field(unique=True, index=True)
    linked_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class SlackApprovalMessage(SQLModel, table=True):
    """One approval request in Slack: claimed, then posted, then decided, then closed."""

    __tablename__ = "slack_approval_messages"
    __table_args__ = (
        UniqueConstraint("workflow_id", "run_id", "gate_key", name="uq_slack_message_gate"),
        # ts stays NULL until posted, and NULLs never collide: claims can share a channel.
        UniqueConstraint("channel", "ts", name="uq_slack_message_ts"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workflow_id: str = Field(index=True)
    run_id: str
    gate_key: str
    channel: str
    """The configured channel while claimed; the id Slack answered with once posted."""
    ts: str | None = None
    request_json: str = ""
    """The SlackApprovalRequest as proto JSON: the decided rendering is drawn from it."""
    claimed_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    posted_at: datetime | None = None
    decided_at: datetime | None = None
    decision: str = ""
    """The ApprovalStatus name the message was last updated with."""
    outcome_claimed_at: datetime | None = None
    outcome_ts: str | None = None
    outcome_posted_at: datetime | None = None

    @property
    def posted(self) -> bool:
        return self.ts is not None


class SlackEventSeen(SQLModel, table=True):
    """Slack event ids whose work is done: a redelivery after that counts once.

    Written when the work ends, never when it starts: a delivery that failed half-way
    (Slack's API or the database unreachable) leaves no row, so Slack's retry does the work.
    """

    __tablename__ = "slack_events_seen"

    event_id: str = Field(primary_key=True)
    seen_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class SlackAudit(SQLModel, table=True):
    """Every vote and every refusal that came through Slack."""

    __tablename__ = "slack_audit"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=lambda: datetime.now(UTC), index=True)
    event_id: str = ""
    kind: str = Field(index=True)
    reason: str = Field(index=True)
    slack_user: str = ""
    principal: str = ""
    workflow_id: str = Field(default="", index=True)
    run_id: str = ""
    decision: str = ""
    opa_decision_id: str = ""
    detail: str = ""


# -- users -----------------------------------------------------------------------------------


def link_user(session: Session, *, principal: str, slack_user_id: str) -> SlackUserLink:
    """Link (or re-link) ``principal`` to a Slack user; one Slack user speaks for one principal."""
    if not principal or not slack_user_id:
        raise SlackLinkError("both a principal name and a Slack user id are required")
    holder = session.exec(
        select(SlackUserLink).where(SlackUserLink.slack_user_id == slack_user_id)
    ).first()
    if holder is not None and holder.principal != principal:
        raise SlackLinkError(
            f"Slack user {slack_user_id} is already linked to {holder.principal!r}"
        )
    if holder is not None:
        return holder
    link = session.exec(select(SlackUserLink).where(SlackUserLink.principal == principal)).first()
    if link is None:
        link = SlackUserLink(principal=principal, slack_user_id=slack_user_id)
    else:
        link.slack_user_id, link.linked_at = slack_user_id, datetime.now(UTC)
    session.add(link)
    session.flush()
    return link


def principal_for_slack_user(session: Session, slack_user_id: str) -> str | None:
    return session.exec(
        select(SlackUserLink.principal).where(SlackUserLink.slack_user_id == slack_user_id)
    ).first()


def slack_user_for_principal(session: Session, principal: str) -> str | None:
    return session.exec(
        select(SlackUserLink.slack_user_id).where(SlackUserLink.principal == principal)
    ).first()


# -- approval messages -----------------------------------------------------------------------


def record_message_once(
    session: Session,
    *,
    workflow_id: str,
    run_id: str,
    gate_key: str,
    channel: str,
    request_json: str = "",
) -> tuple[SlackApprovalMessage, bool]:
    """Claim the message for this run and gate: (the row, True) when this call created it,
    (the existing row, False) when an earlier attempt did."""
    existing = message_for_run(session, workflow_id, run_id, gate_key)
    if existing is not None:
        return existing, False
    claim = SlackApprovalMessage(
        workflow_id=workflow_id,
        run_id=run_id,
        gate_key=gate_key,
        channel=channel,
        request_json=request_json,
    )
    try:
        with session.begin_nested():
            session.add(claim)
    except IntegrityError:  # a concurrent attempt claimed it first
        winner = message_for_run(session, workflow_id, run_id, gate_key)
        if winner is None:
            raise
        return winner, False
    return claim, True


def record_posted(
    session: Session, message_id: int, *, channel: str, ts: str
) -> SlackApprovalMessage:
    """Fill in where Slack put the message (the channel id it answered with, and the ts)."""
    message = _by_id(session, message_id)
    message.channel, message.ts, message.posted_at = channel, ts, datetime.now(UTC)
    session.add(message)
    session.flush()
    return message


def record_decided(session: Session, message_id: int, *, decision: str) -> SlackApprovalMessage:
    message = _by_id(session, message_id)
    message.decided_at, message.decision = datetime.now(UTC), decision
    session.add(message)
    session.flush()
    return message


def claim_outcome(session: Session, message_id: int) -> bool:
    """Mark the outcome reply as being posted; False when an earlier attempt already did."""
    result = session.execute(
        update(SlackApprovalMessage)
        .where(
            col(SlackApprovalMessage.id) == message_id,
            col(SlackApprovalMessage.outcome_claimed_at).is_(None),
        )
        .values(outcome_claimed_at=datetime.now(UTC))
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def record_outcome_posted(session: Session, message_id: int, *, ts: str) -> SlackApprovalMessage:
    message = _by_id(session, message_id)
    message.outcome_ts, message.outcome_posted_at = ts, datetime.now(UTC)
    session.add(message)
    session.flush()
    return message


def message_for(session: Session, channel: str, ts: str) -> SlackApprovalMessage | None:
    """The approval message at Slack's (channel id, ts), if Kaizen posted one there."""
    return session.exec(
        select(SlackApprovalMessage).where(
            SlackApprovalMessage.channel == channel, SlackApprovalMessage.ts == ts
        )
    ).first()


def message_for_run(
    session: Session, workflow_id: str, run_id: str, gate_key: str
) -> SlackApprovalMessage | None:
    return session.exec(
        select(SlackApprovalMessage).where(
            SlackApprovalMessage.workflow_id == workflow_id,
            SlackApprovalMessage.run_id == run_id,
            SlackApprovalMessage.gate_key == gate_key,
        )
    ).first()


def _by_id(session: Session, message_id: int) -> SlackApprovalMessage:
    message = session.get(SlackApprovalMessage, message_id)
    if message is None:
        raise LookupError(f"no Slack approval message with id {message_id}")
    return message


# -- redelivery and audit --------------------------------------------------------------------


def event_seen(session: Session, event_id: str) -> bool:
    return session.get(SlackEventSeen, event_id) is not None


def record_event_once(session: Session, event_id: str) -> bool:
    """Remember the event as done; False when it already was (a delivery raced this one)."""
    if event_seen(session, event_id):
        return False
    try:
        with session.begin_nested():
            session.add(SlackEventSeen(event_id=event_id))
    except IntegrityError:  # the other delivery got here first
        return False
    return True


def audit(
    session: Session,
    *,
    kind: str,
    reason: str,
    event_id: str = "",
    slack_user: str = "",
    principal: str = "",
    workflow_id: str = "",
    run_id: str = "",
    decision: str = "",
    opa_decision_id: str = "",
    detail: str = "",
) -> SlackAudit:
    """Write one audit row; ``kind`` and ``reason`` must come from the fixed sets above."""
    if kind not in AUDIT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(AUDIT_KINDS)}, not {kind!r}")
    if reason not in AUDIT_REASONS:
        raise ValueError(f"reason must be one of {', '.join(AUDIT_REASONS)}, not {reason!r}")
    entry = SlackAudit(
        kind=kind,
        reason=reason,
        event_id=event_id,
        slack_user=slack_user,
        principal=principal,
        workflow_id=workflow_id,
        run_id=run_id,
        decision=decision,
        opa_decision_id=opa_decision_id,
        detail=detail,
    )
    session.add(entry)
    session.flush()
    return entry


def recent_audit(session: Session, *, limit: int = 100) -> list[SlackAudit]:
    """Newest first."""
    query = select(SlackAudit).order_by(col(SlackAudit.id).desc()).limit(limit)
    return list(session.exec(query))
