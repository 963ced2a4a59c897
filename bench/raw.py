"""The reference: the smallest workflows the raw Temporal Python SDK can run.

Each Kaizen figure is set against one of these on the same dev server in the
same run, so a ratio shows what Kaizen adds, not what the machine can do.
Run as its own process (``python -m bench.raw --task-queue Q``), as Kaizen's
workers are, so neither side shares an event loop with the load generator.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker


@workflow.defn
class NoopWorkflow:
    @workflow.run
    async def run(self, name: str) -> str:
        return name


@activity.defn
async def echo(name: str) -> str:
    return name


@workflow.defn
class OneActivityWorkflow:
    @workflow.run
    async def run(self, name: str) -> str:
        return await workflow.execute_activity(
            echo, name, start_to_close_timeout=timedelta(seconds=30)
        )


@workflow.defn
class VoteWorkflow:
    """Waits for one vote by Update, as an approval gate does, without any checks."""

    def __init__(self) -> None:
        self.votes: list[str] = []

    @workflow.run
    async def run(self) -> list[str]:
        await workflow.wait_condition(lambda: bool(self.votes))
        return self.votes

    @workflow.query
    def votes_cast(self) -> int:
        return len(self.votes)

    @workflow.update
    def vote(self, voter: str) -> int:
        self.votes.append(voter)
        return len(self.votes)


async def serve(address: str, task_queue: str) -> None:
    client = await Client.connect(address)
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[NoopWorkflow, OneActivityWorkflow, VoteWorkflow],
        activities=[echo],
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with worker:
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.raw")
    parser.add_argument("--address", required=True)
    parser.add_argument("--task-queue", required=True)
    args = parser.parse_args()
    asyncio.run(serve(args.address, args.task_queue))


if __name__ == "__main__":
    main()
