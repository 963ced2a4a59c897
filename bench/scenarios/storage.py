"""Dev server storage: raw SDK throughput on in-memory SQLite, on a file with the WAL
pragmas ``kaizen up`` passes, and on a file with SQLite's defaults (rollback journal,
synchronous=FULL). This is the evidence behind the default."""

from __future__ import annotations

import time

from temporalio.client import Client

from bench.context import Bench, bounded, timed
from bench.raw import OneActivityWorkflow
from bench.stack import raw_worker_process, start_temporal, wait_for_pollers
from bench.stats import p50
from kaizen.stack.temporal_server import SQLITE_PRAGMAS

TASK_QUEUE = "bench-storage"
STORAGES = ("memory", "file_wal", "file_default")


async def measure(bench: Bench, storage: str) -> list[tuple[float, float]]:
    """(runs/s, p50 ms) per repetition on a fresh server with ``storage``."""
    home = bench.stack.home / f"storage-{storage}"
    home.mkdir()
    db_file = None if storage == "memory" else home / "temporal.db"
    pragmas = SQLITE_PRAGMAS if storage == "file_wal" else ()
    server = start_temporal(home, name="temporal", db_file=db_file, pragmas=pragmas, ui=False)
    worker = raw_worker_process(
        server.address, TASK_QUEUE, home / "raw-worker.log", bench.stack.env
    )
    worker.start()
    results = []
    try:
        await wait_for_pollers(server.address, "default", TASK_QUEUE, worker, 1)
        client = await Client.connect(server.address)
        n = bench.sizes.storage_runs
        for rep in range(bench.reps):

            async def one(i: int, rep: int = rep) -> float:
                return await timed(
                    lambda: client.execute_workflow(
                        OneActivityWorkflow.run,
                        str(i),
                        id=f"storage-{rep}-{i}",
                        task_queue=TASK_QUEUE,
                    )  # fmt: skip
                )

            started = time.perf_counter()
            latencies = await bounded(n, one)
            results.append((n / (time.perf_counter() - started), p50(latencies) * 1000))
    finally:
        worker.stop()
        server.stop()
    return results


async def run(bench: Bench) -> None:
    report = bench.report
    report.section("7. Dev server storage")
    report.prose(
        f"{bench.sizes.storage_runs} raw one-activity workflows per repetition, 16 in flight, "
        "start to result, on a fresh headless dev server per storage; one raw worker process."
    )
    measured = {storage: await measure(bench, storage) for storage in STORAGES}
    memory = measured["memory"]
    for storage in ("file_wal", "file_default"):
        report.ratio(
            f"storage_throughput_{storage}_vs_memory",
            [f[0] / m[0] for f, m in zip(measured[storage], memory, strict=True)],
        )
    for storage, reps in measured.items():
        report.figure(f"storage_throughput_{storage}", [r[0] for r in reps], "runs/s")
        report.figure(f"storage_p50_latency_{storage}", [r[1] for r in reps], "ms")
