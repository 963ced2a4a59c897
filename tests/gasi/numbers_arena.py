"""A tiny pure-Python arena for tests about the loop itself (history, pause, budgets):
a candidate is a number, an adversary is a number, and the larger number wins."""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from typing import Any

from kaizen.gasi.arena import (
    ArenaDescription,
    ExportedChampion,
    Forged,
    InvalidAdversary,
    Judge,
    Matrix,
    Outcome,
    content_id,
    register_arena,
)
from kaizen.v1.gasi_pb2 import GasiAdversary, GasiCandidate, GasiScore

NAME = "numbers"


def _candidate(value: int, origin: str, parent: str = "") -> GasiCandidate:
    genome = {"value": value}
    return GasiCandidate(id=content_id("num", genome), genome_json=json.dumps(genome),
                         parent_id=parent, summary=f"n={value}", origin=origin)  # fmt: skip


def _adversary(value: int, origin: str) -> GasiAdversary:
    genome = {"value": value}
    return GasiAdversary(id=content_id("adv", genome), genome_json=json.dumps(genome),
                         family="number", positive=True, summary=f"m={value}", origin=origin,
                         cell=str(value // 10))  # fmt: skip


def _value(genome_json: str) -> int:
    return int(json.loads(genome_json)["value"])


class NumbersArena:
    name = NAME
    evaluated_batches = 0
    delay = 0.0

    def describe(self) -> ArenaDescription:
        return ArenaDescription(NAME, "1", "python", "a number", "a number", "larger wins")

    def seed_champion(self) -> GasiCandidate:
        return _candidate(10, "seed")

    def generate_candidates(
        self, champion: GasiCandidate, count: int, rng: random.Random
    ) -> list[GasiCandidate]:
        value = _value(champion.genome_json)
        return [_candidate(value + rng.randint(-2, 5), "mutation", champion.id)
                for _ in range(count)]  # fmt: skip

    def random_adversaries(self, count: int, rng: random.Random) -> list[GasiAdversary]:
        return [_adversary(rng.randint(0, 20), "random") for _ in range(count)]

    async def evaluate_batch(
        self, candidates: Sequence[GasiCandidate], adversaries: Sequence[GasiAdversary]
    ) -> Matrix:
        import asyncio

        type(self).evaluated_batches += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        return [[Outcome(won=_value(c.genome_json) >= _value(a.genome_json))
                 for a in adversaries] for c in candidates]  # fmt: skip

    async def forge(
        self,
        champion: GasiCandidate,
        archive: Sequence[GasiAdversary],
        count: int,
        attempts: int,
        rng: random.Random,
        judge: Judge,
    ) -> Forged:
        value = _value(champion.genome_json)
        made = [_adversary(value + rng.randint(-3, 3), "forged") for _ in range(attempts)]
        await judge([champion], made)
        return Forged(list({a.id: a for a in made}.values())[:count], len(made), 0)

    def benchmark(self) -> list[GasiAdversary]:
        return [_adversary(v, "benchmark") for v in (5, 15, 25, 35)]

    def score(
        self, candidate: GasiCandidate, adversaries: Sequence[GasiAdversary],
        outcomes: Sequence[Outcome],
    ) -> GasiScore:  # fmt: skip
        wins = sum(o.won for o in outcomes)
        n = len(outcomes)
        return GasiScore(score=wins / n if n else 0.0, wins=wins, losses=n - wins,
                         fitness=[wins / n if n else 0.0, -_value(candidate.genome_json) / 1000],
                         lost_to=[a.id for a, o in zip(adversaries, outcomes, strict=True)
                                  if not o.won])  # fmt: skip

    def adversary_schema(self) -> dict[str, Any]:
        value = {"type": "integer", "minimum": 0, "maximum": 1000}
        return {"type": "object", "additionalProperties": False, "required": ["value"],
                "properties": {"value": value}}  # fmt: skip

    def adversary_from_genome(self, genome: Mapping[str, Any]) -> GasiAdversary:
        value = genome.get("value") if isinstance(genome, Mapping) else None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1000:
            raise InvalidAdversary(f"value must be an integer 0..1000, not {value!r}")
        return _adversary(value, "llm")

    def export(self, champion: GasiCandidate) -> ExportedChampion:
        return ExportedChampion("champion.txt", "text/plain", champion.summary + "\n")


def register() -> None:
    register_arena(NAME, NumbersArena)
