"""Change windows opened by operators through the API."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlmodel import Field, Session, SQLModel, col, or_, select

from kaizen.contract.timestamps import to_timestamp
from kaizen.v1.change_window_pb2 import ChangeWindow


class OperatorWindow(SQLModel, table=True):
    __tablename__ = "change_windows"

    id: str = Field(primary_key=True)
    scope: str = Field(index=True)
    reason: str
    opened_by: str
    opens_at: datetime
    closes_at: datetime
    closed_at: datetime | None = None
    closed_by: str | None = None

    def is_open(self, at: datetime) -> bool:
        return self.closed_at is None and _aware(self.opens_at) <= at < _aware(self.closes_at)

    def to_message(self) -> ChangeWindow:
        """The window as the contract shows it (API answers and the window activity)."""
        message = ChangeWindow(
            id=self.id,
            scope=self.scope,
            reason=self.reason,
            source="operator",
            opened_by=self.opened_by,
            closed_by=self.closed_by or "",
            open=self.is_open(datetime.now(UTC)),
            opens_at=to_timestamp(self.opens_at),
            closes_at=to_timestamp(self.closes_at),
        )
        if self.closed_at is not None:
            message.closed_at.CopyFrom(to_timestamp(self.closed_at))
        return message


def _aware(value: datetime) -> datetime:
    # SQLite hands datetimes back naive; every value Kaizen stores is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def open_window(
    session: Session, *, scope: str, duration: timedelta, reason: str, opened_by: str
) -> OperatorWindow:
    now = datetime.now(UTC)
    window = OperatorWindow(
        id=f"cw-{uuid.uuid4().hex[:12]}",
        scope=scope,
        reason=reason,
        opened_by=opened_by,
        opens_at=now,
        closes_at=now + duration,
    )
    session.add(window)
    session.flush()
    return window


def get_window(session: Session, window_id: str) -> OperatorWindow | None:
    return session.get(OperatorWindow, window_id)


def close_window(session: Session, window: OperatorWindow, *, closed_by: str) -> OperatorWindow:
    if window.closed_at is None:
        window.closed_at = datetime.now(UTC)
        window.closed_by = closed_by
        session.add(window)
    return window


def list_windows(session: Session, *, include_ended: bool) -> list[OperatorWindow]:
    query = select(OperatorWindow).order_by(col(OperatorWindow.opens_at).desc())
    windows = list(session.exec(query))
    if include_ended:
        return windows
    now = datetime.now(UTC)
    return [w for w in windows if w.is_open(now)]


def open_window_for(session: Session, service: str, at: datetime) -> OperatorWindow | None:
    """The operator window open for ``service`` at ``at`` that stays open the longest."""
    candidates = session.exec(
        select(OperatorWindow).where(
            or_(OperatorWindow.scope == service, OperatorWindow.scope == "*"),
            col(OperatorWindow.closed_at).is_(None),
        )
    )
    open_now = [w for w in candidates if w.is_open(at)]
    return max(open_now, key=lambda w: _aware(w.closes_at), default=None)
