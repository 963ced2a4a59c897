"""The learning log: one row per lifecycle point of a healing run.

Rows are keyed by (run, event), so a retried activity writes nothing twice.
Success rates, Thompson sampling's posteriors, the API's learning view and the
run metrics are all read from here: one source of truth that survives restarts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from sqlalchemy import UniqueConstraint, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

LIFECYCLE: Final = (
    "proposed", "approved", "rejected", "executed", "verified", "rolled_back", "aborted",
)  # fmt: skip
SUCCESS: Final = "verified"
FAILURE: Final = "rolled_back"


class LearningEntry(SQLModel, table=True):
    __tablename__ = "healing_learning"
    __table_args__ = (UniqueConstraint("run_id", "event", name="uq_learning_run_event"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(index=True)
    event: str = Field(index=True)
    tenant: str
    namespace: str
    service: str = Field(index=True)
    diagnosis: str
    playbook: str = Field(index=True)
    playbook_version: int
    risk: str = ""
    severity: str = ""
    detail: str = ""
    seconds: float = 0.0
    at: datetime = Field(default_factory=lambda: datetime.now(UTC), index=True)


def record_once(session: Session, entry: LearningEntry) -> bool:
    """Insert unless this run already has this event; True when this call wrote it."""
    if entry.event not in LIFECYCLE:
        raise ValueError(f"event must be one of {', '.join(LIFECYCLE)}, not {entry.event!r}")
    exists = session.exec(
        select(LearningEntry.id).where(
            LearningEntry.run_id == entry.run_id, LearningEntry.event == entry.event
        )
    ).first()
    if exists is not None:
        return False
    try:
        with session.begin_nested():
            session.add(entry)
    except IntegrityError:  # a concurrent retry won the race
        return False
    return True


@dataclass(frozen=True)
class Outcomes:
    successes: int
    failures: int

    @property
    def runs(self) -> int:
        return self.successes + self.failures


def outcomes_by_playbook(
    session: Session, *, tenant: str, service: str, diagnosis: str, playbooks: Sequence[str]
) -> dict[str, Outcomes]:
    """Verified and rolled-back counts per playbook for one service and diagnosis."""
    rows = session.exec(
        select(LearningEntry.playbook, LearningEntry.event, func.count())
        .where(
            LearningEntry.tenant == tenant,
            LearningEntry.service == service,
            LearningEntry.diagnosis == diagnosis,
            col(LearningEntry.playbook).in_(list(playbooks)),
            col(LearningEntry.event).in_([SUCCESS, FAILURE]),
        )
        .group_by(LearningEntry.playbook, LearningEntry.event)
    ).all()
    counts: dict[str, dict[str, int]] = {name: {} for name in playbooks}
    for playbook, event, count in rows:
        counts[playbook][event] = count
    return {
        name: Outcomes(successes=c.get(SUCCESS, 0), failures=c.get(FAILURE, 0))
        for name, c in counts.items()
    }


@dataclass(frozen=True)
class RateRow:
    key: str
    successes: int
    failures: int

    @property
    def runs(self) -> int:
        return self.successes + self.failures

    @property
    def success_rate(self) -> float | None:
        return self.successes / self.runs if self.runs else None


def success_rates(session: Session, *, tenant: str, since: datetime, by: str) -> list[RateRow]:
    """Success rate grouped by ``playbook`` or ``service`` for outcomes since ``since``."""
    column = {"playbook": LearningEntry.playbook, "service": LearningEntry.service}[by]
    rows = session.exec(
        select(column, LearningEntry.event, func.count())
        .where(
            LearningEntry.tenant == tenant,
            LearningEntry.at >= since,
            col(LearningEntry.event).in_([SUCCESS, FAILURE]),
        )
        .group_by(column, LearningEntry.event)
    ).all()
    counts: dict[str, dict[str, int]] = {}
    for key, event, count in rows:
        counts.setdefault(key, {})[event] = count
    return [
        RateRow(key=key, successes=c.get(SUCCESS, 0), failures=c.get(FAILURE, 0))
        for key, c in sorted(counts.items())
    ]


def events_for_run(session: Session, run_id: str) -> list[LearningEntry]:
    return list(
        session.exec(
            select(LearningEntry)
            .where(LearningEntry.run_id == run_id)
            .order_by(col(LearningEntry.id))
        )
    )
