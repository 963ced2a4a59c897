"""The bundle server with real OPA nodes: long polling, status, decision logs, node tokens."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta

import httpx

from kaizen.persistence.db import session_scope
from kaizen.persistence.policy_decisions import recent
from tests.policy_rollout.fleet import NODES, FleetStack, all_on
from tests.policy_rollout.policies import PATH, shop_policy


async def test_nodes_long_poll_their_desired_revision_and_report_it(fleet: FleetStack) -> None:
    first = await fleet.publish(shop_policy(100, marker="server-1"))
    fleet.serve(first)
    nodes = await fleet.wait_fleet(all_on(first["revision"]))
    assert {n["sent_revision"] for n in nodes.values()} == {first["revision"]}

    # A long-polling node is held, then woken by the switch: it runs the new revision
    # well under a second later (periodic polling would take a minute).
    await asyncio.sleep(1.0)
    second = await fleet.publish(shop_policy(50, marker="server-2"))
    switched = time.monotonic()
    fleet.serve(second)
    await fleet.wait_fleet(all_on(second["revision"]), timeout=5)
    assert time.monotonic() - switched < 2.0

    fleet.serve(first)
    await fleet.wait_fleet(all_on(first["revision"]), timeout=5)


async def test_decisions_nodes_log_are_recorded_for_previews(fleet: FleetStack) -> None:
    version = await fleet.publish(shop_policy(100, marker="server-3"))
    fleet.serve(version)
    await fleet.wait_fleet(all_on(version["revision"]))
    started = time.monotonic()
    async with httpx.AsyncClient() as http:
        for amount in (10, 150):
            reply = await http.post(
                f"{fleet.nodes['n2'].url}/v1/data/{PATH}", json={"input": {"amount": amount}}
            )
            assert reply.status_code == 200, reply.text
    while time.monotonic() - started < 10:
        with session_scope(fleet.engine) as session:
            rows = recent(
                session, fleet.settings.tenant, fleet="test",
                since=datetime.now(UTC) - timedelta(minutes=1), limit=100, nodes=["n2"],
            )  # fmt: skip
            found = [(r.path, r.input, r.result, r.revision) for r in rows if r.path == PATH]
        if len(found) >= 2:
            break
        await asyncio.sleep(0.2)
    assert found[-2:] == [
        (PATH, {"amount": 10}, True, version["revision"]),
        (PATH, {"amount": 150}, False, version["revision"]),
    ]


async def test_a_node_may_act_only_as_itself(fleet: FleetStack) -> None:
    own = fleet.nodes["n1"].config_path.read_text()

    token = json.loads(own)["services"]["kaizen"]["credentials"]["bearer"]["token"]
    reply = await fleet.api.get(
        "/v1/policy-fleet/nodes/n2/bundle.tar.gz", headers={"Authorization": f"Bearer {token}"}
    )
    assert reply.status_code == 403
    nobody = await fleet.api.get("/v1/policy-fleet/nodes/n1/bundle.tar.gz")
    assert nobody.status_code == 401
    assert set(NODES) <= set(await fleet.fleet())
