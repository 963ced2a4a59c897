"""Starting a healing run, or handing the trigger to the one that owns its workload.

One mutating run per workload: the business key is (tenant, namespace,
workload), whatever the alert's name, so two rules firing for one Deployment
make one run that records both, never two runs racing to restart it. Joining
is atomic (api.run_scheduler: Signal-With-Start).

After a run *acted* (fixed, rolled back, aborted or rejected), triggers for the
workload are held back for ``KAIZEN_HEALING_BACKOFF_SECONDS``: a fix that just
failed should not be retried in a tight loop by a flapping alert. A run that
only observed, or that policy denied, holds nothing back, so a mode changed
after it takes effect on the very next trigger. Every decision is counted with
its reason.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from sqlalchemy.engine import Engine
from temporalio.client import Client, WorkflowExecutionDescription, WorkflowExecutionStatus
from temporalio.common import SearchAttributePair, TypedSearchAttributes

from api.metrics import RUNS_STARTED, SCHEDULER_DECISIONS
from api.run_scheduler import Decision, RunTrigger, join_or_start
from api.run_views import summary_record, web_ui_url
from kaizen.persistence.db import session_scope
from kaizen.persistence.scheduler import SchedulerEvent, count
from kaizen.settings import Settings
from kaizen.temporal.search_attributes import (
    KAIZEN_KIND,
    KAIZEN_PHASE,
    KAIZEN_RISK,
    KAIZEN_SERVICE,
    KAIZEN_TENANT,
)
from kaizen.v1.common_pb2 import RunLimits, Severity
from kaizen.v1.healing_pb2 import (
    HEALING_OUTCOME_DENIED,
    HEALING_OUTCOME_OBSERVED,
    AlertNotice,
    HealingRequest,
    HealingResult,
)
from kaizen.v1.run_pb2 import RunRecord
from workflows.healing.workflow import KIND, HealingWorkflow

# The in-workflow watchdog records why it aborted; this backstop only catches a wedged run.
EXECUTION_TIMEOUT_MARGIN: Final = timedelta(minutes=5)
# Outcomes of runs that changed nothing and asked no one: they hold no trigger back.
HELD_BACK_BY_NOTHING: Final = frozenset({HEALING_OUTCOME_OBSERVED, HEALING_OUTCOME_DENIED})
SCHEDULER_KINDS: Final[dict[Decision, str]] = {
    "started": "proposal",
    "joined": "join",
    "backoff": "backoff",
}
REASONS: Final[dict[Decision, str]] = {
    "started": "no run active for this workload: started one",
    "joined": "a run for this workload is active: joined it",
    "backoff": "a run for this workload acted and ended within the backoff: held back",
}


def healing_workflow_id(request: HealingRequest) -> str:
    """The business key: one active run per tenant and workload."""
    return f"healing:{request.tenant}:{request.namespace}:{request.service}"


def severity_name(severity: int) -> str:
    return Severity.Name(severity).removeprefix("SEVERITY_").lower()


def run_limits(settings: Settings) -> RunLimits:
    return RunLimits(
        run_timeout_seconds=settings.run_timeout_minutes * 60,
        approval_timeout_seconds=settings.approval_timeout_seconds,
        window_recheck_seconds=settings.window_recheck_seconds,
        alert_resolution_seconds=settings.healing_alert_resolution_seconds,
    )


@dataclass(frozen=True)
class Scheduled:
    record: RunRecord
    decision: Decision


async def start_or_join(
    client: Client,
    settings: Settings,
    engine: Engine,
    request: HealingRequest,
    *,
    notice: AlertNotice,
) -> Scheduled:
    """Start the run for ``request``'s workload, hand ``notice`` to the running one, or hold
    it back after a run that acted; ``notice`` is recorded on whichever run receives it."""
    request.tenant = settings.tenant
    request.limits.CopyFrom(run_limits(settings))
    scheduled = await join_or_start(
        client,
        _trigger(settings, request, notice),
        payload_limit=settings.max_payload_bytes,
        holds_back=_acted,
    )
    if scheduled.closed is not None:
        record = summary_record(settings, scheduled.closed)
    else:
        record = RunRecord(
            id=scheduled.workflow_id,
            run_id=scheduled.run_id,
            kind=KIND,
            status="running",
            phase="starting" if scheduled.decision == "started" else "",
            service=request.service,
            tenant=request.tenant,
            web_ui_url=web_ui_url(settings, scheduled.workflow_id, scheduled.run_id),
        )
    record.namespace = request.namespace
    record.joined = scheduled.decision != "started"
    RUNS_STARTED.labels(KIND, str(record.joined).lower()).inc()
    kind = SCHEDULER_KINDS[scheduled.decision]
    SCHEDULER_DECISIONS.labels(kind).inc()
    event = SchedulerEvent(
        kind=kind,
        tenant=request.tenant,
        business_key=scheduled.workflow_id,
        source=request.source or "api",
        severity=severity_name(request.severity),
        alert_status=notice.status if notice.alertname else "",
        reason=REASONS[scheduled.decision],
    )
    # Off the event loop: a write waiting on SQLite's lock must not stall every other request.
    await asyncio.to_thread(_record, engine, event)
    return Scheduled(record=record, decision=scheduled.decision)


def _trigger(settings: Settings, request: HealingRequest, notice: AlertNotice) -> RunTrigger:
    return RunTrigger(
        workflow=HealingWorkflow.run,
        input=request,
        workflow_id=healing_workflow_id(request),
        task_queue=settings.healing_task_queue,
        signal="alert",
        notice=notice,
        execution_timeout=timedelta(minutes=settings.run_timeout_minutes)
        + EXECUTION_TIMEOUT_MARGIN,
        backoff=timedelta(seconds=settings.healing_backoff_seconds),
        memo={
            "namespace": request.namespace,
            "requested_by": request.requested_by,
            "symptom": request.symptom,
            "severity": severity_name(request.severity),
            "source": request.source or "api",
        },
        search_attributes=TypedSearchAttributes(
            [
                SearchAttributePair(KAIZEN_KIND, KIND),
                SearchAttributePair(KAIZEN_TENANT, request.tenant),
                SearchAttributePair(KAIZEN_SERVICE, request.service),
                SearchAttributePair(KAIZEN_PHASE, "starting"),
                SearchAttributePair(KAIZEN_RISK, "unknown"),
            ]
        ),
    )


async def _acted(client: Client, described: WorkflowExecutionDescription) -> bool:
    """Whether an ended run may have changed something (or asked a human) and so holds
    triggers back; a run that ended some other way than completing is assumed to have."""
    if described.status != WorkflowExecutionStatus.COMPLETED:
        return True
    result: HealingResult = await client.get_workflow_handle(
        described.id, run_id=described.run_id, result_type=HealingResult
    ).result()
    return result.outcome not in HELD_BACK_BY_NOTHING


def _record(engine: Engine, event: SchedulerEvent) -> None:
    with session_scope(engine) as session:
        count(session, event)
