"""Auto-promotion switches: on only when an admin turned them on, each change recorded."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Field, Session, SQLModel, col, select

from kaizen.contract.timestamps import to_timestamp
from kaizen.v1.promotion_pb2 import AutoPromotion


class AutoPromotionChange(SQLModel, table=True):
    """Append-only: the newest row of an environment is its switch's state."""

    __tablename__ = "auto_promotion_changes"

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(index=True)
    environment: str = Field(index=True)
    enabled: bool
    set_by: str
    set_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    reason: str = ""

    def to_message(self, *, declared: bool) -> AutoPromotion:
        return AutoPromotion(
            enabled=self.enabled and declared, declared=declared, set_by=self.set_by,
            set_at=to_timestamp(self.set_at), reason=self.reason,
        )  # fmt: skip


def set_switch(
    session: Session, *, tenant: str, environment: str, enabled: bool, by: str, reason: str
) -> AutoPromotionChange:
    row = AutoPromotionChange(
        tenant=tenant, environment=environment, enabled=enabled, set_by=by, reason=reason
    )
    session.add(row)
    session.flush()
    return row


def switch(session: Session, tenant: str, environment: str) -> AutoPromotionChange | None:
    return session.exec(
        select(AutoPromotionChange)
        .where(AutoPromotionChange.tenant == tenant, AutoPromotionChange.environment == environment)
        .order_by(col(AutoPromotionChange.id).desc())
    ).first()


def state(session: Session, tenant: str, environment: str, *, declared: bool) -> AutoPromotion:
    row = switch(session, tenant, environment)
    if row is None:
        return AutoPromotion(enabled=False, declared=declared)
    return row.to_message(declared=declared)
