"""A resolved alert starts the RCA of its incident, once (api/routers/alerts.py calls this).

The incident is the alert (its fingerprint) and when it first fired as Kaizen recorded
it, so a repeated resolution, or ``POST /v1/rca-runs`` naming the same alert, reaches the
same RCA. An alert about no workload starts nothing. The RCA never stands in the way of
the delivery: a failure to start it is logged, and the alert's own answer is unchanged.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy.engine import Engine
from temporalio.client import Client

from api.alertmanager import AlertmanagerAlert
from api.alerts.deliveries import Outcome
from api.rca.starts import fill_from_alert, start_rca
from kaizen.catalog.playbooks import ParameterError
from kaizen.kinds.base import StartContext
from kaizen.kinds.rca import RCA
from kaizen.persistence.rca import AROUND
from kaizen.settings import Settings

log = logging.getLogger("kaizen.api.rca")
SEVERITIES = ("low", "medium", "high", "critical")


async def rca_after_resolution(
    client: Client,
    settings: Settings,
    engine: Engine,
    alert: AlertmanagerAlert,
    outcome: Outcome,
    *,
    requested_by: str,
) -> str | None:
    """Start (or reach) the RCA of a resolved alert's incident; its id, or None."""
    if not settings.rca_on_alert_resolution or not outcome.workload or not alert.fingerprint:
        return None
    fields: dict[str, object] = {
        "service": outcome.workload,
        "namespace": outcome.namespace,
        "alert_fingerprint": alert.fingerprint,
        "title": f"{alert.labels.get('alertname', 'alert')} on {outcome.workload}",
    }
    severity = alert.labels.get("severity", settings.alert_default_severity)
    fields["severity"] = severity if severity in SEVERITIES else settings.alert_default_severity
    if outcome.run.startswith("healing:"):
        fields["healing_run"] = outcome.run
    try:
        try:
            await asyncio.to_thread(fill_from_alert, engine, settings.tenant, fields)
        except ParameterError:
            # Kaizen never saw it fire (the first delivery was the resolution): its own times.
            if alert.starts_at is None:
                return None
            fields["window_start"] = (alert.starts_at - AROUND).isoformat()
            end = alert.ends_at if alert.ends_at and alert.ends_at > alert.starts_at else None
            fields["window_end"] = (
                min(end + AROUND, alert.starts_at + timedelta(hours=22))
                if end
                else alert.starts_at + AROUND
            ).isoformat()
        context = StartContext(settings=settings, requested_by=requested_by, source="alertmanager")
        request = RCA.build_input(fields, context)
        started = await start_rca(client, request, context)  # type: ignore[arg-type]
    except Exception as error:  # the alert's delivery matters more than its RCA
        log.warning("no RCA started for alert %s: %s: %s", alert.fingerprint,
                    type(error).__name__, error)  # fmt: skip
        return None
    log.info("RCA %s %s for alert %s", started.record.id, started.decision, alert.fingerprint)
    return started.record.id
