"""Builds: registered once by CI, immutable; evidence appended, never overwritten."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Response, status
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.deps import ClientDep, EngineDep, Operator, SettingsDep, Viewer
from api.promotion.evidence import wake_promotions
from api.promotion.metrics import BUILDS_REGISTERED, EVIDENCE_ITEMS
from api.promotion.models import BuildCreate, BuildView, EvidenceBody
from kaizen.catalog.playbooks import ParameterError
from kaizen.contract.json_codec import from_api, to_api
from kaizen.kinds.promotion import BUILD_ID
from kaizen.persistence import builds as store
from kaizen.persistence.db import session_scope
from kaizen.v1.promotion_pb2 import Build, Evidence, EvidenceNotice

log = logging.getLogger("kaizen.api.builds")

router = APIRouter(prefix="/v1/builds", tags=["promotions"])

BuildId = Annotated[str, Path(pattern=BUILD_ID, description="The build's id (bld-…)")]


def _evidence(body: Any, field: str) -> Evidence:
    given = body.model_dump(exclude_none=True) if body is not None else {}
    if not given:
        raise ParameterError(
            field, "evidence needs at least one of tests, security, performance, carbon, links"
        )
    return from_api(given, Evidence)


def _read(engine: Engine, tenant: str, build_id: str) -> Build:
    with Session(engine) as session:
        row = store.get_build(session, tenant, build_id)
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no build {build_id!r}")
        return store.build_message(session, row)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=BuildView)
async def register_build(
    body: BuildCreate,
    principal: Operator,
    engine: EngineDep,
    settings: SettingsDep,
    response: Response,
) -> dict[str, Any]:
    """Register a build; the same build sent again answers 200, another under its version 409."""
    evidence = _evidence(body.evidence, "evidence") if body.evidence is not None else Evidence()  # type: ignore[attr-defined]

    def create() -> tuple[Build, bool]:
        with session_scope(engine) as session:
            try:
                row, created = store.create_build(
                    session, tenant=settings.tenant, service=body.service,  # type: ignore[attr-defined]
                    image=body.image, version=body.version, commit=body.commit or "",  # type: ignore[attr-defined]
                    evidence=evidence, by=principal.name,
                )  # fmt: skip
            except store.BuildConflict as conflict:
                raise HTTPException(status.HTTP_409_CONFLICT, str(conflict)) from conflict
            return store.build_message(session, row), created

    build, created = await asyncio.to_thread(create)
    if created:
        BUILDS_REGISTERED.inc()
    else:
        response.status_code = status.HTTP_200_OK
    return to_api(build)


@router.get("/{build_id}", response_model=BuildView)
async def get_build(
    build_id: BuildId, _principal: Viewer, engine: EngineDep, settings: SettingsDep
) -> dict[str, Any]:
    """A build with all its evidence, oldest first."""
    return to_api(await asyncio.to_thread(_read, engine, settings.tenant, build_id))


@router.post("/{build_id}/evidence", status_code=status.HTTP_201_CREATED, response_model=BuildView)
async def add_evidence(
    build_id: BuildId,
    body: EvidenceBody,  # type: ignore[valid-type]
    principal: Operator,
    engine: EngineDep,
    client: ClientDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Append evidence (who and when are recorded); a promotion waiting for it re-evaluates."""
    evidence = _evidence(body, "body")

    def append() -> tuple[Build, int]:
        with session_scope(engine) as session:
            row = store.get_build(session, settings.tenant, build_id)
            if row is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"no build {build_id!r}")
            record = store.append_evidence(session, row, evidence, by=principal.name)
            return store.build_message(session, row), record.seq or 0

    build, seq = await asyncio.to_thread(append)
    for part in ("tests", "security", "performance", "carbon"):
        if evidence.HasField(part):
            EVIDENCE_ITEMS.labels(part).inc()
    notice = EvidenceNotice(build_id=build_id, seq=seq, submitted_by=principal.name)
    woken = await wake_promotions(client, build.service, notice)
    log.info(
        "evidence #%d for %s by %s; %d promotion(s) told", seq, build_id, principal.name, woken
    )
    return to_api(build)
