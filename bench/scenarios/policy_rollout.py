"""Policy rollouts to a fleet of 5 OPA nodes, and the preview's replay throughput.

Activation: 20 rollouts through the API and a worker (no canary: every node switched at
once), each measured by the nodes' own activation times: the switch to the last node
active on the new revision (convergence) and first to last activation (the window nodes
disagree). The floor is the same switch made by hand, straight in the database the bundle
server reads, with no workflow: what long polling alone costs. RATIO is Kaizen's p50 over
the floor's.

Preview: 1,000 and 10,000 recorded decisions replayed against two versions (two batched
``opa eval`` per path), through the activity the run uses.
"""

from __future__ import annotations

import asyncio
import io
import json
import random
import tarfile
import time
from datetime import UTC, datetime
from typing import Any, Final

from temporalio.testing import ActivityEnvironment

from activities.opa.cli import OpaCli
from activities.opa.decision_replay import PolicyPreviewActivities
from bench.context import Bench
from bench.stack import tool_path
from bench.stats import p50, p99
from kaizen.persistence.db import make_engine, session_scope
from kaizen.persistence.policy_decisions import DecisionEvent, record_decisions
from kaizen.persistence.policy_fleet import get_node, set_desired
from kaizen.stack import tools
from kaizen.stack.opa_fleet import FleetNode
from kaizen.stack.processes import free_port
from kaizen.v1.policy_rollout_pb2 import PolicyNodeTarget, PolicyPreviewRequest

FLEET: Final = "bench"
BUNDLE: Final = "benchz"
NODES: Final = 5
ROLLOUTS: Final = 20
PREVIEW_SIZES: Final = (1_000, 10_000)
POLICY: Final = """package bench.authz

default allow := false

allow if input.amount <= data.bench.authz.limit

marker := "{marker}"
"""


def _archive(limit: int, marker: str) -> bytes:
    files = {
        ".manifest": json.dumps({"roots": ["bench/authz"]}),
        "bench/authz/policy.rego": POLICY.format(marker=marker),
        "bench/authz/data.json": json.dumps({"limit": limit}),
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


async def _publish(bench: Bench, limit: int, marker: str) -> dict[str, Any]:
    reply = await bench.api.post(
        "/v1/policy-bundles", params={"bundle": BUNDLE}, content=_archive(limit, marker),
        headers={"Content-Type": "application/gzip"},
    )  # fmt: skip
    if reply.status_code not in (200, 201):
        raise RuntimeError(f"publish: {reply.status_code} {reply.text[:300]}")
    version: dict[str, Any] = reply.json()
    return version


async def _fleet(bench: Bench) -> dict[str, dict[str, Any]]:
    reply = await bench.api.get("/v1/policy-fleet", params={"fleet": FLEET})
    return {n["name"]: n for n in reply.json()["nodes"]}


async def _start_nodes(bench: Bench) -> list[FleetNode]:
    binary = tool_path(tools.OPA)
    nodes: list[FleetNode] = []
    for index in range(NODES):
        name = f"b{index + 1}"
        directory = bench.stack.home / "opa-fleet-bench" / name
        node = FleetNode(name=name, port=free_port(), directory=directory, binary=binary)
        reply = await bench.api.put(
            f"/v1/policy-fleet/nodes/{name}",
            json={"fleet": FLEET, "bundle": BUNDLE, "url": node.url, "labels": {"bench": "1"}},
        )
        if reply.status_code not in (200, 201):
            raise RuntimeError(f"register {name}: {reply.status_code} {reply.text[:300]}")
        node.configure(reply.json()["config"])
        await asyncio.to_thread(node.start)
        nodes.append(node)
    return nodes


def _serve(database: str, tenant: str, version: dict[str, Any]) -> datetime:
    """The hand-driven switch: every node's desired revision, straight in the database."""
    engine = make_engine(database)
    try:
        at = datetime.now(UTC)
        with session_scope(engine) as session:
            set_desired(
                session, tenant,
                [PolicyNodeTarget(node=f"b{i + 1}", version_id=version["id"],
                                  revision=version["revision"]) for i in range(NODES)],
                at,
            )  # fmt: skip
        return at
    finally:
        engine.dispose()


def _activations(database: str, tenant: str) -> dict[str, datetime | None]:
    engine = make_engine(database)
    try:
        with session_scope(engine) as session:
            found: dict[str, datetime | None] = {}
            for i in range(NODES):
                row = get_node(session, tenant, f"b{i + 1}")
                found[f"b{i + 1}"] = row.activated_at if row is not None else None
            return found
    finally:
        engine.dispose()


async def _hand_switch(bench: Bench, version: dict[str, Any]) -> tuple[float, float]:
    """Convergence and spread (ms) of one switch with no workflow, by the nodes' clocks."""
    settings = bench.stack.settings
    switched = await asyncio.to_thread(_serve, settings.database, settings.tenant, version)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        nodes = await _fleet(bench)
        if all(n["active_revision"] == version["revision"] and not n["status_code"]
               for n in nodes.values()):  # fmt: skip
            break
        await asyncio.sleep(0.01)
    else:
        raise RuntimeError(f"the fleet never took {version['id']} by hand")
    found = await asyncio.to_thread(_activations, settings.database, settings.tenant)
    times = [t if t.tzinfo else t.replace(tzinfo=UTC) for t in found.values() if t is not None]
    return (
        (max(times) - switched).total_seconds() * 1000,
        (max(times) - min(times)).total_seconds() * 1000,
    )


async def _rollout(bench: Bench, version: dict[str, Any]) -> tuple[float, float, float]:
    """Convergence, spread and wall time (ms) of one rollout run through the API."""
    started = time.perf_counter()
    reply = await bench.api.post(
        "/v1/policy-rollouts",
        json={"fleet": FLEET, "version_id": version["id"],
              "strategy": {"canary_selector": "canary=none"}},
    )  # fmt: skip
    if reply.status_code != 202:
        raise RuntimeError(f"rollout: {reply.status_code} {reply.text[:300]}")
    run_id = reply.json()["id"]
    while True:
        run = (await bench.api.get(f"/v1/runs/{run_id}")).json()
        if run["status"] != "running":
            break
        await asyncio.sleep(0.05)
    result = run.get("result") or {}
    if result.get("outcome") != "activated":
        raise RuntimeError(f"{run_id} ended {result.get('outcome')}: {result.get('reason')}")
    activation = result["activation"]
    return (
        float(activation["convergence_ms"]),
        float(activation["spread_ms"]),
        (time.perf_counter() - started) * 1000,
    )


async def _preview_throughput(bench: Bench, count: int, old: str, new: str) -> float:
    """Recorded decisions replayed per second (against both versions)."""
    settings = bench.stack.settings
    engine = make_engine(settings.database)
    fleet = f"preview-{count}"
    try:
        rng = random.Random(count)
        events = [
            DecisionEvent(
                decision_id=f"d{i}",
                path="bench/authz/allow",
                revision=old,
                input={"amount": rng.randint(0, 200)},
                has_input=True,
                result=True,
                has_result=True,
                error="",
                logged_at=None,
            )  # fmt: skip
            for i in range(count)
        ]
        with session_scope(engine) as session:
            record_decisions(session, tenant=settings.tenant, fleet=fleet, node="x",
                             events=events)  # fmt: skip
        activities = PolicyPreviewActivities(engine, OpaCli(tool_path(tools.OPA)))
        request = PolicyPreviewRequest(
            tenant=settings.tenant, fleet=fleet, candidate_version=new, baseline_version=old,
            hours=1, limit=count,
        )  # fmt: skip
        started = time.perf_counter()
        report = await ActivityEnvironment().run(activities.preview_policy_version, request)
        elapsed = time.perf_counter() - started
        if report.replayed != count:
            raise RuntimeError(f"replayed {report.replayed} of {count}")
        return count / elapsed
    finally:
        engine.dispose()


async def run(bench: Bench) -> None:
    report = bench.report
    report.section(f"Policy rollouts (a fleet of {NODES} OPA nodes, long polling)")
    nodes = await _start_nodes(bench)
    await bench.stack.start_workers(1)
    try:
        # Warm up: nodes served nothing yet are in their error backoff (up to 2 s).
        await _hand_switch(bench, await _publish(bench, 100, "start"))
        floor_convergence: list[float] = []
        floor_spread: list[float] = []
        kaizen_convergence: list[float] = []
        kaizen_spread: list[float] = []
        kaizen_wall: list[float] = []
        for i in range(ROLLOUTS):
            hand = await _publish(bench, 100, f"hand-{i}-{time.time_ns()}")
            convergence, spread = await _hand_switch(bench, hand)
            floor_convergence.append(convergence)
            floor_spread.append(spread)
            version = await _publish(bench, 100, f"run-{i}-{time.time_ns()}")
            convergence, spread, wall = await _rollout(bench, version)
            kaizen_convergence.append(convergence)
            kaizen_spread.append(spread)
            kaizen_wall.append(wall)
        report.ratio(
            "policy_activation_p50_vs_hand_switch",
            [p50(kaizen_convergence) / max(p50(floor_convergence), 0.001)],
        )
        report.figure("policy_activation_p50_ms", [p50(kaizen_convergence)], "ms")
        report.figure("policy_activation_p99_ms", [p99(kaizen_convergence)], "ms")
        report.figure("policy_hand_switch_p50_ms", [p50(floor_convergence)], "ms")
        report.figure("policy_hand_switch_p99_ms", [p99(floor_convergence)], "ms")
        report.figure("policy_disagreement_p50_ms", [p50(kaizen_spread)], "ms")
        report.figure("policy_disagreement_p99_ms", [p99(kaizen_spread)], "ms")
        report.figure("policy_hand_disagreement_p50_ms", [p50(floor_spread)], "ms")
        report.figure("policy_rollout_run_p50_ms", [p50(kaizen_wall)], "ms")
        report.prose(
            f"{ROLLOUTS} rollouts of a small bundle to {NODES} OPA nodes on loopback, each "
            "timed by the nodes' own activation times from the switch; the hand switch "
            "writes the desired revision straight into the database the bundle server "
            "watches. A run's wall time adds validation (check, test, build, signed scratch "
            "load), the preview and the governance decision."
        )
        old = await _publish(bench, 100, "preview-old")
        new = await _publish(bench, 50, "preview-new")
        for count in PREVIEW_SIZES:
            rate = await _preview_throughput(bench, count, old["id"], new["id"])
            report.figure(f"policy_preview_{count}_decisions_per_s", [rate], "decisions/s")
    finally:
        for node in nodes:
            await asyncio.to_thread(node.stop)
        await bench.stack.stop_workers()
