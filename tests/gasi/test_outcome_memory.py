"""A champion is never judged twice against the same adversary: its outcomes are kept (its
CIAO matrix), so hardening a reigning champion costs only the newly forged adversaries."""

from __future__ import annotations

import random

from sqlalchemy.engine import Engine
from temporalio.testing import ActivityEnvironment

from activities.gasi.evaluation import GasiEvaluationActivities
from kaizen.gasi.arena import arena
from kaizen.persistence import gasi_hall_of_fame as hof
from kaizen.persistence.db import session_scope
from kaizen.v1.gasi_pb2 import GasiChampion, GasiForgeResult, GasiHardenRequest
from tests.gasi import numbers_arena

TOURNAMENT = "gasi:default:numbers:memory"


async def test_hardening_a_reigning_champion_judges_only_the_new_adversaries(
    engine: Engine,
) -> None:
    numbers_arena.register()
    played = arena("numbers")
    activities = GasiEvaluationActivities(engine)
    environment = ActivityEnvironment()
    old = played.random_adversaries(5, random.Random(1))
    with session_scope(engine) as session:
        hof.add_adversaries(session, TOURNAMENT, old, 0)
    champion = GasiChampion(candidate=played.seed_champion(), generation=0)
    request = GasiHardenRequest(
        arena="numbers", tournament=TOURNAMENT, generation=1, champion=champion,
        forged=GasiForgeResult(), batch_size=50,
    )  # fmt: skip
    first = await environment.run(activities.harden_gasi_champion, request)
    assert first.evaluations == len(old) + len(played.benchmark())
    new = [a for a in played.random_adversaries(12, random.Random(2)) if a.id not in
           {o.id for o in old}][:2]  # fmt: skip
    with session_scope(engine) as session:
        hof.add_adversaries(session, TOURNAMENT, new, 1)
    request.generation = 2
    second = await environment.run(activities.harden_gasi_champion, request)
    assert second.evaluations == len(new)
    assert second.champion.past.wins + second.champion.past.losses == len(old) + len(new)
