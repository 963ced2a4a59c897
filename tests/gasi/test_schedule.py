"""A GASI tournament on a schedule: each fire is a run of its own (Temporal names it by its
fire time), and each resumes the same tournament from the hall of fame."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from temporalio.client import Client

from kaizen.settings import Settings
from tests.conftest import Keys, run_worker
from tests.gasi import numbers_arena

TOURNAMENT = "gasi:default:numbers:nightly"


async def progress(api: httpx.AsyncClient, keys: Keys, generations: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 60
    points: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        reply = await api.get(
            f"/v1/gasi-runs/{TOURNAMENT}/progress", headers=Keys.header(keys.viewer)
        )
        points = reply.json()["points"] if reply.status_code == 200 else []
        if len(points) >= generations + 1:
            return points
        await asyncio.sleep(0.3)
    raise AssertionError(f"the tournament never reached {generations} generations: {points}")


async def test_scheduled_runs_resume_the_tournament_from_the_hall_of_fame(
    api: httpx.AsyncClient, keys: Keys, client: Client, settings: Settings
) -> None:
    numbers_arena.register()
    operator = Keys.header(keys.operator)
    body = {
        "id": "gasi-nightly",
        "kind": "gasi",
        "input": {"arena": "numbers", "name": "nightly",
                  "config": {"pool_size": 2, "adversaries_per_generation": 1,
                             "initial_adversaries": 2, "forge_attempts": 1, "generations": 1}},
        "spec": {"intervals": [{"every_seconds": 86_400}]},
        "overlap": "skip",
    }  # fmt: skip
    created = await api.post("/v1/schedules", json=body, headers=operator)
    assert created.status_code == 201, created.text
    try:
        async with run_worker(settings):
            await api.post("/v1/schedules/gasi-nightly/trigger", json={}, headers=operator)
            first = await progress(api, keys, 1)
            await asyncio.sleep(1.1)  # a second fire in the same second would share its id
            await api.post("/v1/schedules/gasi-nightly/trigger", json={}, headers=operator)
            points = await progress(api, keys, 2)
    finally:
        await api.delete("/v1/schedules/gasi-nightly", headers=Keys.header(keys.admin))
    assert [p["generation"] for p in points] == [0, 1, 2]
    assert points[1]["champion_id"] == first[1]["champion_id"]
    assert points[1]["run_id"] != points[2]["run_id"]
    # Two scheduled runs, each named by its fire time, one tournament.
    ids = {e.id async for e in client.list_workflows("KaizenKind = 'gasi'")}
    assert len([i for i in ids if i.startswith(TOURNAMENT + "-")]) == 2
