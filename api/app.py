"""The FastAPI application."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from activities.opa.client import PolicyClient
from api.alerts.workloads import WorkloadResolver
from api.edge.body_limit import BodyLimit
from api.edge.gatekeeper import Gatekeeper
from api.edge.request_log import RequestLog
from api.error_docs import document_error_responses
from api.errors import install_error_handlers
from api.healing_metrics import COLLECTOR
from api.routers import (
    alerts,
    builds,
    change_windows,
    environments,
    freezes,
    gasi,
    healing,
    healing_runs,
    health,
    policy_bundles,
    policy_fleet,
    policy_rollouts,
    promotions,
    rca,
    runs,
    schedules,
    slack,
)
from api.routers.alerts import ALERTMANAGER_PATH
from api.routers.healing import push_modes_or_warn
from api.schedules.audit import pause_invalid_schedules
from api.temporal_connection import TemporalConnection
from kaizen import __version__
from kaizen.persistence.db import make_engine
from kaizen.settings import Settings

log = logging.getLogger("kaizen.api")


async def _audit_schedules(app: FastAPI) -> list[str]:
    try:
        client = await app.state.temporal.client()
        paused: list[str] = await pause_invalid_schedules(
            client, app.state.engine, app.state.settings
        )
    except Exception as error:  # the next start audits again
        log.warning("could not audit schedules: %s", error)
        return []
    return paused


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.engine = make_engine(settings.database)
        app.state.temporal = TemporalConnection(settings)
        app.state.policy = PolicyClient(settings.opa_base_url, token=settings.opa_token)
        app.state.modes_lock = asyncio.Lock()
        # Read-only: which Deployment an alert's pod belongs to, as the workers would see it.
        app.state.workloads = WorkloadResolver.connect(settings)
        log.info("alert workloads: %s", app.state.workloads.source)
        # OPA forgets pushed data when it restarts; the API (re)starting is one moment to
        # repush. A down OPA must not stop the API: policy decisions repush when they miss it.
        await push_modes_or_warn(app.state.policy, app.state.engine)
        COLLECTOR.attach(app.state.engine, settings.tenant)
        # In the background: the API answers even while Temporal is still coming up.
        app.state.schedule_audit = asyncio.create_task(_audit_schedules(app))
        try:
            yield
        finally:
            app.state.schedule_audit.cancel()
            COLLECTOR.detach(app.state.engine)
            await app.state.policy.close()
            app.state.workloads.close()
            app.state.engine.dispose()

    app = FastAPI(
        title="Kaizen",
        version=__version__,
        description="Operations work as durable Temporal workflows.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    # Added innermost first: a request meets the request log, then the gatekeeper
    # (authentication and rate limits), then the body cap, and only then a route.
    app.add_middleware(
        BodyLimit,
        default=settings.max_request_bytes,
        by_path={ALERTMANAGER_PATH: settings.max_alertmanager_request_bytes},
    )
    app.add_middleware(Gatekeeper, settings=settings)
    app.add_middleware(RequestLog)
    for router in (
        health.router,
        healing_runs.router,
        runs.router,
        change_windows.router,
        freezes.router,
        alerts.router,
        healing.router,
        schedules.router,
        slack.router,
        environments.router,
        builds.router,
        promotions.router,
        policy_bundles.router,
        policy_fleet.router,
        policy_rollouts.router,
        rca.runs_router,
        rca.router,
        gasi.router,
    ):
        app.include_router(router)
    document_error_responses(app)
    return app
