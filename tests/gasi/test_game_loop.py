"""A short GASI tournament end to end: real Temporal, real promtool, the hall of fame."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client

from kaizen.persistence import gasi_hall_of_fame as hof
from kaizen.settings import Settings
from tests.conftest import run_worker
from tests.gasi.conftest import start_gasi


async def test_three_generations_never_fall_below_the_seed_on_the_benchmark(
    client: Client, settings: Settings, engine: Engine
) -> None:
    async with run_worker(settings):
        handle = await start_gasi(client, settings, "short", generations=3)
        result = await handle.result()
    assert result.outcome == "generations_done", result.reason
    assert result.counters.generations_done == 3
    assert result.counters.runs == 3  # one workflow run per generation
    with Session(engine) as session:
        progress = hof.progress(session, handle.id)
        champions = hof.champions(session, handle.id)
        archive = hof.adversary_records(session, handle.id)
    assert [p.generation for p in progress] == [0, 1, 2, 3]
    seed = progress[0].benchmark_score
    assert all(p.benchmark_score >= seed for p in progress), [p.benchmark_score for p in progress]
    assert champions[0].candidate.origin == "seed"
    assert len(archive) == 6 + 3 * 3
