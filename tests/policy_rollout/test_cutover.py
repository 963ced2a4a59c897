"""Cutovers against a real fleet of 3 OPA nodes: one instant for every node, or none at all."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from tests.policy_rollout.fleet import FLEET, NODES, FleetStack, all_on
from tests.policy_rollout.test_rollout import on_version, start

SPREAD_BOUND_MS = 250.0
"""All three nodes read one clock, so the spread is the probe's own resolution plus OPA's
answer time; on a loaded 2-core machine that stays well under this."""


async def answers(fleet: FleetStack) -> dict[str, Any]:
    """What each node answers for the policy's marker right now."""
    async with httpx.AsyncClient(timeout=5) as client:
        found = {}
        for name, node in fleet.nodes.items():
            reply = await client.get(f"{node.url}/v1/data/shop/authz/revision_seen")
            found[name] = reply.json().get("result")
        return found


async def holding(fleet: FleetStack, run_id: str) -> tuple[dict[str, Any], str]:
    """Wait until the run holds, every node on the combined bundle; the run and its
    combined version."""
    run = await fleet.wait_run(run_id, lambda r: r["phase"] == "awaiting_cutover", timeout=60)
    loaded = next(e["data"] for e in run["events"] if e["type"] == "cutover.loaded")
    # A version's revision is its id.
    await fleet.wait_fleet(all_on(loaded["combined"]), timeout=5)
    return loaded, loaded["combined"]


async def test_a_cutover_switches_every_node_at_one_instant(fleet: FleetStack) -> None:
    current = await fleet.publish(shop_policy_marker("cut-1"))
    await on_version(fleet, current)
    new = await fleet.publish(shop_policy_marker("cut-2"))

    run_id = await start(fleet, new, strategy={"cutover": {"in_seconds": 12}})
    loaded, combined = await holding(fleet, run_id)
    # Holding the combined bundle, every node still answers from the old version.
    assert await answers(fleet) == dict.fromkeys(NODES, "cut-1")
    at = datetime.fromisoformat(loaded["at"])
    assert datetime.now(UTC) < at

    done = await fleet.wait_run(run_id, lambda r: r["status"] != "running", timeout=60)
    result = done["result"]
    assert result["outcome"] == "activated", result["reason"]
    # The new version and the combined bundle (its vendored tests included) both passed.
    checks = [(c["name"], c["ok"]) for c in result["validation"]["checks"]]
    assert len(checks) == 8 and all(ok for _name, ok in checks), checks
    assert checks[5][0] == f"combined {combined}: opa test"
    cutover = result["cutover"]
    assert cutover["combined_version"] == combined
    assert cutover["loaded_before_ms"] > 0
    switched = {n["node"]: n for n in cutover["nodes"]}
    assert set(switched) == set(NODES) and all(n["switched"] for n in switched.values())
    # Nodes switch by their own clocks: none answered new before the instant.
    assert all(n["after_instant_ms"] >= 0 for n in switched.values()), switched
    spread = cutover.get("spread_ms", 0.0)
    print(f"cutover spread {spread:.1f} ms; after the instant: "  # noqa: T201
          + ", ".join(f"{k} {v['after_instant_ms']:.1f} ms (±{v.get('resolution_ms', 0):.1f})"
                      for k, v in sorted(switched.items())))  # fmt: skip
    assert spread < SPREAD_BOUND_MS
    assert result["disagreement_ms"] == spread
    # Then the plain new bundle replaced the combined one everywhere.
    assert result["fleet_state"] == "all_new"
    await fleet.wait_fleet(all_on(new["revision"]), timeout=5)
    assert await answers(fleet) == dict.fromkeys(NODES, "cut-2")
    types = [e["type"] for e in done["events"]]
    assert types.index("cutover.loaded") < types.index("cutover.switched")
    assert [e["data"]["revisions"] for e in done["events"] if e["type"] == "fleet.switched"] == [
        [combined],
        [new["revision"]],
    ]
    # Too late to abort a rollout that has ended.
    late = await fleet.api.post(f"/v1/policy-rollouts/{run_id}/abort", json={},
                                headers=fleet.headers())  # fmt: skip
    assert late.status_code in (404, 409), late.text


async def test_an_abort_before_the_instant_leaves_every_node_old(fleet: FleetStack) -> None:
    current = await fleet.publish(shop_policy_marker("abort-1"))
    await on_version(fleet, current)
    new = await fleet.publish(shop_policy_marker("abort-2"))

    run_id = await start(fleet, new, strategy={"cutover": {"in_seconds": 12}})
    loaded, _combined = await holding(fleet, run_id)
    at = datetime.fromisoformat(loaded["at"])
    reply = await fleet.api.post(
        f"/v1/policy-rollouts/{run_id}/abort", json={"reason": "the migration is not ready"},
        headers=fleet.headers(),
    )  # fmt: skip
    assert reply.status_code == 200, reply.text
    assert reply.json()["accepted"]

    done = await fleet.wait_run(run_id, lambda r: r["status"] != "running", timeout=60)
    result = done["result"]
    assert result["outcome"] == "rolled_back", result["reason"]
    assert "aborted by olivia before the cutover instant: the migration" in result["reason"]
    assert result["fleet_state"] == "all_old"
    assert result["cutover"]["aborted_by"] == "olivia"
    assert result.get("disagreement_ms", 0) == 0
    await fleet.wait_fleet(all_on(current["revision"]), timeout=5)
    # Past the instant, every node still answers from the old version.
    await asyncio.sleep(max(0.0, (at - datetime.now(UTC)).total_seconds()) + 0.5)
    assert await answers(fleet) == dict.fromkeys(NODES, "abort-1")


async def test_a_cutover_that_cannot_work_is_refused_naming_the_field(fleet: FleetStack) -> None:
    version = await fleet.publish(shop_policy_marker("refused-1"))
    for strategy, mode, field in (
        ({"cutover": {"in_seconds": 2}}, None, "strategy.cutover.in_seconds"),
        ({"cutover": {"in_seconds": 30}}, "rollback", "strategy.cutover"),
    ):
        body: dict[str, Any] = {"fleet": FLEET, "version_id": version["id"], "strategy": strategy}
        if mode:
            body["mode"] = mode
        started = time.monotonic()
        reply = await fleet.api.post("/v1/policy-rollouts", json=body, headers=fleet.headers())
        assert reply.status_code == 422, reply.text
        assert field in reply.text, reply.text
        assert time.monotonic() - started < 10


def shop_policy_marker(marker: str) -> dict[str, str | bytes]:
    from tests.policy_rollout.policies import shop_policy

    return shop_policy(100, marker=marker)
