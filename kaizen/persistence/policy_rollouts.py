"""How each policy rollout ended: the fleet's history and the source of its metrics."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Field, Session, SQLModel, col, select

from kaizen.v1.policy_rollout_pb2 import PolicyRolloutRecord


class PolicyRolloutRow(SQLModel, table=True):
    __tablename__ = "policy_rollouts"

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(unique=True)
    """One row per run: a retried recording activity finds its own row."""
    tenant: str = Field(index=True)
    fleet: str = Field(index=True)
    version_id: str
    mode: str
    outcome: str = Field(index=True)
    reason: str = ""
    nodes: int = 0
    convergence_ms: float = 0.0
    disagreement_ms: float = 0.0
    preview_changed: int = 0
    preview_allow_to_deny: int = 0
    preview_deny_to_allow: int = 0
    seconds: float = 0.0
    recorded_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


def record(session: Session, message: PolicyRolloutRecord) -> PolicyRolloutRow:
    existing = session.exec(
        select(PolicyRolloutRow).where(PolicyRolloutRow.run_id == message.run_id)
    ).first()
    if existing is not None:
        return existing
    row = PolicyRolloutRow(
        run_id=message.run_id, tenant=message.tenant, fleet=message.fleet,
        version_id=message.version_id, mode=message.mode, outcome=message.outcome,
        reason=message.reason, nodes=message.nodes, convergence_ms=message.convergence_ms,
        disagreement_ms=message.disagreement_ms, preview_changed=message.preview_changed,
        preview_allow_to_deny=message.preview_allow_to_deny,
        preview_deny_to_allow=message.preview_deny_to_allow, seconds=message.seconds,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


def history(session: Session, tenant: str, fleet: str | None = None) -> list[PolicyRolloutRow]:
    query = select(PolicyRolloutRow).where(PolicyRolloutRow.tenant == tenant)
    if fleet:
        query = query.where(PolicyRolloutRow.fleet == fleet)
    return list(session.exec(query.order_by(col(PolicyRolloutRow.id))))
