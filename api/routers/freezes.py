"""Freezes: the stop-the-line switch every run obeys before its next mutating step."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client

from api.deps import Admin, ClientDep, EngineDep, Operator, SettingsDep, Viewer
from api.metrics import FREEZE_CHANGES
from api.run_signals import signal_running_runs
from api.schemas import FreezeView
from kaizen.contract.json_codec import to_api
from kaizen.contract.names import K8S_NAME
from kaizen.persistence import freezes as store
from kaizen.persistence.db import session_scope
from kaizen.v1.freeze_pb2 import FreezeSignal

log = logging.getLogger("kaizen.api.freezes")

router = APIRouter(prefix="/v1/freezes", tags=["freezes"])

FreezeId = Annotated[str, Path(max_length=64, description="The freeze's id")]


class FreezeCreate(BaseModel):
    """Freeze a scope now: runs it covers park before their next mutating step."""

    model_config = ConfigDict(extra="forbid")

    scope: Literal["global", "environment", "service"]
    target: str = Field(
        default="", description="The environment or service; empty for a global freeze"
    )
    reason: str = Field(min_length=1, max_length=500)
    until: datetime | None = Field(default=None, description="Lifts by itself at this time")

    @model_validator(mode="after")
    def _target_fits_scope(self) -> FreezeCreate:
        if self.scope == "global" and self.target:
            raise ValueError("a global freeze has no target")
        if self.scope != "global" and not re.fullmatch(K8S_NAME, self.target):
            raise ValueError(f"a {self.scope} freeze needs a target (a name like web or prod)")
        if self.until is not None and self.until.astimezone(UTC) <= datetime.now(UTC):
            raise ValueError("until must be in the future")
        return self


class ExemptionCreate(BaseModel):
    """Let one run act despite the freeze (a hotfix); recorded with who and why."""

    model_config = ConfigDict(extra="forbid")

    workflow_id: str = Field(min_length=1, max_length=400)
    reason: str = Field(min_length=1, max_length=500)


async def _tell_runs(client: Client, row: store.FreezeRow, change: str, by: str) -> int:
    signal = FreezeSignal(freeze=row.to_message(), change=change, by=by)
    service = row.target if row.scope == "service" else None
    return await signal_running_runs(client, "freeze_changed", signal, service=service)


def _get(engine: Engine, tenant: str, freeze_id: str) -> store.FreezeRow:
    with Session(engine) as session:
        row = store.get_freeze(session, tenant, freeze_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no freeze {freeze_id!r}")
    return row


@router.post("", status_code=status.HTTP_201_CREATED, response_model=FreezeView)
async def create_freeze(
    body: FreezeCreate,
    principal: Operator,
    client: ClientDep,
    engine: EngineDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Freeze a scope; covered runs park before their next mutating step (in flight too)."""

    def create() -> store.FreezeRow:
        with session_scope(engine) as session:
            row = store.create_freeze(
                session, tenant=settings.tenant, scope=body.scope, target=body.target,
                reason=body.reason, by=principal.name, until=body.until,
            )  # fmt: skip
            session.expunge(row)
            return row

    row = await asyncio.to_thread(create)
    FREEZE_CHANGES.labels("created").inc()
    told = await _tell_runs(client, row, "created", principal.name)
    log.info("freeze %s (%s %s) by %s; %d run(s) told", row.id, row.scope, row.target,
             principal.name, told)  # fmt: skip
    return to_api(row.to_message())


@router.get("", response_model=list[FreezeView])  # type: ignore[valid-type]
async def list_freezes(
    _principal: Viewer,
    engine: EngineDep,
    settings: SettingsDep,
    include_ended: Annotated[bool, Query(description="Also lifted and expired ones")] = False,
) -> list[dict[str, Any]]:
    """Freezes in force, newest first (all of them with include_ended)."""

    def listed() -> list[store.FreezeRow]:
        with Session(engine) as session:
            return store.list_freezes(session, settings.tenant, include_ended=include_ended)

    return [to_api(row.to_message()) for row in await asyncio.to_thread(listed)]


@router.delete("/{freeze_id}", response_model=FreezeView)
async def lift_freeze(
    freeze_id: FreezeId,
    principal: Operator,
    client: ClientDep,
    engine: EngineDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Lift a freeze; the runs it parked resume."""

    def lift() -> store.FreezeRow:
        with session_scope(engine) as session:
            row = store.get_freeze(session, settings.tenant, freeze_id)
            if row is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"no freeze {freeze_id!r}")
            if row.lifted_at is not None:
                raise HTTPException(
                    status.HTTP_409_CONFLICT, f"freeze {freeze_id} was lifted already"
                )
            store.lift_freeze(session, row, by=principal.name)
            session.flush()
            session.expunge(row)
            return row

    row = await asyncio.to_thread(lift)
    FREEZE_CHANGES.labels("lifted").inc()
    await _tell_runs(client, row, "lifted", principal.name)
    return to_api(row.to_message())


@router.post("/{freeze_id}/exemptions", response_model=FreezeView)
async def exempt_run(
    freeze_id: FreezeId,
    body: ExemptionCreate,
    principal: Admin,
    client: ClientDep,
    engine: EngineDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Let one run act despite the freeze (a hotfix): admins only, recorded."""
    _get(engine, settings.tenant, freeze_id)

    def exempt() -> store.FreezeRow:
        with session_scope(engine) as session:
            row = store.get_freeze(session, settings.tenant, freeze_id)
            assert row is not None
            store.exempt_run(
                session, row, run=body.workflow_id, by=principal.name, reason=body.reason
            )
            session.flush()
            session.expunge(row)
            return row

    row = await asyncio.to_thread(exempt)
    FREEZE_CHANGES.labels("exempted").inc()
    signal = FreezeSignal(freeze=row.to_message(), change="exempted", by=principal.name)
    try:
        await client.get_workflow_handle(body.workflow_id).signal("freeze_changed", signal)
    except Exception as error:  # the exemption holds; the run sees it at its next re-check
        log.info("could not tell %s of its exemption: %s", body.workflow_id, error)
    return to_api(row.to_message())
