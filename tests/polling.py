"""Waiting for a run to reach a state, through the API as a user would."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx


async def wait_for_run(
    api: httpx.AsyncClient,
    run_id: str,
    headers: dict[str, str],
    until: Callable[[dict[str, Any]], bool],
    *,
    timeout: float = 30.0,
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    last: dict[str, Any] = {}
    while time.monotonic() < deadline:
        reply = await api.get(f"/v1/runs/{run_id}", headers=headers)
        if reply.status_code == 200:
            last = reply.json()
            if until(last):
                return last
        await asyncio.sleep(0.2)
    raise AssertionError(f"run {run_id} never reached the expected state; last: {last}")


def in_phase(phase: str) -> Callable[[dict[str, Any]], bool]:
    return lambda run: run["phase"] == phase


def ended(run: dict[str, Any]) -> bool:
    return bool(run["status"] != "running")


def event_types(run: dict[str, Any]) -> list[str]:
    return [event["type"] for event in run["events"]]
