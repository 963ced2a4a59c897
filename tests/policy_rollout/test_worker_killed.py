"""A worker killed while the fleet activates: another worker finishes the run, and the
fleet ends consistent (here all old: one node never takes the new version).

Workers run as real processes (``python -m workers.process``); the first is killed with
SIGKILL while it watches the nodes converge (one node is paused, so the watch is in
flight). The watch's heartbeat stops, Temporal retries it on the second worker, the
deadline passes, and every node is switched back. Desired revisions live in the
database, so nothing the dead worker did is lost or done twice.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.client import Client

from kaizen.settings import Settings
from tests.policy_rollout.fleet import FLEET, FleetStack, all_on, fleet_stack
from tests.policy_rollout.policies import shop_policy
from tests.servers import REPO, SessionServers


@pytest.fixture(scope="module")
async def bare_fleet(
    servers: SessionServers, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[FleetStack]:
    async with fleet_stack(servers, tmp_path_factory.mktemp("bare"), worker=False) as stack:
        yield stack


def worker_process(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAIZEN_")}
    env.update(
        KAIZEN_HOME=str(settings.home),
        KAIZEN_TEMPORAL_ADDRESS=settings.temporal_target,
        KAIZEN_OPA_URL=settings.opa_base_url,
        KAIZEN_OPA_TOKEN=settings.opa_token or "",
        KAIZEN_DATABASE_URL=settings.database,
        KAIZEN_POLICY_ROLLOUT_TASK_QUEUE=settings.policy_rollout_task_queue,
        KAIZEN_TOOLS_DIR=str(settings.resolved_tools_dir),
    )
    return subprocess.Popen(
        [sys.executable, "-m", "workers.process", "--queues", "policy_rollout"],
        cwd=REPO, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip


async def test_a_worker_killed_during_activation_leaves_the_fleet_consistent(
    bare_fleet: FleetStack, client: Client, tmp_path: Path
) -> None:
    fleet = bare_fleet
    current = await fleet.publish(shop_policy(100, marker="killed-1"))
    fleet.serve(current)
    await fleet.wait_fleet(all_on(current["revision"]))
    log = tmp_path / "worker.log"
    first = worker_process(fleet.settings, log)
    second: subprocess.Popen[bytes] | None = None
    paused = fleet.nodes["n3"].process.pid
    os.kill(paused, signal.SIGSTOP)
    try:
        new = await fleet.publish(shop_policy(100, marker="killed-2"))
        reply = await fleet.api.post(
            "/v1/policy-rollouts",
            json={"fleet": FLEET, "version_id": new["id"],
                  "strategy": {"canary_selector": "canary=none", "activation_deadline_seconds": 4}},
            headers=fleet.headers(),
        )  # fmt: skip
        assert reply.status_code == 202, reply.text
        run_id = reply.json()["id"]
        await fleet.wait_run(run_id, lambda r: r["phase"] == "activating", timeout=60)
        await asyncio.sleep(0.5)  # the watch is in flight: n1 and n2 took it, n3 cannot
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        second = worker_process(fleet.settings, log)
        run = await fleet.wait_run(run_id, lambda r: r["status"] != "running", timeout=90)
    finally:
        os.kill(paused, signal.SIGCONT)
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
    result = run["result"]
    assert result["outcome"] == "rolled_back", (result["reason"], log.read_text()[-3000:])
    assert result["fleet_state"] == "all_old"
    await fleet.wait_fleet(all_on(current["revision"]), timeout=15)
    assert {n["desired_version"] for n in (await fleet.fleet()).values()} == {current["id"]}
    history = await client.get_workflow_handle(run_id).fetch_history()
    retried = [
        e.activity_task_started_event_attributes.attempt
        for e in history.events
        if e.HasField("activity_task_started_event_attributes")
        and e.activity_task_started_event_attributes.attempt > 1
    ]
    assert retried, "no activity was retried: the worker died between activities"
