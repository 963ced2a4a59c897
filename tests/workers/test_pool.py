"""The worker pool: a killed worker is replaced and the run completes exactly once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from sqlalchemy.engine import Engine
from temporalio.api.enums.v1 import EventType, PendingActivityState
from temporalio.client import Client

from kaizen.settings import Settings
from kaizen.stack.kube import LocalKubeControlPlane
from tests.conftest import Keys
from tests.healing_env import set_service_mode, start_run
from tests.healing_fast_catalog import fast_catalog
from tests.kube_workloads import make_workload, read
from tests.latency_proxy import LatencyProxy
from tests.polling import ended, event_types, in_phase, wait_for_run
from tests.stack_process import kaizen, kaizen_env, processes_mentioning, read_until


def worker_pids(queue: str) -> set[int]:
    pids = set()
    for pid in processes_mentioning(queue):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"workers.process" in cmdline:
            pids.add(pid)
    return pids


async def wait_for_pids(queue: str, count: int, exclude: set[int]) -> set[int]:
    for _ in range(200):
        pids = worker_pids(queue) - exclude
        if len(pids) == count:
            return pids
        await asyncio.sleep(0.1)
    raise AssertionError(f"expected {count} new worker processes, saw {worker_pids(queue)}")


def proxied_kubeconfig(kube: LocalKubeControlPlane, port: int, directory: Path) -> Path:
    """The bot's kubeconfig, pointed at a loopback proxy in front of the API server."""
    config = json.loads(kube.bot_kubeconfig.read_text())
    for cluster in config["clusters"]:
        cluster["cluster"]["server"] = f"https://127.0.0.1:{port}"
    path = directory / "proxied.kubeconfig"
    path.write_text(json.dumps(config))
    return path


async def kube_action_in_flight(client: Client, run_id: str, timeout: float = 60) -> None:
    """Wait until a worker has started (and not finished) the Kubernetes action."""
    handle = client.get_workflow_handle(run_id)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        described = await handle.describe()
        for pending in described.raw_description.pending_activities:
            if pending.activity_type.name == "apply_kube_action" and pending.state == (
                PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
            ):
                return
        await asyncio.sleep(0.05)
    raise AssertionError("the Kubernetes action never started")


async def test_worker_killed_mid_action_applies_it_exactly_once(
    api: httpx.AsyncClient,
    settings: Settings,
    keys: Keys,
    engine: Engine,
    client: Client,
    kube: LocalKubeControlPlane,
    tmp_path: Path,
) -> None:
    workload = make_workload(kube)
    await set_service_mode(settings, engine, workload, "approval")
    generation = read(kube, workload)["metadata"]["generation"]
    queue = settings.healing_task_queue
    server = urlsplit(kube.server)
    assert server.hostname and server.port
    # Every request to the API server is held a second: long enough to kill the worker
    # while its action is in flight.
    async with LatencyProxy(
        server.hostname, server.port, delay_seconds=0, request_delay_seconds=1
    ) as proxy:
        env = kaizen_env(
            tmp_path / "pool-home",
            KAIZEN_TEMPORAL_ADDRESS=settings.temporal_target,
            KAIZEN_OPA_URL=settings.opa_base_url,
            KAIZEN_OPA_TOKEN=settings.opa_token or "",
            KAIZEN_DATABASE_URL=settings.database,
            KAIZEN_HEALING_TASK_QUEUE=queue,
            KAIZEN_KUBECONFIG=str(proxied_kubeconfig(kube, proxy.port, tmp_path)),
            # Every read goes through the slow proxy: give verification time.
            KAIZEN_PLAYBOOKS_DIR=str(fast_catalog(tmp_path / "slow-playbooks", timeout_seconds=90)),
        )
        pool = kaizen("worker", "--processes", "2", env=env)
        try:
            read_until(pool, "worker polling", timeout=60)
            original = await wait_for_pids(queue, 2, exclude=set())
            run = await start_run(api, keys.operator, workload, playbook="scale_out")
            operator = Keys.header(keys.operator)
            await wait_for_run(api, run["id"], operator, in_phase("awaiting_approval"))
            vote = await api.post(
                f"/v1/runs/{run['id']}/approvals", json={"decision": "approve"},
                headers=Keys.header(keys.approver),
            )  # fmt: skip
            assert vote.status_code == 200, vote.text

            await kube_action_in_flight(client, run["id"])
            for pid in original:
                os.kill(pid, signal.SIGKILL)
            await wait_for_pids(queue, 2, exclude=original)

            done = await wait_for_run(api, run["id"], operator, ended, timeout=120)
            assert "exited with -9; restarting" in "\n".join(read_until(pool, "restarting", 5))
        finally:
            pool.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(pool.wait, 60)
    assert code == 0
    assert worker_pids(queue) == set()

    result = done["result"]
    assert result["outcome"] == "fixed", result["reason"]
    # Scaled once: 2 -> 3, one new generation, although the action ran on two workers.
    after = read(kube, workload)
    assert after["spec"]["replicas"] == 3
    assert after["metadata"]["generation"] == generation + 1
    history = await client.get_workflow_handle(run["id"]).fetch_history()
    attempts = [
        e.activity_task_started_event_attributes.attempt
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
    ]
    assert max(attempts) >= 2, "the action was retried after the kill"


def test_unknown_queue_is_refused(tmp_path: Path) -> None:
    process = kaizen("worker", "--queues", "nonsense", env=kaizen_env(tmp_path))
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "unknown queue(s) nonsense" in output


async def test_sigterm_drains_the_activity_in_flight(
    api: httpx.AsyncClient, settings: Settings, keys: Keys, engine: Engine, tmp_path: Path
) -> None:
    from kaizen.temporal.client import connect
    from tests.conftest import run_worker

    opa = urlsplit(settings.opa_base_url)
    assert opa.hostname and opa.port
    async with LatencyProxy(opa.hostname, opa.port, delay_seconds=3) as proxy:
        env = kaizen_env(
            tmp_path / "pool-home",
            KAIZEN_TEMPORAL_ADDRESS=settings.temporal_target,
            KAIZEN_OPA_URL=f"http://127.0.0.1:{proxy.port}",
            KAIZEN_OPA_TOKEN=settings.opa_token or "",
            KAIZEN_DATABASE_URL=settings.database,
            KAIZEN_HEALING_TASK_QUEUE=settings.healing_task_queue,
        )
        pool = kaizen("worker", "--processes", "1", env=env)
        try:
            read_until(pool, "worker polling", timeout=60)
            operator = Keys.header(keys.operator)
            body = {"service": "drain", "namespace": "shop", "symptom": "Crash", "severity": "low"}
            run = (await api.post("/v1/healing-runs", json=body, headers=operator)).json()
            # The policy activity is now waiting on OPA through the proxy: stop the pool.
            await asyncio.wait_for(proxy.connected.wait(), 30)
            pool.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(pool.wait, 60)
        finally:
            if pool.poll() is None:
                pool.kill()
    assert code == 0

    client = await connect(settings)
    history = await client.get_workflow_handle(run["id"]).fetch_history()
    types = [event.event_type for event in history.events]
    # The in-flight activity finished on the draining worker, on its first attempt.
    # diagnose, plan, and the window check (the first OPA call, the one held in flight)
    assert types.count(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) == 3
    assert EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED not in types
    assert EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT not in types

    # Nothing was lost: a new worker finishes the run where the drained one stopped.
    async with run_worker(settings):
        done = await wait_for_run(api, run["id"], Keys.header(keys.viewer), ended)
    # No cluster and observe-only: the run ends observed, its one decision recorded.
    assert done["result"]["outcome"] == "observed", done["result"]["reason"]
    assert event_types(done).count("policy.decided") == 1
