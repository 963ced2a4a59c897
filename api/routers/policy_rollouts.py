"""Policy rollouts: start one (a version to a fleet, or back to one); read it at /v1/runs."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, status
from sqlmodel import Session

from api.deps import ClientDep, EngineDep, Operator, SettingsDep
from api.run_starts import start_run
from kaizen.contract.json_codec import to_api
from kaizen.contract.models import response_model
from kaizen.kinds.base import StartContext
from kaizen.kinds.policy_rollout import (
    POLICY_ROLLOUT,
    PolicyRolloutCreate,
    policy_rollout_request,
)
from kaizen.v1.policy_rollout_pb2 import PolicyRolloutRequest
from kaizen.v1.run_pb2 import RunRecord

router = APIRouter(prefix="/v1/policy-rollouts", tags=["policy rollouts"])

RunView = response_model(RunRecord)


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=RunView)
async def start_policy_rollout(
    body: PolicyRolloutCreate,  # type: ignore[valid-type]
    principal: Operator,
    client: ClientDep,
    settings: SettingsDep,
    engine: EngineDep,
) -> dict[str, Any]:
    """Roll a version out to a fleet, or answer with the rollout already going there."""
    fields = body.model_dump(exclude_none=True)  # type: ignore[attr-defined]
    context = StartContext(settings=settings, requested_by=principal.name, source="api")

    def resolve() -> PolicyRolloutRequest:
        with Session(engine) as session:
            return policy_rollout_request(session, fields, context)

    # Refused here, before anything starts, with the field named (422).
    request = await asyncio.to_thread(resolve)
    started = await start_run(client, engine, POLICY_ROLLOUT, request, context)
    return to_api(started.record)
