"""Policy rollouts: start one (a version to a fleet, or back to one); read it at /v1/runs."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, status
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from api.deps import ClientDep, EngineDep, Operator, SettingsDep
from api.policy_rollout.cutover import prepare_cutover
from api.policy_rollout.deps import OpaCliDep
from api.run_starts import start_run
from kaizen.contract.json_codec import to_api
from kaizen.contract.models import response_model
from kaizen.kinds.base import StartContext
from kaizen.kinds.policy_rollout import (
    POLICY_ROLLOUT,
    PolicyRolloutCreate,
    policy_rollout_request,
)
from kaizen.v1.policy_rollout_pb2 import (
    PolicyCutoverAbort,
    PolicyCutoverAbortAnswer,
    PolicyRolloutRequest,
)
from kaizen.v1.run_pb2 import RunRecord
from workflows.policy_rollout.workflow import PolicyRolloutWorkflow

router = APIRouter(prefix="/v1/policy-rollouts", tags=["policy rollouts"])

RunView = response_model(RunRecord)
AbortView = response_model(PolicyCutoverAbortAnswer)
RunId = Annotated[
    str, Path(pattern=r"^policy_rollout:[^/]{1,300}$", description="The rollout's run id")
]


class CutoverAbortCreate(BaseModel):
    """Abort a cutover before its instant."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=500)


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=RunView)
async def start_policy_rollout(
    body: PolicyRolloutCreate,  # type: ignore[valid-type]
    principal: Operator,
    client: ClientDep,
    settings: SettingsDep,
    engine: EngineDep,
    cli: OpaCliDep,
) -> dict[str, Any]:
    """Roll a version out to a fleet, or answer with the rollout already going there."""
    fields = body.model_dump(exclude_none=True)  # type: ignore[attr-defined]
    context = StartContext(settings=settings, requested_by=principal.name, source="api")

    def resolve() -> PolicyRolloutRequest:
        with Session(engine) as session:
            return policy_rollout_request(session, fields, context)

    # Refused here, before anything starts, with the field named (422).
    request = await asyncio.to_thread(resolve)
    if request.strategy.HasField("cutover"):
        await prepare_cutover(engine, cli, settings.home, request)
    started = await start_run(client, engine, POLICY_ROLLOUT, request, context)
    return to_api(started.record)


@router.post("/{run_id}/abort", response_model=AbortView)
async def abort_policy_cutover(
    run_id: RunId, body: CutoverAbortCreate, principal: Operator, client: ClientDep
) -> dict[str, Any]:
    """Abort a cutover before its instant: every node goes back to the old version (409
    once it is too late, or for a rollout that is not a cutover)."""
    handle = client.get_workflow_handle(run_id)
    try:
        answer = await handle.execute_update(
            PolicyRolloutWorkflow.abort_cutover,
            PolicyCutoverAbort(by=principal.name, reason=body.reason),
        )
    except WorkflowUpdateFailedError as error:
        cause = error.cause
        if isinstance(cause, ApplicationError) and cause.type == "CutoverNotAbortable":
            raise HTTPException(status.HTTP_409_CONFLICT, cause.message) from None
        raise
    return to_api(answer)
