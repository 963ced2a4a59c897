"""Schedules of runs of every kind, on Temporal Schedules.

A schedule's input is validated as its kind's start endpoint validates a body,
at create and update time, so a bad input is a 422 now rather than a failed run
at 3 a.m. Every change is recorded with who made it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import (
    Client,
    ScheduleAlreadyRunningError,
    ScheduleBackfill,
    ScheduleHandle,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.service import RPCError, RPCStatusCode

from api.deps import Admin, ClientDep, EngineDep, Operator, SettingsDep, Viewer
from api.metrics import SCHEDULE_CHANGES
from api.principal import Principal
from api.schedules.declarations import declared
from api.schedules.models import (
    NAME_PATTERN,
    BackfillBody,
    NoteBody,
    PoliciesBody,
    ScheduleChange,
    ScheduleCreate,
    ScheduleView,
    SpecBody,
    TriggerBody,
)
from api.schedules.temporal import (
    OVERLAPS,
    build_schedule,
    declaration,
    name_of,
    temporal_id,
    validated_input,
    view,
)
from kaizen.catalog.playbooks import ParameterError
from kaizen.kinds.base import RunKind, StartContext
from kaizen.kinds.registry import UnknownKind, run_kind
from kaizen.persistence.db import session_scope
from kaizen.persistence.schedule_changes import changes_of, record_change
from kaizen.settings import Settings

router = APIRouter(prefix="/v1/schedules", tags=["schedules"])

ScheduleName = Annotated[str, Path(pattern=NAME_PATTERN, description="The schedule's name")]


def _kind(name: str) -> RunKind:
    try:
        kind = run_kind(name)
    except UnknownKind as error:
        raise ParameterError("kind", str(error)) from error
    if not kind.schedulable:
        raise ParameterError("kind", f"runs of kind {name!r} cannot be scheduled")
    return kind


def _context(settings: Settings, name: str, principal: Principal) -> StartContext:
    return StartContext(settings=settings, requested_by=principal.name, source=f"schedule:{name}")


@asynccontextmanager
async def _existing(client: Client, settings: Settings, name: str) -> AsyncIterator[ScheduleHandle]:
    """The schedule's handle; a schedule Temporal does not know is a 404."""
    try:
        yield client.get_schedule_handle(temporal_id(settings, name))
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no schedule {name!r}") from error
        raise


def _record(
    engine: Engine, settings: Settings, name: str, action: str, by: str, detail: str = "", *,
    declared: str = "",
) -> None:  # fmt: skip
    with session_scope(engine) as session:
        record_change(
            session, tenant=settings.tenant, schedule_id=name, action=action, principal=by,
            detail=detail, declaration=declared,
        )  # fmt: skip
    SCHEDULE_CHANGES.labels(action).inc()


async def _view(client: Client, engine: Engine, settings: Settings, name: str) -> ScheduleView:
    async with _existing(client, settings, name) as handle:
        described = await handle.describe()
    with Session(engine) as session:
        changes = changes_of(session, tenant=settings.tenant, schedule_id=name)
    return view(settings, name, described, declared(engine, settings, name), changes)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ScheduleView)
async def create_schedule(
    body: ScheduleCreate,
    principal: Operator,
    client: ClientDep,
    settings: SettingsDep,
    engine: EngineDep,
) -> ScheduleView:
    """Create a schedule that starts runs of ``kind`` with ``input`` (validated now)."""
    kind = _kind(body.kind)
    context = _context(settings, body.id, principal)
    fields, message = validated_input(kind, body.input, context)
    schedule = build_schedule(
        kind, message, context, spec=body.spec, policies=body, paused=body.paused,
        note=body.note, limit=body.limit,
    )  # fmt: skip
    try:
        await client.create_schedule(temporal_id(settings, body.id), schedule)
    except ScheduleAlreadyRunningError as error:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"a schedule named {body.id!r} exists already"
        ) from error
    declared = declaration(
        kind=kind.name, fields=fields, spec=body.spec, policies=body, created_by=principal.name
    )
    await asyncio.to_thread(
        _record, engine, settings, body.id, "created", principal.name,
        f"{kind.name} schedule", declared=declared,
    )  # fmt: skip
    return await _view(client, engine, settings, body.id)


@router.get("", response_model=list[ScheduleView])
async def list_schedules(
    _principal: Viewer,
    client: ClientDep,
    settings: SettingsDep,
    engine: EngineDep,
    kind: Annotated[str | None, Query(max_length=64, description="Only this kind")] = None,
) -> list[ScheduleView]:
    """This tenant's schedules: state, next fire times, the last runs they started."""
    found: list[ScheduleView] = []
    async for listed in await client.list_schedules():
        name = name_of(settings, listed.id)
        if name is None:
            continue  # another tenant's, or not Kaizen's
        as_declared = declared(engine, settings, name)
        if kind is not None and as_declared.get("kind") != kind:
            continue
        found.append(view(settings, name, listed, as_declared))
    return sorted(found, key=lambda v: v.id)


@router.get("/{name}", response_model=ScheduleView)
async def get_schedule(
    name: ScheduleName, _principal: Viewer, client: ClientDep, settings: SettingsDep,
    engine: EngineDep,
) -> ScheduleView:  # fmt: skip
    """One schedule, with its counters and the changes made to it."""
    return await _view(client, engine, settings, name)


@router.patch("/{name}", response_model=ScheduleView)
async def update_schedule(
    name: ScheduleName,
    body: ScheduleChange,
    principal: Operator,
    client: ClientDep,
    settings: SettingsDep,
    engine: EngineDep,
) -> ScheduleView:
    """Change the spec, the policies or the input (validated as at create)."""
    current = declared(engine, settings, name)
    if not current:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no schedule {name!r} made by Kaizen")
    kind = _kind(str(current["kind"]))
    context = _context(settings, name, principal)
    fields, message = validated_input(
        kind, body.input if body.input is not None else current["input"], context
    )
    keys = set(PoliciesBody.model_fields)
    policies = PoliciesBody.model_validate(
        {
            **{key: value for key, value in current.items() if key in keys},
            **body.model_dump(include=keys, exclude_none=True),
        }
    )
    spec = body.spec or SpecBody.model_validate(current["spec"])

    def change(live: ScheduleUpdateInput) -> ScheduleUpdate:
        state = live.description.schedule.state
        schedule = build_schedule(
            kind, message, context, spec=spec, policies=policies, paused=state.paused,
            note=state.note or "",
            limit=(body.limit or None) if body.limit is not None
            else (state.remaining_actions if state.limited_actions else None),
        )  # fmt: skip
        return ScheduleUpdate(schedule=schedule)

    async with _existing(client, settings, name) as handle:
        await handle.update(change)
    updated = declaration(
        kind=kind.name, fields=fields, spec=spec, policies=policies,
        created_by=str(current.get("created_by", "")),
    )  # fmt: skip
    what = ", ".join(k for k, v in body.model_dump(exclude_none=True).items() if v is not None)
    await asyncio.to_thread(
        _record, engine, settings, name, "updated", principal.name, what, declared=updated
    )
    return await _view(client, engine, settings, name)


@router.post("/{name}/pause", response_model=ScheduleView)
async def pause_schedule(
    name: ScheduleName, body: NoteBody, principal: Operator, client: ClientDep,
    settings: SettingsDep, engine: EngineDep,
) -> ScheduleView:  # fmt: skip
    """Stop firing until unpaused; the note says why (shown in the Web UI too)."""
    note = body.note or f"paused by {principal.name}"
    async with _existing(client, settings, name) as handle:
        await handle.pause(note=note)
    await asyncio.to_thread(_record, engine, settings, name, "paused", principal.name, note)
    return await _view(client, engine, settings, name)


@router.post("/{name}/unpause", response_model=ScheduleView)
async def unpause_schedule(
    name: ScheduleName, body: NoteBody, principal: Operator, client: ClientDep,
    settings: SettingsDep, engine: EngineDep,
) -> ScheduleView:  # fmt: skip
    """Fire again from the next fire time on."""
    note = body.note or f"unpaused by {principal.name}"
    async with _existing(client, settings, name) as handle:
        await handle.unpause(note=note)
    await asyncio.to_thread(_record, engine, settings, name, "unpaused", principal.name, note)
    return await _view(client, engine, settings, name)


@router.post("/{name}/trigger", status_code=status.HTTP_202_ACCEPTED, response_model=ScheduleView)
async def trigger_schedule(
    name: ScheduleName, body: TriggerBody, principal: Operator, client: ClientDep,
    settings: SettingsDep, engine: EngineDep,
) -> ScheduleView:  # fmt: skip
    """Fire once now (the overlap policy applies unless overridden)."""
    async with _existing(client, settings, name) as handle:
        await handle.trigger(overlap=OVERLAPS[body.overlap] if body.overlap else None)
    detail = f"overlap {body.overlap}" if body.overlap else "schedule's overlap policy"
    await asyncio.to_thread(_record, engine, settings, name, "triggered", principal.name, detail)
    return await _view(client, engine, settings, name)


@router.post("/{name}/backfill", status_code=status.HTTP_202_ACCEPTED, response_model=ScheduleView)
async def backfill_schedule(
    name: ScheduleName, body: BackfillBody, principal: Operator, client: ClientDep,
    settings: SettingsDep, engine: EngineDep,
) -> ScheduleView:  # fmt: skip
    """Take the actions the schedule would have taken between two past times."""
    async with _existing(client, settings, name) as handle:
        await handle.backfill(
            ScheduleBackfill(
                start_at=body.start_at, end_at=body.end_at, overlap=OVERLAPS[body.overlap]
            )
        )
    detail = f"{body.start_at.isoformat()} to {body.end_at.isoformat()}, overlap {body.overlap}"
    await asyncio.to_thread(_record, engine, settings, name, "backfilled", principal.name, detail)
    return await _view(client, engine, settings, name)


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_schedule(
    name: ScheduleName, principal: Admin, client: ClientDep, settings: SettingsDep,
    engine: EngineDep,
) -> None:  # fmt: skip
    """Delete the schedule; it fires nothing more (runs it started go on)."""
    async with _existing(client, settings, name) as handle:
        await handle.delete()
    await asyncio.to_thread(_record, engine, settings, name, "deleted", principal.name)
