"""The environments the API serves: loaded once when it starts, a mistake stops it.

The same start attaches the promotion metrics to the app's database.

The environments router's lifespan runs inside the app's, after settings are set, so
a wrong ``environments/*.toml`` fails ``kaizen api`` at once with the file and the
field, instead of the first promotion that needs it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request, status

from api.promotion.outcomes import COLLECTOR as OUTCOMES
from kaizen.catalog.environments import load_environments
from kaizen.settings import Settings
from kaizen.v1.promotion_pb2 import Environment

log = logging.getLogger("kaizen.api.environments")


@asynccontextmanager
async def load_at_start(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    app.state.environments = load_environments(settings.environments_directory)
    OUTCOMES.attach(app.state.engine, settings.tenant)
    log.info(
        "environments: %s (from %s)",
        " -> ".join(e.name for e in ordered(app.state.environments)),
        settings.environments_directory,
    )
    try:
        yield
    finally:
        OUTCOMES.detach(app.state.engine)


def ordered(found: dict[str, Environment]) -> list[Environment]:
    return sorted(found.values(), key=lambda e: (e.order, e.name))


def get_environments(request: Request) -> dict[str, Environment]:
    found: dict[str, Environment] = request.app.state.environments
    return found


EnvironmentsDep = Annotated[dict[str, Environment], Depends(get_environments)]


def environment_named(found: dict[str, Environment], name: str) -> Environment:
    if name not in found:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"no environment {name!r}; declared: {', '.join(e.name for e in ordered(found))}",
        )
    return found[name]
