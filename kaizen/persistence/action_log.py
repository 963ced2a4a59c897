"""Actions that passed every gate, keyed by their idempotency key."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, select


class ActionLogEntry(SQLModel, table=True):
    __tablename__ = "action_log"

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(index=True, unique=True)
    run_id: str = Field(index=True)
    service: str
    namespace: str
    playbook: str
    action: str
    parameters_json: str
    applied: bool
    detail: str
    recorded_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


def record_once(session: Session, entry: ActionLogEntry) -> tuple[ActionLogEntry, bool]:
    """Insert ``entry`` unless its key is already there; return the stored row and whether
    this call wrote it. The unique key makes concurrent retries safe too."""
    existing = session.exec(
        select(ActionLogEntry).where(ActionLogEntry.idempotency_key == entry.idempotency_key)
    ).first()
    if existing is not None:
        return existing, False
    try:
        with session.begin_nested():
            session.add(entry)
    except IntegrityError:
        stored = session.exec(
            select(ActionLogEntry).where(ActionLogEntry.idempotency_key == entry.idempotency_key)
        ).one()
        return stored, False
    return entry, True


def entries_for_run(session: Session, run_id: str) -> list[ActionLogEntry]:
    return list(session.exec(select(ActionLogEntry).where(ActionLogEntry.run_id == run_id)))
