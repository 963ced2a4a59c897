"""Who changed which schedule, how and when: one row per change, never edited.

A creation or update also keeps the schedule as it was declared (kind, input,
spec as given): Temporal compiles cron expressions into calendars and keeps no
memo changes, so this is where the declaration is read back from.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Field, Session, SQLModel, col, select


class ScheduleChangeRow(SQLModel, table=True):
    __tablename__ = "schedule_changes"

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(index=True)
    schedule_id: str = Field(index=True)
    action: str
    """created, updated, paused, unpaused, triggered, backfilled, deleted, auto_paused"""
    principal: str
    detail: str = ""
    declaration: str = ""
    """JSON of the schedule as declared, on ``created`` and ``updated`` rows."""
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))


def record_change(
    session: Session,
    *,
    tenant: str,
    schedule_id: str,
    action: str,
    principal: str,
    detail: str,
    declaration: str = "",
) -> None:
    session.add(
        ScheduleChangeRow(
            tenant=tenant, schedule_id=schedule_id, action=action, principal=principal,
            detail=detail[:2000], declaration=declaration,
        )
    )  # fmt: skip


def latest_declaration(session: Session, *, tenant: str, schedule_id: str) -> str | None:
    row = session.exec(
        select(ScheduleChangeRow)
        .where(
            ScheduleChangeRow.tenant == tenant,
            ScheduleChangeRow.schedule_id == schedule_id,
            ScheduleChangeRow.declaration != "",
        )
        .order_by(col(ScheduleChangeRow.id).desc())
        .limit(1)
    ).first()
    return row.declaration if row is not None else None


def changes_of(
    session: Session, *, tenant: str, schedule_id: str, limit: int = 50
) -> list[ScheduleChangeRow]:
    return list(
        session.exec(
            select(ScheduleChangeRow)
            .where(ScheduleChangeRow.tenant == tenant, ScheduleChangeRow.schedule_id == schedule_id)
            .order_by(col(ScheduleChangeRow.id).desc())
            .limit(limit)
        )
    )
