"""A worker killed mid-evaluation: the generation is not lost, and the evaluation picks up
from the batches its last heartbeat carried instead of judging them again."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from temporalio.client import Client

from kaizen.settings import Settings
from kaizen.temporal.client import connect
from tests.gasi import numbers_arena
from tests.gasi.conftest import start_gasi
from workers.process import build_workers
from workers.registry import QUEUES, ActivityClients

REPO = Path(__file__).resolve().parents[2]
EVALUATE = "evaluate_gasi_candidates"


def evaluation_worker(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.gasi.evaluation_worker", str(settings.temporal_address),
         settings.gasi_evaluation_task_queue, settings.database, str(log)],
        cwd=REPO, start_new_session=True,
    )  # fmt: skip


def judged(log: Path, activity_type: str) -> list[str]:
    if not log.exists():
        return []
    return [line.split("\t")[1] for line in log.read_text().splitlines()
            if line.startswith(activity_type)]  # fmt: skip


async def test_a_killed_evaluation_resumes_from_its_heartbeat(
    client: Client, settings: Settings, tmp_path: Path
) -> None:
    numbers_arena.register()
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    # The workflow and its cheap steps in this process; evaluation in a killable one.
    clients = ActivityClients.open(settings, kube=None)
    workers = build_workers(await connect(settings), settings, clients, [QUEUES["gasi"]])
    tasks = [asyncio.create_task(w.run()) for w in workers]
    first = evaluation_worker(settings, first_log)
    second: subprocess.Popen[bytes] | None = None
    try:
        handle = await start_gasi(
            client, settings, "killed", arena="numbers", generations=1, pool_size=2,
            adversaries_per_generation=1, initial_adversaries=12, forge_attempts=1, batch_size=1,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while len(judged(first_log, EVALUATE)) < 3 and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        # The SDK sends a heartbeat at most every 0.8 x its 6 s timeout: wait one out, so
        # the server holds details with batches in them.
        await asyncio.sleep(5.5)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        before = judged(first_log, EVALUATE)
        second = evaluation_worker(settings, second_log)
        result = await asyncio.wait_for(handle.result(), 90)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        await asyncio.gather(*(w.shutdown() for w in workers))
        for task in tasks:
            await task
        await clients.close()
    assert result.outcome == "generations_done" and result.counters.generations_done == 1
    after = judged(second_log, EVALUATE)
    batches = len(set(before) | set(after))  # one per distinct adversary of the archive
    assert 3 <= len(before) < batches, before
    # The retry judged only what the dead worker's heartbeat had not carried: at least the
    # three batches judged before the wait were skipped.
    assert 1 <= len(after) <= batches - 3, (before, after)
