"""Schedules survive a restart of the Temporal server (its SQLite file, as `kaizen up` keeps
it), and fires missed while it was down are made up within the catch-up window, not beyond.
A dev server of this test's own: stopping the session's would stop every other test."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client

from api.app import create_app
from kaizen.persistence.api_keys import Role, create_key
from kaizen.persistence.db import make_engine, session_scope
from kaizen.settings import Settings
from kaizen.stack import tools
from kaizen.stack.processes import free_port
from kaizen.stack.temporal_server import TemporalDevServer
from kaizen.temporal.client import connect

INTERVAL = 3
CATCHUP = 10
DOWN = 16


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[TemporalDevServer]:
    server = TemporalDevServer(
        tools.require(tools.TEMPORAL, Settings().resolved_tools_dir),
        host="127.0.0.1",
        port=free_port(),
        ui_port=None,
        db_file=tmp_path / "temporal.db",
        log_path=tmp_path / "temporal.log",
    )
    server.start()
    yield server
    server.stop()


def fire_time(workflow_id: str) -> datetime:
    """Temporal names a scheduled run ``<id>-<fire time>``."""
    return datetime.fromisoformat(workflow_id[-20:].replace("Z", "+00:00"))


async def fire_times(client: Client, temporal_id: str) -> list[datetime]:
    query = f"TemporalScheduledById = '{temporal_id}'"
    return sorted([fire_time(run.id) async for run in client.list_workflows(query)])


async def test_missed_fires_are_caught_up_within_the_window_only(
    own_server: TemporalDevServer, settings: Settings
) -> None:
    ours = settings.model_copy(update={"temporal_address": own_server.address})
    engine = make_engine(ours.database)
    with session_scope(engine) as session:
        key = create_key(session, name="cat", role=Role.admin)
    headers = {"Authorization": f"Bearer {key}"}
    app = create_app(ours)
    async with app.router.lifespan_context(app):
        api = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://k")
        created = await api.post(
            "/v1/schedules",
            json={"id": "catchup", "kind": "healing", "overlap": "allow_all",
                  "catchup_window_seconds": CATCHUP,
                  "input": {"service": "web", "namespace": "shop", "symptom": "Tick",
                            "severity": "low"},
                  "spec": {"intervals": [{"every_seconds": INTERVAL}]}},
            headers=headers,
        )  # fmt: skip
        assert created.status_code == 201, created.text
        temporal_id = created.json()["temporal_id"]
        client = await connect(ours)
        while not await fire_times(client, temporal_id):
            await asyncio.sleep(0.2)

        own_server.stop()
        stopped_at = datetime.now(UTC)
        time.sleep(DOWN)
        own_server.start()
        restarted_at = datetime.now(UTC)
        client = await connect(ours)
        await asyncio.sleep(INTERVAL + 2)

        times = await fire_times(client, temporal_id)
        during = [t for t in times if stopped_at < t < restarted_at]
        # Made up: the fires of the last CATCHUP seconds of the outage; older ones are missed.
        assert during, times
        assert all(t >= restarted_at - timedelta(seconds=CATCHUP + 2) for t in during), during
        assert len(during) <= CATCHUP // INTERVAL + 1
        described = (await api.get("/v1/schedules/catchup", headers=headers)).json()
        assert described["missed_by_catchup"] >= 1, described
        assert any(t > restarted_at for t in times)  # and it keeps firing after the restart

        deleted = await api.delete("/v1/schedules/catchup", headers=headers)
        assert deleted.status_code == 204
        count = len(await fire_times(client, temporal_id))
        await asyncio.sleep(INTERVAL * 2)
        assert len(await fire_times(client, temporal_id)) == count  # deleted: fires no more
    engine.dispose()
