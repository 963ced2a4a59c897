"""The worker pool: a killed worker is replaced and the run completes exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from kaizen.persistence.action_log import entries_for_run
from kaizen.settings import Settings
from tests.conftest import Keys
from tests.polling import ended, in_phase, wait_for_run
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


async def test_killed_workers_are_replaced_and_the_run_completes_once(
    api: httpx.AsyncClient, settings: Settings, keys: Keys, engine: Engine, tmp_path: Path
) -> None:
    queue = settings.healing_task_queue
    env = kaizen_env(
        tmp_path / "pool-home",
        KAIZEN_TEMPORAL_ADDRESS=settings.temporal_target,
        KAIZEN_OPA_URL=settings.opa_base_url,
        KAIZEN_DATABASE_URL=settings.database,
        KAIZEN_HEALING_TASK_QUEUE=queue,
    )
    pool = kaizen("worker", "--processes", "2", env=env)
    try:
        read_until(pool, "worker polling", timeout=60)
        original = await wait_for_pids(queue, 2, exclude=set())

        operator = Keys.header(keys.operator)
        window = {"scope": "payments", "duration_minutes": 30, "reason": "test"}
        assert (
            await api.post("/v1/change-windows", json=window, headers=operator)
        ).status_code == 201
        body = {"service": "payments", "namespace": "shop", "symptom": "Errors", "severity": "high"}
        run = (await api.post("/v1/healing-runs", json=body, headers=operator)).json()
        await wait_for_run(api, run["id"], operator, in_phase("awaiting_approval"))

        vote = await api.post(
            f"/v1/runs/{run['id']}/approvals", json={"decision": "approve"},
            headers=Keys.header(keys.approver),
        )  # fmt: skip
        assert vote.status_code == 200, vote.text
        # Crash every worker right after the approval, while the run moves to act.
        for pid in original:
            os.kill(pid, signal.SIGKILL)
        await wait_for_pids(queue, 2, exclude=original)

        done = await wait_for_run(api, run["id"], operator, ended, timeout=90)
        assert done["result"]["outcome"] == "proposed"
        with Session(engine) as session:
            assert len(entries_for_run(session, run["id"])) == 1
        assert "exited with -9; restarting" in "\n".join(read_until(pool, "restarting", 5))
    finally:
        pool.send_signal(signal.SIGTERM)
        code = pool.wait(timeout=60)
    assert code == 0
    assert worker_pids(queue) == set()


def test_unknown_queue_is_refused(tmp_path: Path) -> None:
    process = kaizen("worker", "--queues", "nonsense", env=kaizen_env(tmp_path))
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "unknown queue(s) nonsense" in output


async def test_sigterm_drains_the_activity_in_flight(
    api: httpx.AsyncClient, settings: Settings, keys: Keys, engine: Engine, tmp_path: Path
) -> None:
    from urllib.parse import urlsplit

    from temporalio.api.enums.v1 import EventType

    from kaizen.temporal.client import connect
    from tests.conftest import run_worker
    from tests.latency_proxy import LatencyProxy

    opa = urlsplit(settings.opa_base_url)
    assert opa.hostname and opa.port
    async with LatencyProxy(opa.hostname, opa.port, delay_seconds=3) as proxy:
        env = kaizen_env(
            tmp_path / "pool-home",
            KAIZEN_TEMPORAL_ADDRESS=settings.temporal_target,
            KAIZEN_OPA_URL=f"http://127.0.0.1:{proxy.port}",
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
    assert types.count(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) == 2  # diagnose, policy
    assert EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED not in types
    assert EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT not in types

    # Nothing was lost: a new worker finishes the run where the drained one stopped.
    async with run_worker(settings):
        done = await wait_for_run(api, run["id"], Keys.header(keys.viewer), ended)
    assert done["result"]["outcome"] == "proposed"
    with Session(engine) as session:
        assert len(entries_for_run(session, run["id"])) == 1
