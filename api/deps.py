"""Dependencies as Annotated aliases: settings, database, Temporal, the caller."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client

from api.principal import Principal
from api.temporal_connection import TemporalConnection
from kaizen.persistence.api_keys import Role
from kaizen.settings import Settings


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_session(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


async def get_client(request: Request) -> Client:
    connection: TemporalConnection = request.app.state.temporal
    return await connection.client()


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
ClientDep = Annotated[Client, Depends(get_client)]
EngineDep = Annotated[Engine, Depends(get_engine)]


# Declares the scheme in OpenAPI; the key itself is checked by the edge (api.edge.gatekeeper).
_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer kz_…`")


def get_principal(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller the edge authenticated before the body was read."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        # Only reachable if a protected route were mounted under a public path.
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing Authorization header; send `Authorization: Bearer <key>`",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require(role: Role) -> Callable[[Principal], Principal]:
    """A dependency that lets through principals holding ``role`` (or a higher one)."""

    def check(principal: CurrentPrincipal) -> Principal:
        if not principal.has(role):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"this call needs the {role.name} role; {principal.name} is {principal.role.name}",
            )
        return principal

    return check


Viewer = Annotated[Principal, Depends(require(Role.viewer))]
Operator = Annotated[Principal, Depends(require(Role.operator))]
Approver = Annotated[Principal, Depends(require(Role.approver))]
Admin = Annotated[Principal, Depends(require(Role.admin))]
