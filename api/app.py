"""The FastAPI application."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.errors import install_error_handlers
from api.metrics import record_request
from api.routers import change_windows, healing_runs, health, runs
from api.temporal_connection import TemporalConnection
from kaizen import __version__
from kaizen.persistence.db import make_engine
from kaizen.settings import Settings

log = logging.getLogger("kaizen.api")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.engine = make_engine(settings.database)
        app.state.temporal = TemporalConnection(settings)
        yield
        app.state.engine.dispose()

    app = FastAPI(
        title="Kaizen",
        version=__version__,
        description="Operations work as durable Temporal workflows.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.middleware("http")(record_request)
    for router in (health.router, healing_runs.router, runs.router, change_windows.router):
        app.include_router(router)
    return app
