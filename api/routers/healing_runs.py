"""Starting healing runs from the API."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import ClientDep, EngineDep, Operator, SettingsDep
from api.run_starts import start_run
from api.schemas import RunView
from kaizen.contract.json_codec import to_api
from kaizen.kinds.base import StartContext
from kaizen.kinds.healing import HEALING, HealingRunCreate

router = APIRouter(prefix="/v1/healing-runs", tags=["healing"])


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=RunView)
async def start_healing_run(
    body: HealingRunCreate,  # type: ignore[valid-type]
    principal: Operator,
    client: ClientDep,
    settings: SettingsDep,
    engine: EngineDep,
) -> dict[str, object]:
    """Start a healing run, or join the one already going for this workload."""
    context = StartContext(settings=settings, requested_by=principal.name, source="api")
    # Refused here, before anything starts, with the field named (422).
    request = HEALING.build_input(body.model_dump(exclude_none=True), context)  # type: ignore[attr-defined]
    started = await start_run(
        client,
        engine,
        HEALING,
        request,
        context,
        namespace=body.namespace,  # type: ignore[attr-defined]
    )
    return to_api(started.record)
