"""How each promotion ended: the source of the promotion metrics (one row per run)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlmodel import Field, Session, SQLModel, select

from kaizen.v1.promotion_pb2 import PromotionOutcomeRecord


class PromotionOutcome(SQLModel, table=True):
    __tablename__ = "promotion_outcomes"

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(unique=True)
    tenant: str = Field(index=True)
    environment: str = Field(index=True)
    service: str
    build_id: str
    outcome: str
    deny_json: str = "[]"
    """The gate's deny reasons at its last evaluation."""
    deny_codes_json: str = "[]"
    """Every criterion the gate denied on during the run (stable names)."""
    analyses_json: str = "[]"
    """Each analysis as "<kind>:<phase>"."""
    seconds: float = 0.0
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    def deny(self) -> list[str]:
        found: list[str] = json.loads(self.deny_json)
        return found

    def deny_codes(self) -> list[str]:
        found: list[str] = json.loads(self.deny_codes_json)
        return found

    def analyses(self) -> list[str]:
        found: list[str] = json.loads(self.analyses_json)
        return found


def record_outcome(session: Session, record: PromotionOutcomeRecord) -> None:
    if session.exec(
        select(PromotionOutcome).where(PromotionOutcome.run_id == record.run_id)
    ).first():
        return
    session.add(
        PromotionOutcome(
            run_id=record.run_id, tenant=record.tenant, environment=record.environment,
            service=record.service, build_id=record.build_id, outcome=record.outcome,
            deny_json=json.dumps(list(record.deny)),
            deny_codes_json=json.dumps(list(record.deny_codes)),
            analyses_json=json.dumps(list(record.analyses)),
            seconds=record.seconds,
        )
    )  # fmt: skip


def outcomes(session: Session, tenant: str) -> list[PromotionOutcome]:
    return list(session.exec(select(PromotionOutcome).where(PromotionOutcome.tenant == tenant)))
