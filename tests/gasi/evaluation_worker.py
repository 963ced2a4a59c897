"""A GASI evaluation worker as a process of its own, so a test can kill it mid-evaluation:
``python -m tests.gasi.evaluation_worker ADDRESS QUEUE DATABASE_URL LOG``.

It plays the numbers arena, slowly in the evaluation phase (each batch takes a second),
and logs every batch it judges, with the activity that asked, to LOG.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from temporalio import activity
from temporalio.worker import Worker

from activities.gasi.evaluation import GasiEvaluationActivities
from kaizen.gasi.arena import Matrix, register_arena
from kaizen.persistence.db import make_engine
from kaizen.settings import Settings
from kaizen.temporal.client import connect
from kaizen.v1.gasi_pb2 import GasiAdversary, GasiCandidate
from tests.gasi.numbers_arena import NAME, NumbersArena

BATCH_SECONDS = 1.0


def slow_arena(log: Path) -> type[NumbersArena]:
    class SlowNumbers(NumbersArena):
        async def evaluate_batch(
            self, candidates: Sequence[GasiCandidate], adversaries: Sequence[GasiAdversary]
        ) -> Matrix:
            asked_by = activity.info().activity_type
            if asked_by == "evaluate_gasi_candidates":
                await asyncio.sleep(BATCH_SECONDS)
            with log.open("a") as out:
                out.write(f"{asked_by}\t{adversaries[0].id}\n")
            return await super().evaluate_batch(candidates, adversaries)

    return SlowNumbers


async def main(address: str, queue: str, database: str, log: Path) -> None:
    register_arena(NAME, slow_arena(log))
    client = await connect(Settings(temporal_address=address))
    evaluation = GasiEvaluationActivities(make_engine(database))
    worker = Worker(
        client,
        task_queue=queue,
        activities=[
            evaluation.open_gasi_tournament,
            evaluation.evaluate_gasi_candidates,
            evaluation.forge_gasi_adversaries,
            evaluation.harden_gasi_champion,
        ],
    )
    await worker.run()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4])))
