"""Reading, approving and cancelling runs of every kind."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, HTTPException, Path, Query, Request, Response, status
from pydantic_core import to_json
from temporalio.client import WorkflowHandle

from api.deps import Approver, ClientDep, Operator, SettingsDep, Viewer
from api.metrics import APPROVAL_VOTES
from api.run_list import list_query, list_rows
from api.run_views import KINDS, VISIBILITY_STATUS, detailed_record
from api.schedules.models import NAME_PATTERN as SCHEDULE_NAME
from api.schedules.temporal import temporal_id
from api.schemas import ApprovalCreate, ApprovalStateView, RunView
from api.voting import VoteRefused, cast_vote
from kaizen.contract.json_codec import from_api, to_api
from kaizen.v1.approval_pb2 import ApprovalVote

router = APIRouter(prefix="/v1/runs", tags=["runs"])

RunId = Annotated[str, Path(min_length=1, max_length=400, description="The run's id")]
ServiceName = Annotated[
    str | None, Query(pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", description="Service")
]


@router.get("/{run_id}", response_model=RunView)
async def get_run(
    run_id: RunId, _principal: Viewer, client: ClientDep, settings: SettingsDep
) -> dict[str, Any]:
    """One run: status, phase, pending approval, events and result."""
    record = await detailed_record(settings, client, run_id)
    return to_api(record)


@router.get("", response_model=list[RunView])  # type: ignore[valid-type]
async def list_runs(
    _principal: Viewer,
    client: ClientDep,
    settings: SettingsDep,
    kind: Annotated[Literal[KINDS] | None, Query(description="Run kind")] = None,  # type: ignore[valid-type]
    status_: Annotated[
        Literal[tuple(VISIBILITY_STATUS)] | None,  # type: ignore[valid-type]
        Query(alias="status", description="Temporal status of the run"),
    ] = None,
    service: ServiceName = None,
    schedule: Annotated[
        str | None,
        Query(pattern=SCHEDULE_NAME, description="Only runs this schedule started"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """Runs, newest first, filtered by kind, status, service and schedule."""
    query = list_query(
        kind=kind,
        status=status_,
        service=service,
        schedule_id=temporal_id(settings, schedule) if schedule else None,
    )
    rows = await list_rows(client, settings, query, limit)
    # The rows already have the response model's shape (api.run_list); validating them
    # again costs about as much as building them did.
    return Response(to_json(rows), media_type="application/json")


async def _require_running(handle: WorkflowHandle[Any, Any]) -> None:
    description = await handle.describe()
    if description.status is not None and description.status.name != "RUNNING":
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"run {handle.id} has ended ({description.status.name.lower()})",
        )


@router.post("/{run_id}/approvals", response_model=ApprovalStateView)
async def approve_run(
    run_id: RunId,
    body: ApprovalCreate,  # type: ignore[valid-type]
    principal: Approver,
    client: ClientDep,
    request: Request,
    idempotency_key: Annotated[
        str | None,
        Header(max_length=200, description="Retry-safe vote id; a repeated key counts once"),
    ] = None,
) -> dict[str, Any]:
    """Vote on the run's pending approval (approve or reject)."""
    handle = client.get_workflow_handle(run_id)
    await _require_running(handle)
    vote = from_api(body.model_dump(), ApprovalVote)  # type: ignore[attr-defined]
    vote.source = "api"
    vote.vote_id = idempotency_key or f"api-{uuid.uuid4()}"
    try:
        counted = await cast_vote(
            client, request.app.state.policy, run_id=run_id, principal=principal, vote=vote
        )
    except VoteRefused as refused:
        APPROVAL_VOTES.labels("api", refused.reason.lower()).inc()
        raise  # api.errors maps the refusal's type to 403/409
    APPROVAL_VOTES.labels("api", "accepted").inc()
    return to_api(counted.state)


@router.post("/{run_id}/cancel", status_code=status.HTTP_202_ACCEPTED, response_model=RunView)
async def cancel_run(
    run_id: RunId, _principal: Operator, client: ClientDep, settings: SettingsDep
) -> dict[str, Any]:
    """Ask the run to stop; it records the cancellation and ends as cancelled."""
    handle = client.get_workflow_handle(run_id)
    await _require_running(handle)
    await handle.cancel()
    record = await detailed_record(settings, client, run_id)
    return to_api(record)
