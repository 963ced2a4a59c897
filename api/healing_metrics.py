"""Healing outcomes as Prometheus metrics, read from the learning log at scrape time.

The learning log is the one record of how runs ended, written by workers in any
process; counting in the API process would miss them, so every scrape reads the
log instead. The collector registers once per process (at import), and reads the
database of the most recently started app: a deployment runs one app per
process, tests start many one after another.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Final

from prometheus_client import REGISTRY
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import case, func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from kaizen.persistence.learning import LearningEntry

log = logging.getLogger("kaizen.api")

# Learning event -> the outcome label a dashboard shows.
OUTCOMES: Final = {
    "verified": "fixed",
    "rolled_back": "rolled_back",
    "rejected": "rejected",
    "aborted": "aborted",
}
# Approvals take minutes to hours; fixes seconds to an hour (verification included).
APPROVAL_WAIT_BUCKETS: Final = (10.0, 30.0, 60.0, 300.0, 900.0, 1800.0, 3600.0, 14400.0, 86400.0)
TIME_TO_FIX_BUCKETS: Final = (10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0)


class HealingOutcomesCollector(Collector):
    """Runs by outcome and playbook, approval waits and times to fix, for one tenant."""

    def __init__(self) -> None:
        self._sources: list[tuple[Engine, str]] = []

    def attach(self, engine: Engine, tenant: str) -> None:
        """Read ``engine`` from now on (an app started)."""
        self._sources.append((engine, tenant))

    def detach(self, engine: Engine) -> None:
        """Stop reading ``engine`` (its app stopped); the one started before it takes over."""
        self._sources = [(e, t) for e, t in self._sources if e is not engine]

    def describe(self) -> Iterator[Metric]:
        # Names only, so registering does not touch a database.
        yield from _families()

    def collect(self) -> Iterator[Metric]:
        runs, approval_wait, time_to_fix = _families()
        if self._sources:
            engine, tenant = self._sources[-1]
            try:
                with Session(engine) as session:
                    _read(session, tenant, runs, approval_wait, time_to_fix)
            except SQLAlchemyError as error:
                # A scrape must still answer; the families stay empty and the log says why.
                log.warning("healing metrics: cannot read the learning log: %s", error)
                runs, approval_wait, time_to_fix = _families()
        yield from (runs, approval_wait, time_to_fix)


def _families() -> tuple[CounterMetricFamily, HistogramMetricFamily, HistogramMetricFamily]:
    return (
        CounterMetricFamily(
            "kaizen_healing_runs",
            "Healing runs by how they ended (fixed, rolled_back, rejected, aborted) and playbook",
            labels=["outcome", "playbook"],
        ),
        HistogramMetricFamily(
            "kaizen_healing_approval_wait_seconds",
            "How long healing runs waited for an approval decision",
        ),
        HistogramMetricFamily(
            "kaizen_healing_time_to_fix_seconds",
            "How long verified healing runs took to fix their service",
        ),
    )


def _read(
    session: Session,
    tenant: str,
    runs: CounterMetricFamily,
    approval_wait: HistogramMetricFamily,
    time_to_fix: HistogramMetricFamily,
) -> None:
    rows = session.exec(
        select(LearningEntry.event, LearningEntry.playbook, func.count())
        .where(LearningEntry.tenant == tenant, col(LearningEntry.event).in_(list(OUTCOMES)))
        .group_by(LearningEntry.event, LearningEntry.playbook)
    ).all()
    for event, playbook, total in rows:
        runs.add_metric([OUTCOMES[event], playbook], float(total))
    _observe(session, tenant, ("approved", "rejected"), APPROVAL_WAIT_BUCKETS, approval_wait)
    _observe(session, tenant, ("verified",), TIME_TO_FIX_BUCKETS, time_to_fix)


def _observe(
    session: Session,
    tenant: str,
    events: Sequence[str],
    bounds: Sequence[float],
    family: HistogramMetricFamily,
) -> None:
    """Fill ``family`` with cumulative bucket counts, counted by the database in one query."""
    seconds = col(LearningEntry.seconds)
    at_most = [func.sum(case((seconds <= bound, 1), else_=0)) for bound in bounds]
    row = session.exec(
        select(func.count(), func.coalesce(func.sum(seconds), 0.0), *at_most).where(
            LearningEntry.tenant == tenant, col(LearningEntry.event).in_(list(events))
        )
    ).one()
    total, seconds_sum = row[0], row[1]
    cumulative: list[int | None] = list(row[2:])
    buckets = [(str(bound), float(n or 0)) for bound, n in zip(bounds, cumulative, strict=True)]
    family.add_metric([], buckets + [("+Inf", float(total))], float(seconds_sum))


COLLECTOR: Final = HealingOutcomesCollector()
REGISTRY.register(COLLECTOR)
