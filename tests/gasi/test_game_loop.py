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


async def test_a_later_run_of_the_tournament_resumes_from_the_hall_of_fame(
    client: Client, settings: Settings, engine: Engine
) -> None:
    async with run_worker(settings):
        first = await (await start_gasi(client, settings, "resumed", generations=1)).result()
    # Another worker (a restart), another run of the same tournament: it opens from the
    # hall of fame, not from the seed, and numbers its generations on.
    async with run_worker(settings):
        handle = await start_gasi(client, settings, "resumed", generations=1)
        second = await handle.result()
    assert second.outcome == "generations_done"
    opened = next(e for e in second.events if e.type == "gasi.opened")
    assert opened.data["resumed"] is True and "resumed from the hall of fame" in opened.message
    with Session(engine) as session:
        progress = hof.progress(session, handle.id)
        archive = hof.adversary_records(session, handle.id)
    assert [p.generation for p in progress] == [0, 1, 2]
    assert progress[1].champion_id == first.champion.candidate.id
    assert progress[2].benchmark_score >= progress[0].benchmark_score
    assert len(archive) == 6 + 2 * 3
