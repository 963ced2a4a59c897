"""The CPU-heavy phases of a GASI generation: open, evaluate, forge, harden.

They run on the GASI evaluation task queue (a worker of its own), so a tournament
can never take the slots healing or promotions need. Every engine call goes
through a per-worker limit (``engine_slots``); long phases heartbeat, and an
evaluation retried after a worker died resumes from the batches its heartbeat
carried instead of judging them again.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from contextlib import suppress
from typing import Any, Final

from sqlalchemy.engine import Engine
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.gasi.llm_forge import LlmAdversaryForge, LlmProposal, shuffled_seed
from kaizen.gasi.arena import (
    Arena,
    Forged,
    InvalidAdversary,
    Matrix,
    Outcome,
    UnknownArena,
    arena,
    outcome_key,
)
from kaizen.gasi.evaluation import Batches, Spend, decode_matrix, encode_matrix, evaluate
from kaizen.persistence import gasi_hall_of_fame as hof
from kaizen.persistence.db import session_scope
from kaizen.v1.gasi_pb2 import (
    GasiAdversary,
    GasiAdversarySummary,
    GasiCandidate,
    GasiChampion,
    GasiEvaluateRequest,
    GasiForgeRequest,
    GasiForgeResult,
    GasiHardened,
    GasiHardenRequest,
    GasiOpening,
    GasiOpenRequest,
    GasiScore,
    GasiScoreMatrix,
    GasiScoreRow,
)

UNKNOWN_ARENA: Final = "UnknownArena"
LLM_FORGE_UNAVAILABLE: Final = "LlmForgeUnavailable"
HEARTBEAT_EVERY_SECONDS: Final = 2.0
PAST_CHAMPIONS_FOR_DIFFICULTY: Final = 8
"""Past champions each forged adversary is measured against (the newest ones)."""
DEFAULT_INITIAL_ADVERSARIES: Final = 12
DEFAULT_ENGINE_SLOTS: Final = 2


def played_arena(name: str) -> Arena:
    """The arena by name; an unknown one is a non-retryable refusal."""
    try:
        return arena(name)
    except UnknownArena as unknown:
        raise ApplicationError(str(unknown), type=UNKNOWN_ARENA, non_retryable=True) from None


class _Heartbeat:
    """Heartbeats every couple of seconds with the finished batches, so a long engine call
    keeps the activity alive and a retry can pick up where this attempt stopped."""

    def __init__(self) -> None:
        self.done: dict[int, Any] = {}
        self._task: asyncio.Task[None] | None = None

    def previous(self) -> dict[int, Matrix]:
        details = activity.info().heartbeat_details
        if not details or not isinstance(details[0], dict):
            return {}
        raw = details[0].get("batches", {})
        self.done = {int(k): v for k, v in raw.items()}
        return {k: decode_matrix(v) for k, v in self.done.items()}

    def finished(self, index: int, matrix: Matrix) -> None:
        self.done[index] = encode_matrix(matrix)
        self.beat()

    def beat(self) -> None:
        activity.heartbeat({"batches": {str(k): v for k, v in self.done.items()}})

    async def __aenter__(self) -> _Heartbeat:
        async def tick() -> None:
            while True:
                await asyncio.sleep(HEARTBEAT_EVERY_SECONDS)
                self.beat()

        self._task = asyncio.create_task(tick())
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task


class _Limited:
    """An arena whose engine calls wait for one of the worker's engine slots."""

    def __init__(self, inner: Arena, slots: asyncio.Semaphore) -> None:
        self._inner = inner
        self._slots = slots

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def evaluate_batch(
        self, candidates: Sequence[GasiCandidate], adversaries: Sequence[GasiAdversary]
    ) -> Matrix:
        async with self._slots:
            return await self._inner.evaluate_batch(candidates, adversaries)


def score_rows(
    played: Arena,
    candidates: Sequence[GasiCandidate],
    adversaries: Sequence[GasiAdversary],
    matrix: Matrix,
) -> list[GasiScoreRow]:
    return [
        GasiScoreRow(candidate=c, score=played.score(c, adversaries, row))
        for c, row in zip(candidates, matrix, strict=True)
    ]


class GasiEvaluationActivities:
    def __init__(
        self,
        engine: Engine,
        *,
        engine_slots: int = DEFAULT_ENGINE_SLOTS,
        llm: LlmAdversaryForge | None = None,
    ) -> None:
        self._engine = engine
        self._llm = llm
        self._slots_count = max(1, engine_slots)
        self._slots: asyncio.Semaphore | None = None

    def _played(self, name: str) -> Arena:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._slots_count)
        return _Limited(played_arena(name), self._slots)

    async def _judge(
        self,
        played: Arena,
        candidates: Sequence[GasiCandidate],
        adversaries: Sequence[GasiAdversary],
        batches: Batches,
        spend: Spend,
        heartbeat: _Heartbeat | None = None,
    ) -> Matrix:
        return await evaluate(
            played, candidates, adversaries, batches=batches, spend=spend,
            on_batch=heartbeat.finished if heartbeat is not None else None,
        )  # fmt: skip

    async def _judge_remembering(
        self,
        played: Arena,
        candidates: Sequence[GasiCandidate],
        adversaries: Sequence[GasiAdversary],
        batches: Batches,
        spend: Spend,
        heartbeat: _Heartbeat | None = None,
        *,
        remember: Sequence[str] = (),
    ) -> Matrix:
        """``_judge``, with champions' known outcomes read instead of judged again, and the
        outcomes of the candidates in ``remember`` (champions) kept for next time."""
        key = _outcome_key(played)
        known = await asyncio.to_thread(
            self._db,
            lambda s: hof.remembered(
                s, key, [c.id for c in candidates], [a.id for a in adversaries]
            ),
        )
        judged: dict[tuple[str, str], Outcome] = {
            pair: Outcome(won=won, metrics=metrics) for pair, (won, metrics) in known.items()
        }
        fresh = [c for c in candidates if not any(pair[0] == c.id for pair in known)]
        if fresh:
            matrix = await self._judge(played, fresh, adversaries, batches, spend, heartbeat)
            for c, row in zip(fresh, matrix, strict=True):
                judged.update({(c.id, a.id): o for a, o in zip(adversaries, row, strict=True)})
        for c in candidates:
            missing = [a for a in adversaries if (c.id, a.id) not in judged]
            if missing:
                (row,) = await self._judge(played, [c], missing, batches, spend)
                judged.update({(c.id, a.id): o for a, o in zip(missing, row, strict=True)})
        keep = {
            (c, a): (o.won, dict(o.metrics))
            for (c, a), o in judged.items()
            if c in set(remember) and (c, a) not in known
        }
        if keep:
            await asyncio.to_thread(self._db, lambda s: hof.remember(s, key, keep))
        return [[judged[(c.id, a.id)] for a in adversaries] for c in candidates]

    def _db(self, work: Any) -> Any:
        with session_scope(self._engine) as session:
            return work(session)

    @activity.defn
    async def open_gasi_tournament(self, request: GasiOpenRequest) -> GasiOpening:
        """The seed champion and first adversaries, or the hall of fame's last champion when
        the tournament has played before (a scheduled run resumes where the last one ended)."""
        played = self._played(request.arena)
        tournament = request.tournament
        latest = await asyncio.to_thread(self._db, lambda s: hof.latest_champion(s, tournament))
        if latest is not None:

            def resume(session: Any) -> tuple[int, int, list[str]]:
                adversaries = hof.archived(session, tournament)
                count = max(1, request.config.adversaries_per_generation or 4)
                return (
                    hof.last_generation(session, tournament),
                    len(adversaries),
                    [a.id for a in adversaries[-count:]],
                )

            generation, size, current = await asyncio.to_thread(self._db, resume)
            return GasiOpening(
                champion=latest, resumed=True, generation=generation,
                adversaries=GasiAdversarySummary(current_ids=current, archive_size=size),
            )  # fmt: skip
        rng = random.Random(f"{request.config.seed}:open")
        seed = played.seed_champion()
        initial = played.random_adversaries(
            request.config.initial_adversaries or DEFAULT_INITIAL_ADVERSARIES, rng
        )
        benchmark = played.benchmark()
        spend = Spend()
        batches = _batches(request.config.batch_size, request.config.parallelism)
        async with _Heartbeat() as heartbeat:
            matrix = await self._judge_remembering(
                played, [seed], [*initial, *benchmark], batches, spend, heartbeat,
                remember=[seed.id],
            )  # fmt: skip
        row = matrix[0]
        champion = GasiChampion(
            candidate=seed,
            generation=0,
            current=played.score(seed, initial, row[: len(initial)]),
            past=played.score(seed, initial, row[: len(initial)]),
            benchmark=played.score(seed, benchmark, row[len(initial) :]),
        )
        lost = set(champion.past.lost_to)

        def write(session: Any) -> None:
            if hof.generation_recorded(session, tournament, 0):
                return
            difficulty = {a.id: (int(a.id in lost), 1) for a in initial}
            hof.add_adversaries(session, tournament, initial, 0, difficulty)
            hof.record_champion(session, tournament, request.arena, champion, request.run_id)
            hof.record_progress(
                session,
                hof.GasiProgressEntry(
                    tournament=tournament, generation=0, champion_id=seed.id, crowned=True,
                    benchmark_score=champion.benchmark.score, past_score=champion.past.score,
                    current_score=champion.current.score,
                    adversary_difficulty=len(lost) / max(len(initial), 1),
                    evaluations_spent=spend.evaluations, run_id=request.run_id,
                ),
            )  # fmt: skip

        await asyncio.to_thread(self._db, write)
        return GasiOpening(
            champion=champion,
            adversaries=GasiAdversarySummary(
                current_ids=[a.id for a in initial],
                mean_difficulty=len(lost) / max(len(initial), 1),
                archive_size=len(initial),
            ),
            evaluations=spend.evaluations,
            engine_calls=spend.engine_calls,
        )

    @activity.defn
    async def evaluate_gasi_candidates(self, request: GasiEvaluateRequest) -> GasiScoreMatrix:
        """Every candidate against the current adversaries and a sample of the hall of fame."""
        played = self._played(request.arena)
        tournament = request.tournament

        def load(session: Any) -> list[GasiAdversary]:
            current = hof.archived(session, tournament, list(request.adversary_ids))
            chosen = {a.id: a for a in current}
            past = [a for a in hof.archived(session, tournament) if a.id not in chosen]
            sample = request.hall_of_fame_sample
            if sample and len(past) > sample:
                past = random.Random(f"{request.seed}:sample").sample(past, sample)
            return [*current, *past]

        adversaries = await asyncio.to_thread(self._db, load)
        spend = Spend()
        heartbeat = _Heartbeat()
        batches = _batches(request.batch_size, request.parallelism, heartbeat.previous())
        started = asyncio.get_running_loop().time()
        async with heartbeat:
            matrix = await self._judge_remembering(
                played, list(request.candidates), adversaries, batches, spend, heartbeat
            )
        rows = score_rows(played, list(request.candidates), adversaries, matrix)
        return GasiScoreMatrix(
            rows=rows,
            evaluations=spend.evaluations,
            engine_calls=spend.engine_calls,
            seconds=asyncio.get_running_loop().time() - started,
        )

    @activity.defn
    async def forge_gasi_adversaries(self, request: GasiForgeRequest) -> GasiForgeResult:
        """New adversaries aimed at the champion, archived with their difficulty (the share of
        past champions each one beats)."""
        played = self._played(request.arena)
        tournament = request.tournament
        archive, past = await asyncio.to_thread(
            self._db,
            lambda s: (
                hof.archived(s, tournament),
                hof.champion_genomes(s, tournament, PAST_CHAMPIONS_FOR_DIFFICULTY),
            ),
        )
        spend = Spend()
        batches = _batches(request.batch_size, request.parallelism)
        rng = random.Random(f"{request.seed}:forge:{request.generation}")

        async def judge(
            candidates: Sequence[GasiCandidate], adversaries: Sequence[GasiAdversary]
        ) -> Matrix:
            return await self._judge(played, candidates, adversaries, batches, spend)

        async with _Heartbeat():
            forged = await played.forge(
                request.champion, archive, max(1, request.count),
                max(request.count, request.attempts or 24), rng, judge,
            )  # fmt: skip
            proposal = await self._llm_proposal(request, played, archive)
            if proposal.adversaries:
                seen = {a.id for a in forged.adversaries}
                extra = [a for a in proposal.adversaries if a.id not in seen]
                forged = Forged([*forged.adversaries, *extra], forged.tried + proposal.proposed,
                                forged.rejected_unfair)  # fmt: skip
            # The champion they were forged against first, then the champions before it.
            opponents = [request.champion, *(c for c in past if c.id != request.champion.id)]
            versus = (
                await self._judge_remembering(
                    played, opponents, forged.adversaries, batches, spend,
                    remember=[c.id for c in opponents],
                )
                if forged.adversaries
                else []
            )  # fmt: skip
        beat_champion = [not o.won for o in versus[0]] if versus else []
        difficulty: dict[str, tuple[int, int]] = {}
        for j, a in enumerate(forged.adversaries):
            difficulty[a.id] = (sum(not row[j].won for row in versus), len(versus))
        await asyncio.to_thread(
            self._db,
            lambda s: hof.add_adversaries(
                s, tournament, forged.adversaries, request.generation, difficulty
            ),
        )
        ratios = [b / f for b, f in difficulty.values() if f]
        return GasiForgeResult(
            adversaries=forged.adversaries,
            evaluations=spend.evaluations,
            tried=forged.tried,
            beat_champion=sum(beat_champion),
            mean_difficulty=sum(ratios) / len(ratios) if ratios else 0.0,
            engine_calls=spend.engine_calls,
            rejected_unfair=forged.rejected_unfair,
            llm_tokens=proposal.tokens,
            llm_proposed=proposal.proposed,
            llm_invalid=proposal.invalid,
            llm_kept=sum(a.origin == "llm" for a in forged.adversaries),
        )

    async def _llm_proposal(
        self, request: GasiForgeRequest, played: Arena, archive: Sequence[GasiAdversary]
    ) -> LlmProposal:
        """The model's adversaries when the run asks for them (nothing otherwise)."""
        if not request.llm_forge:
            return LlmProposal()
        if self._llm is None:
            raise ApplicationError(
                "the run asks for the LLM forge but this worker has no model configured "
                "(KAIZEN_LLM_BASE_URL, KAIZEN_LLM_MODEL)",
                type=LLM_FORGE_UNAVAILABLE, non_retryable=True,
            )  # fmt: skip
        try:
            return await self._llm.propose(
                played, request.champion, archive, max(1, request.count),
                shuffled_seed(request.seed, request.generation),
            )  # fmt: skip
        except InvalidAdversary as refused:  # the arena takes no proposals at all
            raise ApplicationError(
                str(refused), type=LLM_FORGE_UNAVAILABLE, non_retryable=True
            ) from None

    @activity.defn
    async def harden_gasi_champion(self, request: GasiHardenRequest) -> GasiHardened:
        """Score the champion on the forged adversaries, every archived one and the fixed
        benchmark, and write the generation into the hall of fame (once)."""
        played = self._played(request.arena)
        tournament = request.tournament
        archive = await asyncio.to_thread(self._db, lambda s: hof.archived(s, tournament))
        forged_ids = {a.id for a in request.forged.adversaries}
        forged = [a for a in archive if a.id in forged_ids]
        benchmark = played.benchmark()
        spend = Spend()
        batches = _batches(request.batch_size, request.parallelism)
        champion_candidate = request.champion.candidate
        async with _Heartbeat() as heartbeat:
            (row,) = await self._judge_remembering(
                played, [champion_candidate], [*archive, *benchmark], batches, spend, heartbeat,
                remember=[champion_candidate.id],
            )  # fmt: skip
        by_id = {a.id: o for a, o in zip([*archive, *benchmark], row, strict=True)}
        champion = GasiChampion()
        champion.CopyFrom(request.champion)
        champion.past.CopyFrom(played.score(champion_candidate, archive, row[: len(archive)]))
        champion.benchmark.CopyFrom(
            played.score(champion_candidate, benchmark, row[len(archive) :])
        )
        versus_forged: GasiScore = played.score(
            champion_candidate, forged, [by_id[a.id] for a in forged]
        )
        spent = request.counters.evaluations_spent + spend.evaluations
        lost = set(champion.past.lost_to)

        def write(session: Any) -> int:
            if not hof.generation_recorded(session, tournament, request.generation):
                if request.crowned:
                    hof.record_champion(session, tournament, request.arena, champion,
                                        request.run_id)  # fmt: skip
                    # The forged ones already met it when the forge measured them.
                    earlier = [a.id for a in archive if a.id not in forged_ids]
                    hof.count_difficulty(session, tournament, earlier, lost)
                hof.record_progress(
                    session,
                    hof.GasiProgressEntry(
                        tournament=tournament, generation=request.generation,
                        champion_id=champion_candidate.id, crowned=request.crowned,
                        benchmark_score=champion.benchmark.score,
                        past_score=champion.past.score, current_score=versus_forged.score,
                        adversary_difficulty=request.forged.mean_difficulty,
                        evaluations_spent=spent, forged=len(request.forged.adversaries),
                        forged_beat_champion=request.forged.beat_champion,
                        run_id=request.run_id,
                    ),
                )  # fmt: skip
            return len(archive)

        size = await asyncio.to_thread(self._db, write)
        return GasiHardened(
            champion=champion, evaluations=spend.evaluations, archive_size=size,
            engine_calls=spend.engine_calls,
        )  # fmt: skip


def _outcome_key(played: Arena) -> str:
    return outcome_key(played.describe())


def _batches(batch_size: int, parallelism: int, done: dict[int, Matrix] | None = None) -> Batches:
    return Batches(
        batch_size=batch_size or Batches().batch_size,
        parallelism=parallelism or Batches().parallelism,
        done=done or {},
    )
