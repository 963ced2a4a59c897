"""Starting healing runs."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, status
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
)

from api.deps import ClientDep, Operator, SettingsDep
from api.metrics import RUNS_STARTED
from api.run_views import web_ui_url
from api.schemas import HealingRunCreate, RunView
from kaizen.contract.json_codec import from_api, to_api
from kaizen.settings import Settings
from kaizen.temporal.search_attributes import (
    KAIZEN_KIND,
    KAIZEN_PHASE,
    KAIZEN_RISK,
    KAIZEN_SERVICE,
    KAIZEN_TENANT,
)
from kaizen.v1.common_pb2 import RunLimits
from kaizen.v1.healing_pb2 import HealingRequest
from kaizen.v1.run_pb2 import RunRecord
from workflows.healing.workflow import KIND, HealingWorkflow

router = APIRouter(prefix="/v1/healing-runs", tags=["healing"])


def healing_workflow_id(request: HealingRequest) -> str:
    """The business key: one active run per tenant, workload and symptom."""
    return f"healing:{request.tenant}:{request.namespace}:{request.service}:{request.symptom}"


def run_limits(settings: Settings) -> RunLimits:
    return RunLimits(
        run_timeout_seconds=settings.run_timeout_minutes * 60,
        approval_timeout_seconds=settings.approval_timeout_seconds,
        window_recheck_seconds=settings.window_recheck_seconds,
    )


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=RunView)
async def start_healing_run(
    body: HealingRunCreate,  # type: ignore[valid-type]
    principal: Operator,
    client: ClientDep,
    settings: SettingsDep,
) -> dict[str, object]:
    """Start a healing run, or join the one already going for this workload and symptom."""
    request = from_api(body.model_dump(), HealingRequest)  # type: ignore[attr-defined]
    request.tenant = settings.tenant
    request.requested_by = principal.name
    request.limits.CopyFrom(run_limits(settings))
    handle = await client.start_workflow(
        HealingWorkflow.run,
        request,
        id=healing_workflow_id(request),
        task_queue=settings.healing_task_queue,
        # A second alert for the same business key attaches to the running run.
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        # Backstop for the in-workflow watchdog, which records why it aborted.
        execution_timeout=timedelta(minutes=settings.run_timeout_minutes) + timedelta(minutes=5),
        memo={"namespace": request.namespace, "requested_by": principal.name},
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
    response = getattr(handle, "_start_workflow_response", None)
    joined = response is not None and not response.started
    RUNS_STARTED.labels(KIND, str(joined).lower()).inc()
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
    return to_api(record)
