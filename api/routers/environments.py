"""Environments: declared in the repository, listed with what runs where."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Path
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.deps import EngineDep, SettingsDep, Viewer
from api.promotion.environments import (
    EnvironmentsDep,
    environment_named,
    load_at_start,
    ordered,
)
from api.promotion.models import EnvironmentBoardView, EnvironmentView
from kaizen.contract.json_codec import to_api
from kaizen.contract.names import K8S_NAME
from kaizen.persistence import releases
from kaizen.v1.promotion_pb2 import Environment, EnvironmentBoard

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
        )


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
