"""GASI tournaments: start one, steer it, read its hall of fame, champion and progress."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Response, status
from pydantic import BaseModel, Field
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from api.deps import ClientDep, EngineDep, Operator, SettingsDep, Viewer
from api.gasi import hall_of_fame as views
from api.gasi.ciao import ciao
from api.gasi.ciao_svg import render as render_ciao
from api.gasi.progress_svg import render
from api.run_starts import start_run
from api.schemas import RunView
from kaizen.contract.json_codec import to_api
from kaizen.contract.models import response_model
from kaizen.kinds.base import StartContext
from kaizen.kinds.gasi import (
    GASI,
    GASI_ADOPTION,
    GasiAdoptionCreate,
    GasiBudgetsCreate,
    GasiRunCreate,
)
from kaizen.v1.gasi_pb2 import (
    GasiBudgetChange,
    GasiBudgets,
    GasiBudgetState,
    GasiCarry,
    GasiCiao,
    GasiControl,
    GasiHallOfFame,
    GasiProgressPoint,
)
from workflows.gasi.budget import INVALID_BUDGET
from workflows.gasi.workflow import GasiWorkflow

router = APIRouter(prefix="/v1/gasi-runs", tags=["gasi"])

RunId = Annotated[
    str,
    Path(min_length=1, max_length=400, pattern=r"^gasi:", description="The GASI run's id"),
]
HallOfFameView = response_model(GasiHallOfFame)
CiaoView = response_model(GasiCiao)
BudgetStateView = response_model(GasiBudgetState)
CarryView = response_model(GasiCarry)
ProgressPointView = response_model(GasiProgressPoint)


class ProgressView(BaseModel):
    """Per generation: the champion's benchmark and hall-of-fame scores, the adversaries'
    difficulty, evaluations spent; and the run's live state when it is playing."""

    tournament: str
    arena: str
    points: list[ProgressPointView]  # type: ignore[valid-type]
    live: CarryView | None = None  # type: ignore[valid-type]
    svg: str


class ControlBody(BaseModel):
    """Why (kept with the run's events)."""

    reason: str = Field(default="", max_length=500)


class BudgetBody(BaseModel):
    """New budgets; ``generations`` 0 leaves it, -1 makes the run unbounded."""

    budgets: GasiBudgetsCreate  # type: ignore[valid-type]
    generations: int = Field(default=0, ge=-1, le=1_000_000)


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=RunView)
async def start_gasi_run(
    body: GasiRunCreate,
    principal: Operator,
    client: ClientDep,
    settings: SettingsDep,
    engine: EngineDep,
) -> dict[str, Any]:
    """Start a GASI tournament, or join the one playing under the same arena and name."""
    context = StartContext(settings=settings, requested_by=principal.name, source="api")
    request = GASI.build_input(body.model_dump(exclude_none=True), context)
    started = await start_run(client, engine, GASI, request, context)
    return to_api(started.record)


def _handle(client: ClientDep, run_id: str) -> WorkflowHandle[GasiWorkflow, Any]:
    return client.get_workflow_handle_for(GasiWorkflow.run, run_id)


async def _control(
    client: ClientDep,
    run_id: str,
    signal: Callable[[GasiWorkflow, GasiControl], None],
    by: str,
    reason: str,
) -> dict[str, str]:
    """Send a control signal to a playing tournament (409 once it has ended)."""
    handle = _handle(client, run_id)
    await _running(handle)
    await handle.signal(signal, GasiControl(by=by, reason=reason))
    return {"id": run_id, "requested": signal.__name__}


async def _running(handle: WorkflowHandle[Any, Any]) -> None:
    described = await handle.describe()
    if described.status is not None and described.status.name != "RUNNING":
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"run {handle.id} has ended ({described.status.name.lower()})",
        )


@router.post("/{run_id}/pause", status_code=status.HTTP_202_ACCEPTED)
async def pause_gasi_run(
    run_id: RunId, body: ControlBody, principal: Operator, client: ClientDep
) -> dict[str, str]:
    """Pause before the next generation; the generation in play finishes."""
    return await _control(client, run_id, GasiWorkflow.pause, principal.name, body.reason)


@router.post("/{run_id}/resume", status_code=status.HTTP_202_ACCEPTED)
async def resume_gasi_run(
    run_id: RunId, body: ControlBody, principal: Operator, client: ClientDep
) -> dict[str, str]:
    """Resume a paused tournament."""
    return await _control(client, run_id, GasiWorkflow.resume, principal.name, body.reason)


@router.post("/{run_id}/stop", status_code=status.HTTP_202_ACCEPTED)
async def stop_gasi_run(
    run_id: RunId, body: ControlBody, principal: Operator, client: ClientDep
) -> dict[str, str]:
    """End the run after the generation in play (the hall of fame keeps everything)."""
    return await _control(client, run_id, GasiWorkflow.stop, principal.name, body.reason)


@router.post("/{run_id}/budgets", response_model=BudgetStateView)
async def change_gasi_budgets(
    run_id: RunId, body: BudgetBody, principal: Operator, client: ClientDep
) -> dict[str, Any]:
    """Change the budgets (and generations) of a playing tournament; refused with 422 when
    the change is below what was already spent or played."""
    handle = _handle(client, run_id)
    await _running(handle)
    budgets = GasiBudgets(**body.budgets.model_dump(exclude_none=True))  # type: ignore[attr-defined]
    change = GasiBudgetChange(budgets=budgets, generations=body.generations, by=principal.name)
    try:
        state = await handle.execute_update(GasiWorkflow.change_budgets, change)
    except WorkflowUpdateFailedError as error:
        cause = error.cause
        if isinstance(cause, ApplicationError) and cause.type == INVALID_BUDGET:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, cause.message) from None
        raise
    return to_api(state)


@router.get("/{run_id}/hall-of-fame", response_model=HallOfFameView)
async def gasi_hall_of_fame(run_id: RunId, _principal: Viewer, engine: EngineDep) -> dict[str, Any]:
    """Every champion with lineage and scores; the adversary archive with difficulty."""
    return to_api(await asyncio.to_thread(views.hall_of_fame, engine, run_id))


@router.get(
    "/{run_id}/champion",
    response_class=Response,
    responses={200: {"content": {"application/yaml": {}}, "description": "The champion"}},
)
async def gasi_champion(run_id: RunId, _principal: Viewer, engine: EngineDep) -> Response:
    """The reigning champion as a deployable file (alert rules: Prometheus rules YAML)."""
    champion, exported = await asyncio.to_thread(views.champion, engine, run_id)
    return Response(
        exported.content,
        media_type=exported.media_type,
        headers={
            "Content-Disposition": f'inline; filename="{exported.filename}"',
            "X-Kaizen-Champion": champion.candidate.id,
        },
    )


async def _live(client: ClientDep, run_id: str) -> GasiCarry | None:
    handle = _handle(client, run_id)
    try:
        described = await handle.describe()
        if described.status is None or described.status.name != "RUNNING":
            return None
        state: GasiCarry = await handle.query(GasiWorkflow.gasi_state)
        return state
    except Exception:  # noqa: BLE001 - the hall of fame answers even when Temporal cannot
        return None


@router.get("/{run_id}/progress", response_model=ProgressView)
async def gasi_progress(
    run_id: RunId, _principal: Viewer, engine: EngineDep, client: ClientDep
) -> dict[str, Any]:
    """Per generation: benchmark and hall-of-fame scores, adversary difficulty, spend."""
    arena_name, points = await asyncio.to_thread(views.progress, engine, run_id)
    live = await _live(client, run_id)
    return {
        "tournament": run_id,
        "arena": arena_name,
        "points": [to_api(p) for p in points],
        "live": to_api(live) if live is not None else None,
        "svg": f"/v1/gasi-runs/{run_id}/progress.svg",
    }


@router.get(
    "/{run_id}/progress.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}, "description": "Score over time"}},
)
async def gasi_progress_svg(run_id: RunId, _principal: Viewer, engine: EngineDep) -> Response:
    """The champion's benchmark score and the adversaries' difficulty per generation."""
    arena_name, points = await asyncio.to_thread(views.progress, engine, run_id)
    return Response(render(points, f"GASI {arena_name}: {run_id}"), media_type="image/svg+xml")


@router.get("/{run_id}/ciao", response_model=CiaoView)
async def gasi_ciao(run_id: RunId, _principal: Viewer, engine: EngineDep) -> dict[str, Any]:
    """The CIAO matrix: each champion's win rate against each generation's adversaries."""
    view = await asyncio.to_thread(ciao, engine, run_id)
    view.svg = f"/v1/gasi-runs/{run_id}/ciao.svg"
    return to_api(view)


@router.get(
    "/{run_id}/ciao.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}, "description": "The CIAO heat map"}},
)
async def gasi_ciao_svg(run_id: RunId, _principal: Viewer, engine: EngineDep) -> Response:
    """The CIAO matrix as a heat map (red lost, green won, grey never met)."""
    view = await asyncio.to_thread(ciao, engine, run_id)
    return Response(render_ciao(view, f"GASI {view.arena}: {run_id}"), media_type="image/svg+xml")


@router.post(
    "/{run_id}/champion/adopt", status_code=status.HTTP_202_ACCEPTED, response_model=RunView
)
async def adopt_gasi_champion(
    run_id: RunId,
    body: GasiAdoptionCreate,
    principal: Operator,
    client: ClientDep,
    settings: SettingsDep,
    engine: EngineDep,
) -> dict[str, Any]:
    """Ask to adopt the reigning champion: an adoption run waits for approval
    (``POST /v1/runs/{id}/approvals``), then writes the rules file and its diff."""
    context = StartContext(settings=settings, requested_by=principal.name, source="api")
    fields = {"tournament": run_id, **body.model_dump(exclude_none=True)}
    request = await asyncio.to_thread(GASI_ADOPTION.build_input, fields, context)
    started = await start_run(client, engine, GASI_ADOPTION, request, context)
    return to_api(started.record)
