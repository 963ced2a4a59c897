"""Alertmanager's webhook: firing alerts start or join healing runs, resolutions are recorded.

Alerts are handled one by one in the order Alertmanager grouped them, so two
alerts of one group for the same workload start one run: the second joins it.
Each alert's labels name what it is about; api.alerts.workloads resolves that to
its Deployment (a pod through its ReplicaSet), and an alert about nothing Kaizen
can heal is skipped with the reason. A resolution goes to the run its firing
alert reached, even when the pod it named is gone by then (a restart replaces it).

If Temporal fails part-way, the whole delivery answers 5xx and Alertmanager
sends it again; alerts already handled then join their runs. Every delivery,
whatever its answer, is recorded and logged (api.alerts.deliveries).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
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
from api.alerts import deliveries
from api.alerts.deliveries import AlertDeliveriesView, DeliveryResult, Outcome
from api.alerts.workloads import NoWorkload, WorkloadResolver
from api.deps import ClientDep, EngineDep, Operator, SessionDep, SettingsDep, Viewer
from api.healing_scheduler import healing_workflow_id, severity_name, start_or_join
from api.metrics import SCHEDULER_DECISIONS
from api.rca.triggers import rca_after_resolution
from api.run_views import summary_record
from kaizen.contract.json_codec import to_api
from kaizen.contract.payload_size import PayloadTooLarge
from kaizen.persistence.alert_deliveries import last_routed, recent_deliveries
from kaizen.persistence.db import session_scope
from kaizen.persistence.scheduler import SchedulerEvent, count
from kaizen.settings import Settings
from workflows.healing.workflow import HealingWorkflow

log = logging.getLogger("kaizen.api.alerts")

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])
ALERTMANAGER_PATH = "/v1/alerts/alertmanager"


def get_workloads(request: Request) -> WorkloadResolver:
    resolver: WorkloadResolver = request.app.state.workloads
    return resolver


WorkloadsDep = Annotated[WorkloadResolver, Depends(get_workloads)]


@router.post(ALERTMANAGER_PATH.removeprefix(router.prefix))
async def receive_alertmanager(
    body: AlertmanagerWebhook,
    principal: Operator,
    client: ClientDep,
    settings: SettingsDep,
    engine: EngineDep,
    workloads: WorkloadsDep,
) -> AlertsReply:
    """Alertmanager webhook (payload version 4): start, join or resolve healing runs."""
    outcomes: list[Outcome] = []
    result: DeliveryResult = "failed"
    try:
        reply = await _deliver(body, principal.name, client, settings, engine, workloads, outcomes)
        result = "accepted"
        return reply
    except (RequestValidationError, PayloadTooLarge):
        result = "refused"  # answered 422: Alertmanager does not send it again
        raise
    finally:
        try:
            await deliveries.record(
                engine, settings, body, principal=principal.name, result=result, outcomes=outcomes
            )
        except Exception as error:  # the delivery's own answer matters more than its record
            log.warning("delivery not recorded: %s: %s", type(error).__name__, error)


async def _deliver(
    body: AlertmanagerWebhook,
    requested_by: str,
    client: Client,
    settings: Settings,
    engine: Engine,
    workloads: WorkloadResolver,
    outcomes: list[Outcome],
) -> AlertsReply:
    targets = [map_alert(a, settings, requested_by=requested_by) for a in body.alerts]
    unmappable = {i: target for i, target in enumerate(targets) if isinstance(target, list)}
    for index, problems in unmappable.items():
        # Counted even when the whole delivery is refused: the counters account for every trigger.
        alert = body.alerts[index]
        await _skip(engine, settings, alert, _unmapped_key(alert), _reason(problems))
    if len(unmappable) == len(targets):
        outcomes += [
            Outcome(_result(alert, "skipped", reason=_reason(problems)))
            for alert, problems in zip(body.alerts, unmappable.values(), strict=True)
        ]
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
    for index, (alert, target) in enumerate(zip(body.alerts, targets, strict=True)):
        if isinstance(target, list):
            outcomes.append(Outcome(_result(alert, "skipped", reason=_reason(unmappable[index]))))
        elif alert.status == "firing":
            outcomes.append(await _fire(client, settings, engine, workloads, alert, target))
        else:
            outcomes.append(await _resolve(client, settings, engine, workloads, alert, target))
            # RCA (api/rca/triggers.py): a resolved incident gets its root-cause analysis, once.
            await rca_after_resolution(
                client, settings, engine, alert, outcomes[-1], requested_by=requested_by
            )
    return AlertsReply(results=[o.result for o in outcomes])


async def _fire(
    client: Client,
    settings: Settings,
    engine: Engine,
    workloads: WorkloadResolver,
    alert: AlertmanagerAlert,
    target: MappedAlert,
) -> Outcome:
    """Start or join the run of the alert's workload, or skip an alert about none."""
    namespace = target.request.namespace
    answer = await workloads.resolve(namespace, target.subject)
    if isinstance(answer, NoWorkload):
        await _skip(engine, settings, alert, _unmapped_key(alert), answer.reason)
        return Outcome(_result(alert, "skipped", reason=answer.reason), namespace=namespace)
    target.request.service = answer.name
    started = await start_or_join(client, settings, engine, target.request, notice=target.notice)
    record = started.record
    return Outcome(
        _result(alert, started.decision, run=to_api(record), mapping=answer.how),
        namespace=namespace,
        workload=answer.name,
        run=record.id,
        run_id=record.run_id,
    )


async def _resolve(
    client: Client,
    settings: Settings,
    engine: Engine,
    workloads: WorkloadResolver,
    alert: AlertmanagerAlert,
    target: MappedAlert,
) -> Outcome:
    """Record a resolution on the running run its firing alert reached (else the run of its
    workload); without a running one there is nothing to tell."""
    namespace = target.request.namespace
    severity = severity_name(target.request.severity)
    routed = (
        await asyncio.to_thread(_last_routed, engine, settings.tenant, alert.fingerprint)
        if alert.fingerprint
        else None
    )
    if routed is not None:
        workflow_id, namespace, workload = routed
        mapping = f"the run its firing alert reached ({workflow_id})"
    else:
        answer = await workloads.resolve(namespace, target.subject)
        if isinstance(answer, NoWorkload):
            reason = f"resolved, no active run: {answer.reason}"
            await _skip(engine, settings, alert, _unmapped_key(alert), reason, severity=severity)
            return Outcome(_result(alert, "skipped", reason=reason), namespace=namespace)
        target.request.service = workload = answer.name
        target.request.tenant = settings.tenant
        workflow_id, mapping = healing_workflow_id(target.request), answer.how
    handle = client.get_workflow_handle(workflow_id)
    try:
        described = await handle.describe()
        if described.status == WorkflowExecutionStatus.RUNNING:
            await handle.signal(HealingWorkflow.alert, target.notice)
            # The resolution joined its run; counted so the key's latest alert state reads
            # "resolved" and the focus view stops showing it once the run ends.
            await _count(
                engine,
                settings,
                "join",
                workflow_id,
                "resolved: recorded on the running run",
                severity=severity,
                alert_status="resolved",
            )
            record = summary_record(settings, described)
            record.namespace = namespace
            return Outcome(
                _result(alert, "recorded", run=to_api(record), mapping=mapping),
                namespace=namespace,
                workload=workload,
                run=record.id,
                run_id=record.run_id,
            )
    except RPCError as error:
        # NOT_FOUND also covers a run that ended between describe and signal.
        if error.status != RPCStatusCode.NOT_FOUND:
            raise
    reason = "resolved, no active run"
    await _skip(engine, settings, alert, workflow_id, reason, severity=severity)
    return Outcome(
        _result(alert, "skipped", reason=reason, mapping=mapping),
        namespace=namespace,
        workload=workload,
    )


@router.get("/deliveries")
def list_deliveries(
    _principal: Viewer,
    session: SessionDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=500, description="Newest deliveries to return")] = 50,
    status: Annotated[
        Literal["firing", "resolved"] | None,
        Query(description="The group's status as Alertmanager sent it"),
    ] = None,
    action: Annotated[
        AlertAction | None,
        Query(description="Only deliveries with at least one alert of this outcome"),
    ] = None,
) -> AlertDeliveriesView:
    """Webhook deliveries, newest first, and what became of each alert (run, reason)."""
    found = recent_deliveries(
        session, tenant=settings.tenant, limit=limit, status=status, action=action
    )
    return AlertDeliveriesView(deliveries=[deliveries.view(d, o) for d, o in found])


def _last_routed(engine: Engine, tenant: str, fingerprint: str) -> tuple[str, str, str] | None:
    with session_scope(engine) as session:
        outcome = last_routed(session, tenant=tenant, fingerprint=fingerprint)
        return None if outcome is None else (outcome.run, outcome.namespace, outcome.workload)


async def _skip(
    engine: Engine,
    settings: Settings,
    alert: AlertmanagerAlert,
    business_key: str,
    reason: str,
    *,
    severity: str = "",
) -> None:
    await _count(
        engine, settings, "skip", business_key, reason, severity=severity, alert_status=alert.status
    )


async def _count(
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
    event = SchedulerEvent(
        kind=kind,
        tenant=settings.tenant,
        business_key=business_key,
        source=SOURCE,
        reason=reason,
        severity=severity,
        alert_status=alert_status,
    )
    # Off the event loop: a write waiting on SQLite's lock must not stall other requests.
    await asyncio.to_thread(_store_event, engine, event)


def _store_event(engine: Engine, event: SchedulerEvent) -> None:
    with session_scope(engine) as session:
        count(session, event)


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
    mapping: str = "",
) -> AlertResult:
    return AlertResult(
        fingerprint=alert.fingerprint,
        alertname=alertname(alert),
        status=alert.status,
        action=action,
        run=run,
        reason=reason,
        mapping=mapping,
    )
