"""Freezes: stop-the-line switches by scope (global, an environment, a service)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from sqlmodel import Field, Session, SQLModel, col, or_, select

from kaizen.contract.timestamps import to_timestamp
from kaizen.v1.freeze_pb2 import Freeze

SCOPES = ("global", "environment", "service")


class FreezeRow(SQLModel, table=True):
    __tablename__ = "freezes"

    id: str = Field(primary_key=True)
    tenant: str = Field(index=True)
    scope: str
    target: str = ""
    reason: str
    created_by: str
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    until: datetime | None = None
    lifted_at: datetime | None = None
    lifted_by: str | None = None
    exempt_runs_json: str = "[]"
    """Workflow ids an admin exempted, with who and why: [{"run", "by", "reason", "at"}]."""

    def exemptions(self) -> list[dict[str, str]]:
        found: list[dict[str, str]] = json.loads(self.exempt_runs_json or "[]")
        return found

    def is_active(self, at: datetime) -> bool:
        return self.lifted_at is None and (self.until is None or at < _aware(self.until))

    def covers(self, *, service: str, environment: str) -> bool:
        return (
            self.scope == "global"
            or (self.scope == "service" and self.target == service)
            or (self.scope == "environment" and bool(environment) and self.target == environment)
        )

    def to_message(self) -> Freeze:
        message = Freeze(
            id=self.id, scope=self.scope, target=self.target, reason=self.reason,
            created_by=self.created_by, created_at=to_timestamp(self.created_at),
            lifted_by=self.lifted_by or "", active=self.is_active(datetime.now(UTC)),
            exempt_runs=[e["run"] for e in self.exemptions()],
        )  # fmt: skip
        if self.until is not None:
            message.until.CopyFrom(to_timestamp(self.until))
        if self.lifted_at is not None:
            message.lifted_at.CopyFrom(to_timestamp(self.lifted_at))
        return message


def _aware(value: datetime) -> datetime:
    # SQLite hands datetimes back naive; every value Kaizen stores is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def create_freeze(
    session: Session,
    *,
    tenant: str,
    scope: str,
    target: str,
    reason: str,
    by: str,
    until: datetime | None,
) -> FreezeRow:
    row = FreezeRow(
        id=f"fz-{uuid.uuid4().hex[:12]}", tenant=tenant, scope=scope, target=target,
        reason=reason, created_by=by, until=until,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


def lift_freeze(session: Session, row: FreezeRow, *, by: str) -> FreezeRow:
    row.lifted_at = datetime.now(UTC)
    row.lifted_by = by
    session.add(row)
    return row


def exempt_run(session: Session, row: FreezeRow, *, run: str, by: str, reason: str) -> FreezeRow:
    exemptions = [e for e in row.exemptions() if e["run"] != run]
    exemptions.append({"run": run, "by": by, "reason": reason, "at": datetime.now(UTC).isoformat()})
    row.exempt_runs_json = json.dumps(exemptions)
    session.add(row)
    return row


def get_freeze(session: Session, tenant: str, freeze_id: str) -> FreezeRow | None:
    row = session.get(FreezeRow, freeze_id)
    return row if row is not None and row.tenant == tenant else None


def list_freezes(session: Session, tenant: str, *, include_ended: bool) -> list[FreezeRow]:
    query = select(FreezeRow).where(FreezeRow.tenant == tenant)
    if not include_ended:
        now = datetime.now(UTC)
        query = query.where(
            col(FreezeRow.lifted_at).is_(None),
            or_(col(FreezeRow.until).is_(None), col(FreezeRow.until) > now),
        )
    return list(session.exec(query.order_by(col(FreezeRow.created_at).desc())))


def freezes_holding(
    session: Session, tenant: str, *, workflow_id: str, service: str, environment: str
) -> list[FreezeRow]:
    """The active freezes that cover a run and do not exempt it."""
    now = datetime.now(UTC)
    return [
        row
        for row in list_freezes(session, tenant, include_ended=False)
        if row.is_active(now)
        and row.covers(service=service, environment=environment)
        and workflow_id not in {e["run"] for e in row.exemptions()}
    ]
