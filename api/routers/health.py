"""Liveness, readiness and metrics."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from activities.opa.modes import MODES_DATA_PATH
from api.deps import SettingsDep
from api.schedules.metrics import SCHEDULE_COUNTERS
from api.temporal_connection import TemporalConnection, TemporalUnavailable
from kaizen.stack.stack_status import children_down, status_path

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The API process is alive (no dependencies checked)."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request, settings: SettingsDep) -> JSONResponse:
    """Temporal, OPA and the database all answer, and no child of ``kaizen up`` is being
    restarted; 503 names the ones that are not ready."""
    checks = await asyncio.gather(
        _check_temporal(request.app.state.temporal),
        _check_opa(settings.opa_base_url, settings.opa_token),
        asyncio.to_thread(_check_database, request.app.state.engine),
    )
    results = dict(zip(("temporal", "opa", "database"), checks, strict=True))
    # Under `kaizen up` only: a worker pool or fleet node being restarted is invisible to
    # the checks above. One small file read, so the probe stays cheap.
    down = children_down(status_path(settings.home.resolve()))
    if down is not None:
        results["stack"] = f"error: {'; '.join(down)}" if down else "ok"
    ready = all(r == "ok" for r in results.values())
    return JSONResponse(
        status_code=status.HTTP_200_OK if ready else status.HTTP_503_SERVICE_UNAVAILABLE,
        content={"status": "ready" if ready else "not ready", "checks": results},
    )


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics(request: Request, settings: SettingsDep) -> Response:
    """Prometheus metrics of this API process."""
    try:
        client = await request.app.state.temporal.client()
    except TemporalUnavailable:
        pass  # the schedule counters keep their last reading
    else:
        await SCHEDULE_COUNTERS.refresh(client, request.app.state.engine, settings)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


async def _check_temporal(connection: TemporalConnection) -> str:
    try:
        client = await connection.client()
        await asyncio.wait_for(client.service_client.check_health(), 3)
    except Exception as error:
        return f"error: {error}"
    return "ok"


async def _check_opa(base_url: str, token: str | None) -> str:
    # OPA's /health needs no token; reading a document Kaizen writes proves that OPA also
    # takes Kaizen's token (a wrong one would fail every decision with 401).
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        async with httpx.AsyncClient(timeout=3, headers=headers) as http:
            reply = await http.get(f"{base_url}/v1/data/{MODES_DATA_PATH}")
    except httpx.HTTPError as error:
        return f"error: {error}"
    return "ok" if reply.status_code == 200 else f"error: OPA answered {reply.status_code}"


def _check_database(engine: Any) -> str:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        return f"error: {error}"
    return "ok"
