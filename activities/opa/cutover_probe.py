"""Watching every node of a cutover switch: when each first answered from the new policy.

Shortly before the instant the probe asks each node, over and over, which side it answers
from (``GET /v1/data/kaizen_cutover/side``, no input, so the node's decision log entry is
not kept as a replayable decision). A node's switch time is the arrival of its first
"new" answer; its resolution is the gap since its last "old" request went out. The
spread is first to last node: how long the fleet disagreed, measured from outside.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Final

import httpx
from sqlalchemy.engine import Engine
from temporalio import activity

from activities.opa.cutover_bundle import SIDE_PATH
from kaizen.contract.timestamps import to_timestamp
from kaizen.persistence.db import session_scope
from kaizen.persistence.policy_fleet import get_node
from kaizen.v1.policy_rollout_pb2 import (
    PolicyCutoverNode,
    PolicyCutoverProbeRequest,
    PolicyCutoverReport,
)

PAUSE: Final = 0.002
"""Between two questions to one node: a bound on the resolution, small next to OPA's
own answer time on loopback."""
HEARTBEAT_EVERY: Final = 1.0


class PolicyCutoverActivities:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn
    async def probe_policy_cutover(self, request: PolicyCutoverProbeRequest) -> PolicyCutoverReport:
        """Ask every node which side it answers from, from just before the instant until
        each says "new" or the timeout passes; when each switched, and the spread."""
        urls = await asyncio.to_thread(self._urls, request)
        at = request.at.ToDatetime(tzinfo=UTC)
        start = at - timedelta(seconds=request.lead_seconds)
        wait = (start - datetime.now(UTC)).total_seconds()
        if wait > 0:
            await asyncio.sleep(wait)
        give_up = time.monotonic() + max(0.0, (at - datetime.now(UTC)).total_seconds())
        give_up += request.timeout_seconds
        beats = asyncio.create_task(_heartbeat())
        try:
            async with httpx.AsyncClient(timeout=2.0) as client:
                nodes = await asyncio.gather(
                    *(_watch(client, name, urls.get(name, ""), at, give_up)
                      for name in request.nodes)
                )  # fmt: skip
        finally:
            beats.cancel()
        report = PolicyCutoverReport(at=request.at, nodes=nodes)
        switched = [n.first_new_at.ToDatetime(tzinfo=UTC) for n in nodes if n.switched]
        if switched:
            report.spread_ms = (max(switched) - min(switched)).total_seconds() * 1000
        return report

    def _urls(self, request: PolicyCutoverProbeRequest) -> dict[str, str]:
        with session_scope(self._engine) as session:
            rows = (get_node(session, request.tenant, name) for name in request.nodes)
            return {row.name: row.url for row in rows if row is not None}


async def _heartbeat() -> None:
    while True:
        activity.heartbeat()
        await asyncio.sleep(HEARTBEAT_EVERY)


async def _watch(
    client: httpx.AsyncClient, node: str, url: str, at: datetime, give_up: float
) -> PolicyCutoverNode:
    found = PolicyCutoverNode(node=node)
    if not url:
        found.error = "the node has no URL registered: Kaizen cannot ask it"
        return found
    last_old_sent: float | None = None
    while time.monotonic() < give_up:
        sent = time.monotonic()
        try:
            reply = await client.get(f"{url.rstrip('/')}/v1/data/{SIDE_PATH}")
            side = reply.json().get("result") if reply.status_code == 200 else None
        except (httpx.HTTPError, ValueError) as error:
            found.error = f"cannot ask it: {error}"
            await asyncio.sleep(PAUSE)
            continue
        if side == "new":
            arrived = datetime.now(UTC)
            found.switched, found.error = True, ""
            found.first_new_at.CopyFrom(to_timestamp(arrived))
            found.after_instant_ms = (arrived - at).total_seconds() * 1000
            if last_old_sent is not None:
                found.resolution_ms = (time.monotonic() - last_old_sent) * 1000
            return found
        if side == "old":
            last_old_sent = sent
        else:
            found.error = f"answers {side!r} for {SIDE_PATH}: not running the combined bundle"
        await asyncio.sleep(PAUSE)
    found.error = found.error or "still answered from the old policy when the probe gave up"
    return found
