"""Starting a healing run, or joining the one that owns its business key.

The workflow id *is* the business key (tenant, namespace, service, symptom),
so Temporal itself guarantees one active run per key: a second trigger while a
run is going is attached to it (``USE_EXISTING``). After the run ends, triggers
for the same key join the finished run for a backoff period instead of
starting a fresh attempt at once; a fix that just failed should not be retried
in a tight loop by a flapping alert. Every decision is counted with its reason.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, Literal

from sqlalchemy.engine import Engine
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.metrics import RUNS_STARTED, SCHEDULER_DECISIONS
from api.payload_size import check_payload_size
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
from kaizen.v1.healing_pb2 import AlertNotice, HealingRequest
from kaizen.v1.run_pb2 import RunRecord
from workflows.healing.workflow import KIND, HealingWorkflow

Decision = Literal["proposal", "join", "backoff"]
# The in-workflow watchdog records why it aborted; this backstop only catches a wedged run.
EXECUTION_TIMEOUT_MARGIN: Final = timedelta(minutes=5)


def healing_workflow_id(request: HealingRequest) -> str:
    """The business key: one active run per tenant, workload and symptom."""
    return f"healing:{request.tenant}:{request.namespace}:{request.service}:{request.symptom}"


def severity_name(severity: int) -> str:
    return Severity.Name(severity).removeprefix("SEVERITY_").lower()


def run_limits(settings: Settings) -> RunLimits:
    return RunLimits(
        run_timeout_seconds=settings.run_timeout_minutes * 60,
        approval_timeout_seconds=settings.approval_timeout_seconds,
        window_recheck_seconds=settings.window_recheck_seconds,
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
    """Start the run for ``request``'s key, join the active one, or join a just-ended one.

    ``notice`` describes the trigger; a joined run records it as an event.
    """
    request.tenant = settings.tenant
    request.limits.CopyFrom(run_limits(settings))
    # Before anything is sent: a payload the server would refuse is the caller's to shrink.
    for message in (request, notice):
        check_payload_size(client.data_converter, message, settings.max_payload_bytes)
    workflow_id = healing_workflow_id(request)
    try:
        # One round trip in the common cases (a new key, or a run still going): only
        # when a finished run of this key exists does the backoff need a describe.
        scheduled = await _start(
            client, settings, request, workflow_id, reuse=_first_reuse(settings)
        )
    except WorkflowAlreadyStartedError:
        scheduled = await _recently_closed(client, settings, workflow_id) or await _start(
            client, settings, request, workflow_id, reuse=WorkflowIDReusePolicy.ALLOW_DUPLICATE
        )
    if scheduled.decision == "join":
        # Recorded on the run: who else saw the problem, and when.
        await client.get_workflow_handle(workflow_id).signal(HealingWorkflow.alert, notice)
    RUNS_STARTED.labels(KIND, str(scheduled.decision != "proposal").lower()).inc()
    SCHEDULER_DECISIONS.labels(scheduled.decision).inc()
    event = SchedulerEvent(
        kind=scheduled.decision,
        tenant=request.tenant,
        business_key=workflow_id,
        source=request.source or "api",
        severity=severity_name(request.severity),
        alert_status=notice.status if notice.alertname else "",
        reason={
            "proposal": "no run active for this key: started one",
            "join": "a run for this key is active: joined it",
            "backoff": "a run for this key ended within the backoff: joined it",
        }[scheduled.decision],
    )
    # Off the event loop: a write waiting on SQLite's lock must not stall every other request.
    await asyncio.to_thread(_record, engine, event)
    return scheduled


def _first_reuse(settings: Settings) -> WorkflowIDReusePolicy:
    """Refuse to reuse a finished run's id while a backoff applies, so its end is checked."""
    if settings.healing_backoff_seconds > 0:
        return WorkflowIDReusePolicy.REJECT_DUPLICATE
    return WorkflowIDReusePolicy.ALLOW_DUPLICATE


def _record(engine: Engine, event: SchedulerEvent) -> None:
    with session_scope(engine) as session:
        count(session, event)


async def _recently_closed(
    client: Client, settings: Settings, workflow_id: str
) -> Scheduled | None:
    if settings.healing_backoff_seconds <= 0:
        return None
    try:
        described = await client.get_workflow_handle(workflow_id).describe()
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return None
        raise
    if described.status == WorkflowExecutionStatus.RUNNING or described.close_time is None:
        return None  # the start below attaches to it
    if datetime.now(UTC) - described.close_time > timedelta(
        seconds=settings.healing_backoff_seconds
    ):
        return None
    record = summary_record(settings, described)
    record.joined = True
    return Scheduled(record=record, decision="backoff")


async def _start(
    client: Client,
    settings: Settings,
    request: HealingRequest,
    workflow_id: str,
    *,
    reuse: WorkflowIDReusePolicy,
) -> Scheduled:
    handle = await client.start_workflow(
        HealingWorkflow.run,
        request,
        id=workflow_id,
        task_queue=settings.healing_task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=reuse,
        execution_timeout=timedelta(minutes=settings.run_timeout_minutes)
        + EXECUTION_TIMEOUT_MARGIN,
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
    # The SDK keeps the start response; ``started`` is False when USE_EXISTING attached.
    response = getattr(handle, "_start_workflow_response", None)
    joined = response is not None and not response.started
    record = RunRecord(
        id=handle.id,
        run_id=handle.result_run_id or "",
        kind=KIND,
        status="running",
        phase="" if joined else "starting",
        service=request.service,
        namespace=request.namespace,
        tenant=request.tenant,
        joined=joined,
        web_ui_url=web_ui_url(settings, handle.id, handle.result_run_id),
    )
    return Scheduled(record=record, decision="join" if joined else "proposal")
