"""One worker process: polls its task queues until told to stop, then drains."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Sequence
from datetime import timedelta

from temporalio.client import Client
from temporalio.worker import Worker

from activities.kubernetes.client import connect_kubernetes
from kaizen.settings import Settings
from kaizen.temporal.client import connect
from workers.registry import ActivityClients, QueueSpec, resolve_queues

log = logging.getLogger("kaizen.worker")

# How long SIGTERM waits for in-flight activities before cancelling them.
DRAIN_TIMEOUT = timedelta(seconds=30)


def build_workers(
    client: Client, settings: Settings, clients: ActivityClients, specs: Sequence[QueueSpec]
) -> list[Worker]:
    return [
        Worker(
            client,
            task_queue=spec.task_queue(settings),
            workflows=list(spec.workflows),
            activities=list(spec.activities(clients)),
            graceful_shutdown_timeout=DRAIN_TIMEOUT,
        )
        for spec in specs
    ]


async def serve(settings: Settings, queue_names: Sequence[str] | None) -> None:
    """Run until SIGTERM/SIGINT, then stop polling and let in-flight tasks finish."""
    specs = resolve_queues(queue_names)
    client = await connect(settings)
    kube = connect_kubernetes(settings)
    log.info("Kubernetes: %s", kube.source)
    clients = ActivityClients.open(settings, kube.client)
    workers = build_workers(client, settings, clients, specs)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    runs = [asyncio.create_task(worker.run()) for worker in workers]
    log.info("worker polling %s", ", ".join(spec.task_queue(settings) for spec in specs))
    stopped = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([stopped, *runs], return_when=asyncio.FIRST_COMPLETED)
    await asyncio.gather(*(worker.shutdown() for worker in workers))
    for run in runs:
        if run in done and run.exception() is not None:
            raise run.exception()  # type: ignore[misc]
    await clients.close()
    log.info("worker drained and stopped")


def main(argv: Sequence[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="kaizen-worker-process")
    parser.add_argument("--queues", default="", help="comma-separated logical queues")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    names = [q for q in args.queues.split(",") if q]
    asyncio.run(serve(Settings(), names))


if __name__ == "__main__":
    main()
