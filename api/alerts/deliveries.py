"""The record of each webhook delivery: stored for ``GET /v1/alerts/deliveries``, logged as a line.

One log line per delivery (logger ``kaizen.api.alerts``) carries the receiver,
the group key and how many alerts met each outcome; the per-alert detail (run,
reason, how the workload was found) is in the stored record.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Literal

from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine

from api.alertmanager import AlertmanagerWebhook, AlertResult
from kaizen.persistence.alert_deliveries import (
    ACTIONS,
    AlertDelivery,
    AlertOutcome,
    Retention,
    record_delivery,
)
from kaizen.persistence.db import session_scope
from kaizen.settings import Settings

log = logging.getLogger("kaizen.api.alerts")

DeliveryResult = Literal["accepted", "refused", "failed"]
# A group key is Alertmanager's route path plus the group labels; enough of it to tell
# groups apart in a log line, not a 16 KiB one.
LOGGED_GROUP_KEY_CHARS: Final = 200


@dataclass(frozen=True)
class Outcome:
    """What became of one alert, with the workload and run it reached (if any)."""

    result: AlertResult
    namespace: str = ""
    workload: str = ""
    run: str = ""
    """Workflow id."""
    run_id: str = ""


class AlertOutcomeView(BaseModel):
    """What became of one alert of a delivery."""

    fingerprint: str
    alertname: str
    status: str
    action: str
    namespace: str = Field(description="The workload's namespace, when the alert mapped")
    workload: str = Field(description="The Deployment, when one was found")
    run: str = Field(description="Workflow id of the run the alert reached, if any")
    run_id: str
    reason: str
    mapping: str = Field(description="How the workload was found from the labels")


class AlertDeliveryView(BaseModel):
    """One webhook delivery, newest first in the list."""

    id: int
    received_at: datetime
    receiver: str
    group_key: str
    status: str = Field(description="The group's status as Alertmanager sent it")
    result: DeliveryResult = Field(
        description="accepted (200), refused (422: no alert mapped) or failed (5xx: "
        "Alertmanager sends it again)"
    )
    principal: str
    truncated_alerts: int
    counts: dict[str, int] = Field(description="Alerts per action")
    alerts: list[AlertOutcomeView]


class AlertDeliveriesView(BaseModel):
    deliveries: list[AlertDeliveryView]


async def record(
    engine: Engine,
    settings: Settings,
    body: AlertmanagerWebhook,
    *,
    principal: str,
    result: DeliveryResult,
    outcomes: Sequence[Outcome],
) -> None:
    """Log a delivery as one line and store it with what became of each alert."""
    counts = Counter(o.result.action for o in outcomes)
    log.info(
        "alertmanager delivery %s: receiver=%s group=%s alerts=%d %s",
        result,
        body.receiver or "-",
        body.group_key[:LOGGED_GROUP_KEY_CHARS] or "-",
        len(body.alerts),
        " ".join(f"{action}={counts[action]}" for action in ACTIONS),
    )
    delivery = AlertDelivery(
        tenant=settings.tenant,
        receiver=body.receiver,
        group_key=body.group_key,
        status=body.status,
        result=result,
        principal=principal,
        truncated_alerts=body.truncated_alerts,
    )
    rows = [
        AlertOutcome(
            delivery_id=0,  # set when stored
            position=position,
            fingerprint=o.result.fingerprint,
            alertname=o.result.alertname,
            status=o.result.status,
            action=o.result.action,
            namespace=o.namespace,
            workload=o.workload,
            run=o.run,
            run_id=o.run_id,
            reason=o.result.reason,
            mapping=o.result.mapping,
        )
        for position, o in enumerate(outcomes)
    ]
    retention = Retention(
        days=settings.alert_deliveries_keep_days, alerts=settings.alert_deliveries_keep_alerts
    )
    # Off the event loop: a write waiting on SQLite's lock must not stall other requests.
    await asyncio.to_thread(_store, engine, delivery, rows, retention)


def _store(
    engine: Engine, delivery: AlertDelivery, rows: list[AlertOutcome], retention: Retention
) -> None:
    with session_scope(engine) as session:
        record_delivery(session, delivery, rows, retention)


def view(delivery: AlertDelivery, outcomes: Sequence[AlertOutcome]) -> AlertDeliveryView:
    counts = Counter(o.action for o in outcomes)
    assert delivery.id is not None
    return AlertDeliveryView(
        id=delivery.id,
        # SQLite hands back naive datetimes; they were written in UTC.
        received_at=delivery.received_at.replace(tzinfo=delivery.received_at.tzinfo or UTC),
        receiver=delivery.receiver,
        group_key=delivery.group_key,
        status=delivery.status,
        result=delivery.result,
        principal=delivery.principal,
        truncated_alerts=delivery.truncated_alerts,
        counts={action: counts[action] for action in ACTIONS},
        alerts=[
            AlertOutcomeView(
                fingerprint=o.fingerprint,
                alertname=o.alertname,
                status=o.status,
                action=o.action,
                namespace=o.namespace,
                workload=o.workload,
                run=o.run,
                run_id=o.run_id,
                reason=o.reason,
                mapping=o.mapping,
            )
            for o in outcomes
        ],
    )
