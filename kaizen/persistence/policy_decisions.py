"""Decisions recorded from the fleet's decision logs: the inputs previews replay.

Retention is bounded by count and age (settings ``policy_decisions_keep`` and
``policy_decisions_keep_hours``); pruning happens as new decisions arrive.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy import delete, func
from sqlmodel import Field, Session, SQLModel, col, select

UNDEFINED: Final = "undefined"
"""``result_json`` of a decision whose rule was undefined (OPA logs no result)."""


class PolicyDecisionRow(SQLModel, table=True):
    __tablename__ = "policy_decisions"

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(index=True)
    fleet: str = Field(index=True)
    node: str
    decision_id: str = Field(index=True)
    path: str = Field(index=True)
    revision: str = Field(index=True)
    input_json: str
    result_json: str
    """The result as JSON, or ``undefined``."""
    error: str = ""
    logged_at: datetime | None = None
    received_at: datetime = Field(default_factory=lambda: datetime.now(UTC), index=True)

    @property
    def input(self) -> Any:
        return json.loads(self.input_json)

    @property
    def defined(self) -> bool:
        return self.result_json != UNDEFINED

    @property
    def result(self) -> Any:
        return None if not self.defined else json.loads(self.result_json)


@dataclass(frozen=True)
class DecisionEvent:
    """One OPA decision log event, as much of it as a preview needs."""

    decision_id: str
    path: str
    revision: str
    input: Any
    has_input: bool
    result: Any
    has_result: bool
    error: str
    logged_at: datetime | None

    @classmethod
    def parse(cls, event: Mapping[str, Any], bundle: str) -> DecisionEvent:
        bundles = event.get("bundles")
        revision = ""
        if isinstance(bundles, Mapping) and isinstance(bundles.get(bundle), Mapping):
            revision = str(bundles[bundle].get("revision") or "")
        error = event.get("error")
        return cls(
            decision_id=str(event.get("decision_id") or ""),
            path=str(event.get("path") or "").strip("/"),
            revision=revision,
            input=event.get("input"),
            has_input="input" in event,
            result=event.get("result"),
            has_result="result" in event,
            error=json.dumps(error)[:2000] if error else "",
            logged_at=_timestamp(event.get("timestamp")),
        )


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    text = value.rstrip("Z")
    if "." in text:
        whole, fraction = text.split(".", 1)
        text = f"{whole}.{fraction[:6]}"
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        return None


def record_decisions(
    session: Session, *, tenant: str, fleet: str, node: str, events: Iterable[DecisionEvent]
) -> int:
    """Store replayable decisions (with an input, on a path outside ``system``)."""
    stored = 0
    for event in events:
        if not event.has_input or not event.path or event.path.split("/")[0] == "system":
            continue
        session.add(
            PolicyDecisionRow(
                tenant=tenant,
                fleet=fleet,
                node=node,
                decision_id=event.decision_id,
                path=event.path,
                revision=event.revision,
                input_json=json.dumps(event.input),
                result_json=json.dumps(event.result) if event.has_result else UNDEFINED,
                error=event.error,
                logged_at=event.logged_at,
            )  # fmt: skip
        )
        stored += 1
    session.flush()
    return stored


def prune(session: Session, tenant: str, *, keep: int, keep_hours: int) -> int:
    """Drop decisions older than ``keep_hours`` and all but the newest ``keep``."""
    cutoff = datetime.now(UTC) - timedelta(hours=keep_hours)
    removed = session.exec(
        delete(PolicyDecisionRow).where(
            col(PolicyDecisionRow.tenant) == tenant, col(PolicyDecisionRow.received_at) < cutoff
        )
    ).rowcount
    total = session.exec(select(func.count()).where(PolicyDecisionRow.tenant == tenant)).one()
    if total > keep:
        newest_dropped = session.exec(
            select(PolicyDecisionRow.id)
            .where(PolicyDecisionRow.tenant == tenant)
            .order_by(col(PolicyDecisionRow.id).desc())
            .offset(keep)
        ).first()
        if newest_dropped is not None:
            removed += session.exec(
                delete(PolicyDecisionRow).where(
                    col(PolicyDecisionRow.tenant) == tenant,
                    col(PolicyDecisionRow.id) <= newest_dropped,
                )
            ).rowcount
    return int(removed or 0)


def recent(
    session: Session,
    tenant: str,
    *,
    fleet: str,
    since: datetime,
    limit: int,
    nodes: Sequence[str] = (),
) -> list[PolicyDecisionRow]:
    """The newest ``limit`` decisions of the fleet since ``since``, oldest first."""
    query = select(PolicyDecisionRow).where(
        PolicyDecisionRow.tenant == tenant,
        PolicyDecisionRow.fleet == fleet,
        col(PolicyDecisionRow.received_at) >= since,
    )
    if nodes:
        query = query.where(col(PolicyDecisionRow.node).in_(list(nodes)))
    rows = list(session.exec(query.order_by(col(PolicyDecisionRow.id).desc()).limit(limit)))
    rows.reverse()
    return rows
