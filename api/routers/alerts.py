"""Alertmanager's webhook: firing alerts start or join healing runs, resolutions are recorded.

Alerts are handled one by one in the order Alertmanager grouped them, so two
alerts of one group for the same workload and symptom start one run: the
second joins it. If Temporal fails part-way, the whole delivery answers 5xx and
Alertmanager sends it again; alerts already handled then join their runs.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.exceptions import RequestValidationError
from sqlalchemy.engine import Engine
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from api.alertmanager import (
    SOURCE,
    AlertAction,
    AlertmanagerAlert,
    AlertmanagerWebhook,
    AlertResult,
    AlertsReply,
    MappedAlert,
    Problem,
    alertname,
    map_alert,
)
from api.deps import ClientDep, EngineDep, Operator, SettingsDep
from api.healing_scheduler import healing_workflow_id, severity_name, start_or_join
from api.metrics import SCHEDULER_DECISIONS
from api.run_views import summary_record
from kaizen.contract.json_codec import to_api
from kaizen.persistence.db import session_scope
from kaizen.persistence.scheduler import SchedulerEvent, count
from kaizen.settings import Settings
from workflows.healing.workflow import HealingWorkflow

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])
ALERTMANAGER_PATH = "/v1/alerts/alertmanager"


@router.post(ALERTMANAGER_PATH.removeprefix(router.prefix))
async def receive_alertmanager(
    body: AlertmanagerWebhook,
    principal: Operator,
    client: ClientDep,
    settings: SettingsDep,
    engine: EngineDep,
) -> AlertsReply:
    """Alertmanager webhook (payload version 4): start, join or resolve healing runs."""
    targets = [map_alert(a, settings, requested_by=principal.name) for a in body.alerts]
    unmappable = {i: target for i, target in enumerate(targets) if isinstance(target, list)}
    for index, problems in unmappable.items():
        # Counted even when the whole delivery is refused: the counters account for every trigger.
        _skip(
            engine,
            settings,
            body.alerts[index],
            _unmapped_key(body.alerts[index]),
            _reason(problems),
        )
    if len(unmappable) == len(targets):
        raise RequestValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ("body", "alerts", index, *problem.field.split(".")),
                    "msg": problem.message,
                }
                for index, problems in unmappable.items()
                for problem in problems
            ]
        )
    results: list[AlertResult] = []
    for index, (alert, target) in enumerate(zip(body.alerts, targets, strict=True)):
        if isinstance(target, list):
            results.append(_result(alert, "skipped", reason=_reason(unmappable[index])))
        elif alert.status == "firing":
            scheduled = await start_or_join(
                client, settings, engine, target.request, notice=target.notice
            )
            results.append(_result(alert, scheduled.decision, run=to_api(scheduled.record)))
        else:
            results.append(await _resolve(client, settings, engine, alert, target))
    return AlertsReply(results=results)


async def _resolve(
    client: Client,
    settings: Settings,
    engine: Engine,
    alert: AlertmanagerAlert,
    target: MappedAlert,
) -> AlertResult:
    """Record a resolution on the key's running run; without one there is nothing to tell."""
    target.request.tenant = settings.tenant
    workflow_id = healing_workflow_id(target.request)
    severity = severity_name(target.request.severity)
    handle = client.get_workflow_handle(workflow_id)
    try:
        described = await handle.describe()
        if described.status == WorkflowExecutionStatus.RUNNING:
            await handle.signal(HealingWorkflow.alert, target.notice)
            # The resolution joined its run; counted so the key's latest alert state reads
            # "resolved" and the focus view stops showing it once the run ends.
            _count(
                engine,
                settings,
                "join",
                workflow_id,
                "resolved: recorded on the running run",
                severity=severity,
                alert_status="resolved",
            )
            record = summary_record(settings, described)
            record.namespace = target.request.namespace
            return _result(alert, "recorded", run=to_api(record))
    except RPCError as error:
        # NOT_FOUND also covers a run that ended between describe and signal.
        if error.status != RPCStatusCode.NOT_FOUND:
            raise
    reason = "resolved, no active run"
    _skip(engine, settings, alert, workflow_id, reason, severity=severity)
    return _result(alert, "skipped", reason=reason)


def _skip(
    engine: Engine,
    settings: Settings,
    alert: AlertmanagerAlert,
    business_key: str,
    reason: str,
    *,
    severity: str = "",
) -> None:
    _count(
        engine, settings, "skip", business_key, reason, severity=severity, alert_status=alert.status
    )


def _count(
    engine: Engine,
    settings: Settings,
    kind: str,
    business_key: str,
    reason: str,
    *,
    severity: str,
    alert_status: str,
) -> None:
    SCHEDULER_DECISIONS.labels(kind).inc()
    with session_scope(engine) as session:
        count(
            session,
            SchedulerEvent(
                kind=kind,
                tenant=settings.tenant,
                business_key=business_key,
                source=SOURCE,
                reason=reason,
                severity=severity,
                alert_status=alert_status,
            ),
        )


def _unmapped_key(alert: AlertmanagerAlert) -> str:
    # Not a workflow id: the alert names no workload, so only Alertmanager's identity is left.
    return f"unmapped:{alert.fingerprint or alertname(alert) or 'unknown'}"


def _reason(problems: list[Problem]) -> str:
    return "; ".join(f"{p.field}: {p.message}" for p in problems)


def _result(
    alert: AlertmanagerAlert,
    action: AlertAction,
    *,
    run: dict[str, Any] | None = None,
    reason: str = "",
) -> AlertResult:
    return AlertResult(
        fingerprint=alert.fingerprint,
        alertname=alertname(alert),
        status=alert.status,
        action=action,
        run=run,
        reason=reason,
    )
