"""Policy rollouts end to end: the real API, worker, Temporal, and 3 OPA nodes on loopback."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from activities.opa.signing_keys import rotate
from kaizen.persistence.db import session_scope
from kaizen.persistence.policy_decisions import recent
from tests.policy_rollout.fleet import FLEET, NODES, FleetStack, all_on, register
from tests.policy_rollout.policies import PATH, shop_policy


async def start(fleet: FleetStack, version: dict[str, Any], **body: Any) -> str:
    reply = await fleet.api.post(
        "/v1/policy-rollouts", json={"fleet": FLEET, "version_id": version["id"], **body},
        headers=fleet.headers(),
    )  # fmt: skip
    assert reply.status_code == 202, reply.text
    run_id = str(reply.json()["id"])
    assert run_id == f"policy_rollout:default:{FLEET}"
    return run_id


async def rollout(fleet: FleetStack, version: dict[str, Any], **body: Any) -> dict[str, Any]:
    run_id = await start(fleet, version, **body)
    return await fleet.wait_run(run_id, lambda r: r["status"] != "running", timeout=90)


def events(run: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e for e in run["events"] if e["type"] == kind]


async def on_version(fleet: FleetStack, version: dict[str, Any]) -> None:
    """Start a test from a fleet that runs ``version`` everywhere."""
    fleet.serve(version)
    await fleet.wait_fleet(all_on(version["revision"]))


async def test_a_good_version_converges_and_each_node_is_recorded(fleet: FleetStack) -> None:
    current = await fleet.publish(shop_policy(100, marker="good-1"))
    await on_version(fleet, current)
    new = await fleet.publish(shop_policy(100, marker="good-2"))

    run = await rollout(fleet, new, reason="a harmless change")
    result = run["result"]
    assert result["outcome"] == "activated", result["reason"]
    assert result["fleet_state"] == "all_new"
    assert {n["node"]: (n["revision"], n["verified"]) for n in result["nodes"]} == dict.fromkeys(
        NODES, (new["revision"], True)
    )
    assert {p["node"]: p["version_id"] for p in result["previous"]} == dict.fromkeys(
        NODES, current["id"]
    )
    assert [c["ok"] for c in result["validation"]["checks"]] == [True] * 4
    # The canary (n1) went first, then the whole fleet.
    assert [n["node"] for n in result["canary"]["nodes"]] == ["n1"]
    assert result["activation"]["converged"] and result["convergence_ms"] >= 0
    assert 0 <= result["disagreement_ms"] < 60_000
    assert [e["type"] for e in run["events"] if e["type"].endswith((".passed", ".done"))] == [
        "validation.passed", "preview.done",
    ]  # fmt: skip
    switched = [e["data"]["nodes"] for e in events(run, "fleet.switched")]
    assert switched == [["n1"], list(NODES)]
    nodes = await fleet.fleet()
    shown = {n: (v["desired_version"], v["active_revision"], v["status_code"])
             for n, v in nodes.items()}  # fmt: skip
    assert shown == dict.fromkeys(NODES, (new["id"], new["revision"], ""))

    # Rollback to a version: the fast path (no preview, no canary), as all-or-nothing.
    back = await rollout(fleet, current, mode="rollback")
    assert back["result"]["outcome"] == "activated", back["result"]["reason"]
    assert not events(back, "preview.done") and back["result"]["canary"] is None
    assert [e["data"]["nodes"] for e in events(back, "fleet.switched")] == [list(NODES)]
    await fleet.wait_fleet(all_on(current["revision"]), timeout=2)


async def test_a_version_failing_its_tests_or_strict_checks_changes_nothing(
    fleet: FleetStack,
) -> None:
    current = await fleet.publish(shop_policy(100, marker="invalid-1"))
    await on_version(fleet, current)
    before = served(await fleet.fleet())

    failing = await fleet.publish(shop_policy(100, marker="invalid-2", huge=50))
    run = await rollout(fleet, failing)
    result = run["result"]
    assert result["outcome"] == "invalid"
    checks = {c["name"]: c for c in result["validation"]["checks"]}
    assert checks["opa check --strict"]["ok"] and not checks["opa test"]["ok"]
    assert "test_huge_orders_are_denied" in checks["opa test"]["output"]
    assert result["reason"].startswith("opa test failed")
    assert result["reason"].endswith("no node was changed")

    sloppy = await fleet.publish(
        shop_policy(100, marker="invalid-3", extra={
            "./shop/authz/extra.rego": "package shop.authz\n\nimport data.nothing\n\nx := 1\n",
        })
    )  # fmt: skip
    run = await rollout(fleet, sloppy)
    assert run["result"]["outcome"] == "invalid"
    assert run["result"]["reason"].startswith("opa check --strict failed")
    assert not events(run, "fleet.switched")
    assert served(await fleet.fleet()) == before


def served(nodes: dict[str, dict[str, Any]]) -> dict[str, tuple[str, ...]]:
    """What each node is served, was last sent, runs and reports (not when)."""
    return {
        name: (n["desired_version"], n["sent_revision"], n["active_revision"], n["status_code"])
        for name, n in nodes.items()
    }


async def test_a_down_node_makes_the_run_roll_every_node_back(fleet: FleetStack) -> None:
    current = await fleet.publish(shop_policy(100, marker="down-1"))
    await on_version(fleet, current)
    await asyncio.to_thread(fleet.nodes["n3"].stop)
    try:
        new = await fleet.publish(shop_policy(100, marker="down-2"))
        run = await rollout(fleet, new, strategy={"activation_deadline_seconds": 3})
        result = run["result"]
        assert result["outcome"] == "rolled_back", result["reason"]
        assert result["fleet_state"] == "all_old"
        assert "n3 did not report the target revision within 3 s" in result["reason"]
        assert "n3 did not answer since the switch" in result["reason"]
        # n1 and n2 took the new version and were switched back; nodes disagreed meanwhile.
        assert result["disagreement_ms"] >= 2500
        nodes = await fleet.fleet()
        for name in ("n1", "n2"):
            assert nodes[name]["active_revision"] == current["revision"]
            assert nodes[name]["status_code"] == ""
        assert {n["desired_version"] for n in nodes.values()} == {current["id"]}
    finally:
        await asyncio.to_thread(fleet.nodes["n3"].start)
    # Back up, n3 is served what the fleet runs: the old version.
    await fleet.wait_fleet(all_on(current["revision"]), timeout=10)


async def test_a_node_refusing_the_signature_rolls_every_node_back(fleet: FleetStack) -> None:
    current = await fleet.publish(shop_policy(100, marker="key-1"))
    await on_version(fleet, current)
    # A key rotation: every node but n2 is given the new key before the next version.
    await asyncio.to_thread(rotate, fleet.engine, fleet.settings.home)
    for name in ("n1", "n3"):
        await reconfigure(fleet, name)
    try:
        new = await fleet.publish(shop_policy(100, marker="key-2"))
        assert new["signing_key_id"] != current["signing_key_id"]
        run = await rollout(fleet, new)
        result = run["result"]
        assert result["outcome"] == "rolled_back", result["reason"]
        assert "n2 refused revision" in result["reason"]
        assert result["fleet_state"] == "all_old"
        # Afterwards every node reports the old revision, and no error lingers on n2.
        nodes = await fleet.fleet()
        assert all(n["active_revision"] == current["revision"] for n in nodes.values())
        assert all(n["status_code"] == "" for n in nodes.values()), nodes
    finally:
        await reconfigure(fleet, "n2")
    await fleet.wait_fleet(all_on(current["revision"]), timeout=10)


async def reconfigure(fleet: FleetStack, name: str) -> None:
    """Register the node again (its config now trusts every current key) and restart it."""
    node = fleet.nodes[name]
    old = json.loads(node.config_path.read_text())
    registered = await register(
        fleet.api, fleet.keys.admin, name, url=node.url,
        labels={k: v for k, v in old["labels"].items() if k not in ("node", "fleet")},
    )  # fmt: skip
    await asyncio.to_thread(node.stop)
    node.configure(registered["config"])
    await asyncio.to_thread(node.start)


async def test_preview_reports_exactly_what_a_changed_threshold_flips(fleet: FleetStack) -> None:
    current = await fleet.publish(shop_policy(100, marker="preview-1"))
    await on_version(fleet, current)
    amounts = [10, 40, 60, 80, 120, 250]
    async with httpx.AsyncClient() as http:
        for index, amount in enumerate(amounts):
            node = fleet.nodes[NODES[index % len(NODES)]]
            reply = await http.post(
                f"{node.url}/v1/data/{PATH}", json={"input": {"amount": amount, "case": "preview"}}
            )
            assert reply.status_code == 200
    await recorded(fleet, current["revision"], len(amounts))

    stricter = await fleet.publish(shop_policy(50, marker="preview-2"))
    run = await rollout(fleet, stricter, mode="dry_run")
    result = run["result"]
    assert result["outcome"] == "previewed", result["reason"]
    paths = {p["path"]: p for p in result["preview"]["paths"]}
    allow = paths[PATH]
    assert (allow["changed"], allow["allow_to_deny"], allow["deny_to_allow"]) == (2, 2, 0)
    assert sorted(e["input"]["amount"] for e in allow["examples"]) == [60, 80]
    assert all((e["before"], e["after"]) == (True, False) for e in allow["examples"])
    assert allow["nondeterministic"] == 0
    assert not events(run, "fleet.switched")
    await fleet.wait_fleet(all_on(current["revision"]), timeout=2)


async def recorded(fleet: FleetStack, revision: str, count: int) -> None:
    for _ in range(100):
        with session_scope(fleet.engine) as session:
            rows = recent(
                session, fleet.settings.tenant, fleet=FLEET,
                since=datetime.now(UTC) - timedelta(minutes=5), limit=1000,
            )  # fmt: skip
            found = [r for r in rows if r.revision == revision and r.path == PATH]
        if len(found) >= count:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"only {len(found)} of {count} decisions were recorded")


async def test_bad_input_is_refused_naming_the_field(fleet: FleetStack) -> None:
    version = await fleet.publish(shop_policy(100, marker="input-1"))

    async def start(body: dict[str, Any]) -> list[str]:
        reply = await fleet.api.post("/v1/policy-rollouts", json=body, headers=fleet.headers())
        assert reply.status_code == 422, reply.text
        return [p["field"] for p in reply.json()["problems"]]

    valid = {"fleet": FLEET, "version_id": version["id"]}
    assert await start({**valid, "version_id": "pv-000000000000"}) == ["version_id"]
    assert await start({**valid, "version_id": "v1"}) == ["version_id"]
    assert await start({**valid, "fleet": "nowhere"}) == ["fleet"]
    assert await start({**valid, "selector": ""}) == ["selector"]
    assert await start({**valid, "selector": "region=mars"}) == ["selector"]
    assert await start({**valid, "selector": "region in (eu"}) == ["selector"]
    assert await start({**valid, "mode": "sideways"}) == ["mode"]
    assert await start({**valid, "strategy": {"canary_selector": "=x"}}) == [
        "strategy.canary_selector"
    ]
    assert await start({**valid, "extra": 1}) == ["extra"]


DISCOUNT = """package shop.authz

discount := 10 if input.amount > 100

discount := 0 if input.amount <= 100
"""


async def test_the_canary_catches_a_version_that_answers_undefined_on_a_live_path(
    fleet: FleetStack,
) -> None:
    current = await fleet.publish(
        shop_policy(100, marker="canary-1", extra={"./shop/authz/discount.rego": DISCOUNT})
    )
    await on_version(fleet, current)
    lost = await fleet.publish(shop_policy(100, marker="canary-2"))  # discount is gone
    stop = asyncio.Event()

    async def traffic() -> None:
        async with httpx.AsyncClient() as http:
            while not stop.is_set():
                for name in ("n1", "n2"):
                    await http.post(
                        f"{fleet.nodes[name].url}/v1/data/shop/authz/discount",
                        json={"input": {"amount": 150}},
                    )
                await asyncio.sleep(0.1)

    # Live traffic starts once the canary runs the new version (the preview, before it,
    # found no recorded decision of the path, so it cannot have seen the problem).
    run_id = await start(fleet, lost, strategy={"bake_seconds": 4})
    await fleet.wait_run(run_id, lambda r: r["phase"] == "baking", timeout=30)
    live = asyncio.create_task(traffic())
    try:
        run = await fleet.wait_run(run_id, lambda r: r["status"] != "running", timeout=60)
    finally:
        stop.set()
        await live
    result = run["result"]
    assert result["outcome"] == "rolled_back", result["reason"]
    report = result["canary_report"]
    assert report["canary_decisions"] > 0 and report["canary_undefined_ratio"] == 1
    assert report["undefined_paths"] == ["shop/authz/discount"]
    assert "the canary failed" in result["reason"]
    # Only the canary ever took the new version, and it is back.
    assert [e["data"]["nodes"] for e in events(run, "fleet.switched")][0] == ["n1"]
    assert result["activation"] is None
    await fleet.wait_fleet(all_on(current["revision"]), timeout=5)


async def test_metrics_show_the_fleet_and_how_rollouts_ended(fleet: FleetStack) -> None:
    current = await fleet.publish(shop_policy(100, marker="metrics-1"))
    await on_version(fleet, current)
    new = await fleet.publish(shop_policy(100, marker="metrics-2"))
    run = await rollout(fleet, new)
    assert run["result"]["outcome"] == "activated", run["result"]["reason"]
    text = (await fleet.api.get("/metrics")).text

    def sample(name: str, **labels: str) -> float:
        for line in text.splitlines():
            if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    assert sample("kaizen_policy_nodes", fleet=FLEET, revision=new["revision"]) == 3
    assert sample("kaizen_policy_rollouts_total", fleet=FLEET, mode="rollout",
                  outcome="activated") >= 1  # fmt: skip
    assert sample("kaizen_policy_rollout_convergence_ms_count", fleet=FLEET) >= 1
    assert sample("kaizen_policy_rollout_disagreement_ms_count", fleet=FLEET) >= 1
    assert sample("kaizen_policy_bundle_requests_total", answer="bundle") >= 3
    assert 'kaizen_policy_nodes_drifted{fleet="test"} 0.0' in text
