"""Drift: a node restarted with a stale persisted bundle, found by the drift audit."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.policy_rollout.fleet import FLEET, FleetStack, all_on, register
from tests.policy_rollout.policies import shop_policy


async def audit(fleet: FleetStack) -> dict[str, Any]:
    reply = await fleet.api.post(
        "/v1/policy-fleet/audits", json={"fleet": FLEET, "grace_seconds": 1},
        headers=fleet.headers(),
    )  # fmt: skip
    assert reply.status_code == 202, reply.text
    run = await fleet.wait_run(reply.json()["id"], lambda r: r["status"] != "running")
    result: dict[str, Any] = run["result"]
    return result


async def restart(fleet: FleetStack, config: dict[str, Any]) -> None:
    node = fleet.nodes["n3"]
    await asyncio.to_thread(node.stop)
    node.configure(config)
    await asyncio.to_thread(node.start)


async def test_a_node_restarted_on_a_stale_persisted_bundle_is_drift(fleet: FleetStack) -> None:
    n3 = fleet.nodes["n3"]
    labels = {"canary": "false", "region": "eu"}
    current = await fleet.publish(shop_policy(100, marker="drift-1"))
    fleet.serve(current)
    persisting = await register(fleet.api, fleet.keys.admin, "n3", url=n3.url, labels=labels,
                                persist=True)  # fmt: skip
    await restart(fleet, persisting["config"])
    await fleet.wait_fleet(all_on(current["revision"]))  # n3 keeps it on disk too

    await asyncio.to_thread(n3.stop)
    new = await fleet.publish(shop_policy(100, marker="drift-2"))
    fleet.serve(new)
    await fleet.wait_fleet(
        lambda nodes: all(nodes[n]["active_revision"] == new["revision"] for n in ("n1", "n2"))
    )
    # n3 comes back on its persisted bundle, and cannot reach Kaizen (its token was
    # replaced meanwhile): it serves the old revision, and its status never says so.
    fixed = await register(fleet.api, fleet.keys.admin, "n3", url=n3.url, labels=labels)
    await asyncio.to_thread(n3.start)
    await asyncio.sleep(1.5)

    found = await audit(fleet)
    nodes = {n["node"]: n for n in found["nodes"]}
    assert nodes["n3"]["drifted"] and nodes["n3"]["change"] == "drifted"
    assert nodes["n3"]["active_revision"] == current["revision"]
    assert nodes["n3"]["desired_revision"] == new["revision"]
    assert not nodes["n1"]["drifted"] and not nodes["n2"]["drifted"]
    assert found["drifted"] == 1
    events = await fleet.api.get("/v1/policy-fleet/events", params={"fleet": FLEET},
                                 headers=fleet.headers("viewer"))  # fmt: skip
    assert [e["kind"] for e in events.json() if e["node"] == "n3"][-1] == "drifted"
    metrics = (await fleet.api.get("/metrics")).text
    assert f'kaizen_policy_nodes_drifted{{fleet="{FLEET}"}} 1.0' in metrics
    assert (await fleet.fleet())["n3"]["drifted"]

    # Given its key again, it takes what it is served: its own status ends the drift.
    await restart(fleet, fixed["config"])
    await fleet.wait_fleet(all_on(new["revision"]))
    assert not (await fleet.fleet())["n3"]["drifted"]
    events = await fleet.api.get("/v1/policy-fleet/events", params={"fleet": FLEET},
                                 headers=fleet.headers("viewer"))  # fmt: skip
    assert [e["kind"] for e in events.json() if e["node"] == "n3"][-1] == "drift_resolved"
    assert (await audit(fleet))["drifted"] == 0
