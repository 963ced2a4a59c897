"""Every Alertmanager webhook delivery and what became of each of its alerts.

A delivery is one row, its alerts one outcome row each (started, joined,
backoff, recorded or skipped, with the run and the reason), so "why did this
alert not heal anything?" is answered from the API rather than from logs.

Growth is bounded on write: each recorded delivery prunes deliveries older than
the retention and, oldest first, those beyond the cap on stored outcomes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy import delete, exists, func
from sqlmodel import Field, Session, SQLModel, col, select

# accepted: handled (some alerts may still be skipped); refused: no alert mapped (422);
# failed: Temporal or the database failed part-way (5xx), so Alertmanager sends it again.
RESULTS: Final = ("accepted", "refused", "failed")
ACTIONS: Final = ("started", "joined", "backoff", "recorded", "skipped")
# Outcomes that reached a run: a later resolution of the same alert goes to that run.
ROUTED: Final = ("started", "joined", "backoff")


class AlertDelivery(SQLModel, table=True):
    __tablename__ = "alert_deliveries"

    id: int | None = Field(default=None, primary_key=True)
    received_at: datetime = Field(default_factory=lambda: datetime.now(UTC), index=True)
    tenant: str = Field(index=True)
    receiver: str = ""
    group_key: str = ""
    status: str = ""
    """What Alertmanager said of the group: firing or resolved."""
    result: str = ""
    principal: str = ""
    truncated_alerts: int = 0
    """Alerts Alertmanager left out of the delivery (its max_alerts)."""


class AlertOutcome(SQLModel, table=True):
    __tablename__ = "alert_delivery_outcomes"

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="alert_deliveries.id", index=True)
    position: int
    fingerprint: str = Field(default="", index=True)
    alertname: str = ""
    status: str = ""
    action: str = Field(index=True)
    namespace: str = ""
    workload: str = ""
    run: str = ""
    """The workflow id of the run the alert reached, if any."""
    run_id: str = ""
    reason: str = ""
    mapping: str = ""
    """How the workload was found from the alert's labels."""


@dataclass(frozen=True)
class Retention:
    days: int
    alerts: int


def record_delivery(
    session: Session,
    delivery: AlertDelivery,
    outcomes: Sequence[AlertOutcome],
    retention: Retention,
) -> None:
    """Store a delivery and its outcomes, then prune what the retention no longer keeps."""
    if delivery.result not in RESULTS:
        raise ValueError(f"result must be one of {', '.join(RESULTS)}, not {delivery.result!r}")
    session.add(delivery)
    session.flush()
    assert delivery.id is not None
    for outcome in outcomes:
        if outcome.action not in ACTIONS:
            raise ValueError(f"action must be one of {', '.join(ACTIONS)}: {outcome.action!r}")
        outcome.delivery_id = delivery.id
        session.add(outcome)
    session.flush()
    _prune(session, retention)


def _prune(session: Session, retention: Retention) -> None:
    # Ids grow with time, so both limits are one id below which everything goes.
    cutoff = datetime.now(UTC) - timedelta(days=retention.days)
    expired = session.exec(
        select(func.max(AlertDelivery.id)).where(col(AlertDelivery.received_at) < cutoff)
    ).one()
    # The delivery of the newest outcome beyond the cap goes, and every older one.
    beyond_cap = session.exec(
        select(AlertOutcome.delivery_id)
        .order_by(col(AlertOutcome.id).desc())
        .offset(retention.alerts)
        .limit(1)
    ).first()
    last = max((i for i in (expired, beyond_cap) if i is not None), default=None)
    if last is None:
        return
    session.execute(delete(AlertOutcome).where(col(AlertOutcome.delivery_id) <= last))
    session.execute(delete(AlertDelivery).where(col(AlertDelivery.id) <= last))


def recent_deliveries(
    session: Session,
    *,
    tenant: str,
    limit: int,
    status: str | None = None,
    action: str | None = None,
) -> list[tuple[AlertDelivery, list[AlertOutcome]]]:
    """Newest first; ``action`` keeps deliveries with at least one alert of that outcome."""
    query = select(AlertDelivery).where(AlertDelivery.tenant == tenant)
    if status is not None:
        query = query.where(AlertDelivery.status == status)
    if action is not None:
        query = query.where(
            exists().where(
                col(AlertOutcome.delivery_id) == col(AlertDelivery.id),
                col(AlertOutcome.action) == action,
            )
        )
    deliveries = session.exec(query.order_by(col(AlertDelivery.id).desc()).limit(limit)).all()
    ids = [d.id for d in deliveries]
    outcomes: dict[int | None, list[AlertOutcome]] = {i: [] for i in ids}
    for outcome in session.exec(
        select(AlertOutcome)
        .where(col(AlertOutcome.delivery_id).in_(ids))
        .order_by(col(AlertOutcome.delivery_id), col(AlertOutcome.position))
    ):
        outcomes[outcome.delivery_id].append(outcome)
    return [(d, outcomes[d.id]) for d in deliveries]


def last_routed(session: Session, *, tenant: str, fingerprint: str) -> AlertOutcome | None:
    """The newest outcome that took the alert with ``fingerprint`` to a run while firing."""
    return session.exec(
        select(AlertOutcome)
        .join(AlertDelivery, col(AlertDelivery.id) == col(AlertOutcome.delivery_id))
        .where(
            AlertDelivery.tenant == tenant,
            AlertOutcome.fingerprint == fingerprint,
            col(AlertOutcome.action).in_(ROUTED),
            AlertOutcome.run != "",
        )
        .order_by(col(AlertOutcome.id).desc())
        .limit(1)
    ).first()
