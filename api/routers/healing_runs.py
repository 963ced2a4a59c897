"""Starting healing runs from the API."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from api.deps import ClientDep, Operator, SettingsDep, get_engine
from api.healing_scheduler import start_or_join
from api.schemas import HealingRunCreate, RunView
from kaizen.catalog.playbooks import ParameterError, catalog
from kaizen.contract.json_codec import from_api, to_api
from kaizen.v1.healing_pb2 import AlertNotice, HealingRequest

router = APIRouter(prefix="/v1/healing-runs", tags=["healing"])


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=RunView)
async def start_healing_run(
    body: HealingRunCreate,  # type: ignore[valid-type]
    principal: Operator,
    client: ClientDep,
    settings: SettingsDep,
    http_request: Request,
) -> dict[str, object]:
    """Start a healing run, or join the one already going for this workload and symptom."""
    fields = body.model_dump(exclude_none=True)  # type: ignore[attr-defined]
    request = from_api(fields, HealingRequest)
    if request.playbook:
        # Refused here, before anything starts, with the field named (422).
        catalog(settings.catalog_dir).playbook(request.playbook).resolve_parameters(
            fields.get("parameters", {})
        )
    elif fields.get("parameters"):
        raise ParameterError("parameters", "parameters need a playbook to apply to")
    request.requested_by = principal.name
    request.source = "api"
    notice = AlertNotice(status="firing", alertname=request.symptom, source=principal.name)
    scheduled = await start_or_join(
        client, settings, get_engine(http_request), request, notice=notice
    )
    return to_api(scheduled.record)
