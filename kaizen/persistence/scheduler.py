"""What the healing scheduler did with each trigger: proposals, joins, skips, backoffs.

One row per decision (with its reason), so the counters can be answered for
any period and a surprising count can be traced to the triggers behind it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from sqlalchemy import func
from sqlmodel import Field, Session, SQLModel, col, select

# proposal: a new run started; join: the trigger joined a running run;
# backoff: a run for the same key ended moments ago, so the trigger joined it;
# skip: nothing was started (unmappable alert, resolved alert without a run, ...).
KINDS: Final = ("proposal", "join", "backoff", "skip")


class SchedulerEvent(SQLModel, table=True):
    __tablename__ = "healing_scheduler_events"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(index=True)
    tenant: str = Field(index=True)
    business_key: str = Field(index=True)
    source: str
    reason: str = ""
    severity: str = ""
    alert_status: str = ""
    at: datetime = Field(default_factory=lambda: datetime.now(UTC), index=True)


def count(session: Session, event: SchedulerEvent) -> None:
    if event.kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {event.kind!r}")
    session.add(event)


def totals(session: Session, *, tenant: str, since: datetime | None = None) -> dict[str, int]:
    query = select(SchedulerEvent.kind, func.count()).where(SchedulerEvent.tenant == tenant)
    if since is not None:
        query = query.where(SchedulerEvent.at >= since)
    found = dict(session.exec(query.group_by(SchedulerEvent.kind)).all())
    return {kind: int(found.get(kind, 0)) for kind in KINDS}


def latest_alert_states(session: Session, *, tenant: str, since: datetime) -> dict[str, str]:
    """The newest alert status ("firing"/"resolved") per business key since ``since``."""
    rows = session.exec(
        select(SchedulerEvent.business_key, SchedulerEvent.alert_status)
        .where(
            SchedulerEvent.tenant == tenant,
            SchedulerEvent.at >= since,
            SchedulerEvent.alert_status != "",
        )
        .order_by(col(SchedulerEvent.id))
    ).all()
    return dict(rows)  # later rows overwrite earlier ones
