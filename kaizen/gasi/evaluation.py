"""Batched evaluation: candidates x adversaries in engine calls of ``batch_size`` adversaries,
at most ``parallelism`` calls at once, each finished batch reported (for a heartbeat) and
skipped when a retried attempt already has it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from kaizen.gasi.arena import Arena, Matrix, Outcome
from kaizen.v1.gasi_pb2 import GasiAdversary, GasiCandidate

DEFAULT_BATCH_SIZE: Final = 50
# promtool runs groups one after another in one process; a second process only helps
# when a core is actually free (measured: it does not under contention).
DEFAULT_PARALLELISM: Final = 1


@dataclass
class Spend:
    """What evaluation has cost so far: pairs judged and engine calls made."""

    evaluations: int = 0
    engine_calls: int = 0
    resumed_batches: int = 0


@dataclass(frozen=True)
class Batches:
    batch_size: int = DEFAULT_BATCH_SIZE
    parallelism: int = DEFAULT_PARALLELISM
    done: Mapping[int, Matrix] = field(default_factory=dict)
    """Batches a previous attempt finished (from its heartbeat), by index."""


def encode_matrix(matrix: Matrix) -> list[list[list[Any]]]:
    return [[[o.won, dict(o.metrics)] for o in row] for row in matrix]


def decode_matrix(raw: Sequence[Sequence[Sequence[Any]]]) -> Matrix:
    return [[Outcome(won=bool(won), metrics=dict(metrics)) for won, metrics in row] for row in raw]


async def evaluate(
    arena: Arena,
    candidates: Sequence[GasiCandidate],
    adversaries: Sequence[GasiAdversary],
    *,
    batches: Batches | None = None,
    spend: Spend | None = None,
    on_batch: Callable[[int, Matrix], None] | None = None,
) -> Matrix:
    """The full matrix, one row per candidate and one column per adversary, as given."""
    batches = batches or Batches()
    spend = spend if spend is not None else Spend()
    unique_candidates = list({c.id: c for c in candidates}.values())
    unique_adversaries = list({a.id: a for a in adversaries}.values())
    size = max(1, batches.batch_size)
    chunks = [unique_adversaries[i : i + size] for i in range(0, len(unique_adversaries), size)]
    results: dict[int, Matrix] = {}
    limit = asyncio.Semaphore(max(1, batches.parallelism))

    async def run(index: int, chunk: Sequence[GasiAdversary]) -> None:
        if index in batches.done:
            results[index] = batches.done[index]
            spend.resumed_batches += 1
            return
        async with limit:
            matrix = await arena.evaluate_batch(unique_candidates, chunk)
        spend.evaluations += len(unique_candidates) * len(chunk)
        spend.engine_calls += 1
        results[index] = matrix
        if on_batch is not None:
            on_batch(index, matrix)

    if unique_candidates and chunks:
        await asyncio.gather(*(run(i, chunk) for i, chunk in enumerate(chunks)))
    by_pair: dict[tuple[str, str], Outcome] = {}
    for index, chunk in enumerate(chunks):
        for row, c in zip(results[index], unique_candidates, strict=True):
            for o, a in zip(row, chunk, strict=True):
                by_pair[(c.id, a.id)] = o
    return [[by_pair[(c.id, a.id)] for a in adversaries] for c in candidates]
