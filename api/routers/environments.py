"""Environments: declared in the repository, listed with what runs where."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, HTTPException, Path, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.deps import Admin, EngineDep, SettingsDep, Viewer
from api.promotion.environments import (
    EnvironmentsDep,
    environment_named,
    load_at_start,
    ordered,
)
from api.promotion.models import AutoPromotionView, EnvironmentBoardView, EnvironmentView
from kaizen.contract.json_codec import to_api
from kaizen.contract.names import K8S_NAME
from kaizen.persistence import auto_promotion, releases
from kaizen.persistence.db import session_scope
from kaizen.v1.promotion_pb2 import AutoPromotion, Environment, EnvironmentBoard

router = APIRouter(prefix="/v1/environments", tags=["promotions"], lifespan=load_at_start)


@router.get("", response_model=list[EnvironmentView])  # type: ignore[valid-type]
def list_environments(_principal: Viewer, found: EnvironmentsDep) -> list[dict[str, Any]]:
    """Every declared environment, in promotion order (dev → staging → prod)."""
    return [to_api(environment) for environment in ordered(found)]


def _board(engine: Engine, tenant: str, environment: Environment) -> EnvironmentBoard:
    with Session(engine) as session:
        live = releases.live_in(session, tenant, environment.name)
        history = releases.environment_history(session, tenant, environment.name)
        return EnvironmentBoard(
            environment=environment,
            live=[row.to_message() for row in live],
            history=[row.to_message() for row in history],
            auto_promotion=auto_promotion.state(
                session, tenant, environment.name, declared=environment.auto_promote
            ),
        )


class AutoPromotionChange(BaseModel):
    """Switch auto-promotion of an environment on or off (admins only, recorded)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool
    reason: str = Field(min_length=1, max_length=500)


@router.get("/{name}", response_model=EnvironmentBoardView)
async def get_environment(
    found: EnvironmentsDep,
    _principal: Viewer,
    engine: EngineDep,
    settings: SettingsDep,
    name: str = Path(pattern=K8S_NAME, description="The environment's name"),
) -> dict[str, Any]:
    """One environment: its declaration, the build live per service, and its history."""
    environment = environment_named(found, name)
    board = await asyncio.to_thread(_board, engine, settings.tenant, environment)
    return to_api(board)


@router.put("/{name}/auto-promote", response_model=AutoPromotionView)
async def set_auto_promotion(
    body: AutoPromotionChange,
    found: EnvironmentsDep,
    principal: Admin,
    engine: EngineDep,
    settings: SettingsDep,
    name: str = Path(pattern=K8S_NAME, description="The environment's name"),
) -> dict[str, Any]:
    """Turn auto-promotion on or off: a build verified upstream is then promoted here
    without being asked. Only where the environment's file allows it (else 409)."""
    environment = environment_named(found, name)
    if body.enabled and not environment.auto_promote:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"{environment.file} does not allow auto-promotion (auto_promote = false)",
        )

    def record() -> AutoPromotion:
        with session_scope(engine) as session:
            row = auto_promotion.set_switch(
                session, tenant=settings.tenant, environment=name, enabled=body.enabled,
                by=principal.name, reason=body.reason,
            )  # fmt: skip
            return row.to_message(declared=environment.auto_promote)

    return to_api(await asyncio.to_thread(record))
