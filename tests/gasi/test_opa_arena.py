"""The second arena, OPA thresholds against adversarial scale requests, through a scratch
``opa eval`` of the pinned OPA: the interface holds for another engine."""

from __future__ import annotations

import asyncio
import random

from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client

from kaizen.gasi.arena import arena, arena_names
from kaizen.gasi.opa_threshold.arena import OpaThresholdArena, Thresholds, _candidate, truth
from kaizen.persistence import gasi_hall_of_fame as hof
from kaizen.settings import Settings
from tests.conftest import run_worker
from tests.gasi.conftest import start_gasi


def test_the_guard_judged_by_opa_agrees_with_the_spec_only_when_tuned() -> None:
    played = arena("opa_threshold")
    assert isinstance(played, OpaThresholdArena) and "opa_threshold" in arena_names()
    benchmark = played.benchmark()
    seed, tuned = played.seed_champion(), _candidate(Thresholds(2, 50, 10, 3.0), "test")
    seed_row, tuned_row = asyncio.run(played.evaluate_batch([seed, tuned], benchmark))
    # The whitelist's caps let a 1 -> 8 jump and a scale to one replica through.
    assert played.score(seed, benchmark, seed_row).metrics["let_through"] == 2
    assert played.score(tuned, benchmark, tuned_row).score == 1.0
    # Type confusion and missing fields are refused, as the spec says.
    assert not truth({"namespace": "shop", "from": "3", "to": 4})
    assert not truth({"namespace": "shop", "to": 4})


def test_the_forge_finds_requests_the_seed_lets_through() -> None:
    played = arena("opa_threshold")
    seed = played.seed_champion()

    async def judge(cs, advs):  # type: ignore[no-untyped-def]
        return await played.evaluate_batch(cs, advs)

    forged = asyncio.run(played.forge(seed, [], 6, 40, random.Random(3), judge)).adversaries
    (row,) = asyncio.run(played.evaluate_batch([seed], forged))
    assert sum(not o.won for o in row) >= 3


async def test_the_opa_arena_plays_a_generation(
    client: Client, settings: Settings, engine: Engine
) -> None:
    async with run_worker(settings):
        handle = await start_gasi(
            client, settings, "guard", arena="opa_threshold", generations=1, pool_size=4,
            initial_adversaries=12,
        )  # fmt: skip
        result = await handle.result()
    assert result.outcome == "generations_done"
    with Session(engine) as session:
        progress = hof.progress(session, handle.id)
    assert [p.generation for p in progress] == [0, 1]
    assert progress[1].benchmark_score >= progress[0].benchmark_score
