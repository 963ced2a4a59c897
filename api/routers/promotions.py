"""Promotions: start one (a build into an environment) and steer its rollout."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, status
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from api.deps import ClientDep, EngineDep, Operator, SettingsDep
from api.promotion.environments import EnvironmentsDep
from api.promotion.metrics import PROMOTION_CONTROLS, PROMOTIONS_STARTED
from api.promotion.models import ControlCreate, ControlStateView, RunView
from api.run_starts import start_run
from kaizen.catalog.playbooks import ParameterError
from kaizen.contract.json_codec import to_api
from kaizen.kinds.base import StartContext
from kaizen.kinds.promotion import PROMOTION, PromotionCreate, environment_for, promotion_request
from kaizen.persistence import builds
from kaizen.v1.promotion_pb2 import Build, PromotionControl
from workflows.promotion import controls
from workflows.promotion.workflow import PromotionWorkflow

router = APIRouter(prefix="/v1/promotions", tags=["promotions"])

RunId = Annotated[
    str,
    Path(pattern=r"^promotion:[^:]{1,64}:[a-z0-9-]{1,63}:[a-z0-9-]{1,63}$",
         description="The promotion's run id: promotion:<tenant>:<service>:<environment>"),
]  # fmt: skip
# Refusals of the control Update by type (never by message text).
CONTROL_REFUSAL_STATUS = {
    controls.CONTROL_NOT_POSSIBLE: status.HTTP_409_CONFLICT,
    controls.CONTROL_NEEDS_ADMIN: status.HTTP_403_FORBIDDEN,
    controls.INVALID_CONTROL: status.HTTP_422_UNPROCESSABLE_CONTENT,
}


def _build(engine: Engine, tenant: str, build_id: str) -> Build:
    with Session(engine) as session:
        row = builds.get_build(session, tenant, build_id)
        if row is None:
            raise ParameterError("build_id", f"no build {build_id!r} is registered")
        return builds.build_message(session, row)


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=RunView)
async def start_promotion(
    body: PromotionCreate,  # type: ignore[valid-type]
    principal: Operator,
    client: ClientDep,
    settings: SettingsDep,
    engine: EngineDep,
    found: EnvironmentsDep,
) -> dict[str, Any]:
    """Promote a build into an environment, or answer with the promotion already going."""
    fields = body.model_dump(exclude_none=True)  # type: ignore[attr-defined]
    context = StartContext(settings=settings, requested_by=principal.name, source="api")
    # Refused here, before anything starts, with the field named (422).
    target = environment_for(found, fields["environment"])
    build = await asyncio.to_thread(_build, engine, settings.tenant, fields["build_id"])
    request = promotion_request(fields, context, build, target)
    started = await start_run(
        client, engine, PROMOTION, request, context, namespace=target.namespace
    )
    PROMOTIONS_STARTED.labels(target.name, str(started.record.joined).lower()).inc()
    return to_api(started.record)


@router.post("/{run_id}/controls", response_model=ControlStateView)
async def control_promotion(
    run_id: RunId,
    body: ControlCreate,  # type: ignore[valid-type]
    principal: Operator,
    client: ClientDep,
) -> dict[str, Any]:
    """Continue, promote fully (admin), abort, retry the failed step, pause, resume or
    extend an inconclusive analysis; answers where the rollout stands."""
    control = PromotionControl(
        action=body.action, by=principal.name, roles=principal.roles,  # type: ignore[attr-defined]
        reason=body.reason or "", count=body.count or 0,  # type: ignore[attr-defined]
    )  # fmt: skip
    handle = client.get_workflow_handle(run_id)
    description = await handle.describe()
    if description.status is not None and description.status.name != "RUNNING":
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"run {run_id} has ended ({description.status.name.lower()})"
        )
    try:
        state = await handle.execute_update(PromotionWorkflow.control, control)
    except WorkflowUpdateFailedError as error:
        cause = error.cause
        if isinstance(cause, ApplicationError) and cause.type in CONTROL_REFUSAL_STATUS:
            PROMOTION_CONTROLS.labels(control.action, cause.type).inc()
            raise HTTPException(CONTROL_REFUSAL_STATUS[cause.type], cause.message) from error
        raise
    PROMOTION_CONTROLS.labels(control.action, "accepted").inc()
    return to_api(state)
