"""The GASI game loop: generate, evaluate, crown, forge, harden; continue as new.

One workflow run plays one generation (or ``generations_per_run``) and then
continues as new, carrying only the champion, the current adversaries' ids and
counters; everything else (the archive, every champion, the progress) is in the
hall of fame. History therefore stays a few dozen events per run however long
the tournament plays. Pause and resume are signals, stop ends the run after the
generation in play, and budgets change through a validated Update.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Final

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.gasi.evaluation import GasiEvaluationActivities
    from activities.gasi.pool import GasiPoolActivities
    from kaizen.gasi.arena import better
    from kaizen.v1.gasi_pb2 import (
        GasiAdversary,
        GasiAdversarySummary,
        GasiBudgetChange,
        GasiBudgetState,
        GasiCarry,
        GasiChampion,
        GasiConfig,
        GasiControl,
        GasiEvaluateRequest,
        GasiForgeRequest,
        GasiForgeResult,
        GasiGenerateRequest,
        GasiHardenRequest,
        GasiOpenRequest,
        GasiRunRequest,
        GasiRunResult,
        GasiScoreRow,
        GasiTrigger,
    )
    from workflows.gates import phases
    from workflows.gates.governed import GovernedRun
    from workflows.gates.watchdog import WatchdogExpired, run_with_watchdog

    from . import budget
    from .presets import GENERATE, engine_phase

KIND: Final = "gasi"
PAUSED: Final = "paused"
BUDGET_PAUSED: Final = "budget_paused"
GENERATIONS_DONE: Final = "generations_done"
BUDGET_EXHAUSTED: Final = "budget_exhausted"
STOPPED: Final = "stopped"
ABORTED: Final = "aborted"


def tournament_key(request: GasiRunRequest) -> str:
    """The hall of fame's key: the run's workflow id when started through the API, and the
    same for every scheduled run of the tournament (whose ids carry their fire time)."""
    return f"{KIND}:{request.tenant}:{request.arena}:{request.name}"


@workflow.defn
class GasiWorkflow(GovernedRun):
    """A tournament of blue candidates against red adversaries, one generation per run."""

    @workflow.init
    def __init__(self, request: GasiRunRequest) -> None:
        self._setup(
            kind=KIND,
            service=request.arena,
            namespace="",
            tenant=request.tenant,
            limits=request.limits,
        )
        self._carry = GasiCarry()
        self._carry.CopyFrom(request.carry)
        if not self._carry.opened:
            self._carry.budgets.CopyFrom(request.config.budgets)
            self._carry.generations = request.config.generations
        self._stop: GasiControl | None = None

    # -- operator controls ------------------------------------------------------------------

    @workflow.signal
    def pause(self, control: GasiControl) -> None:
        """Pause before the next generation (the one in play finishes)."""
        self._carry.paused = True
        self.ledger.record(
            "gasi.paused", f"paused by {control.by or 'an operator'}: {control.reason}",
            {"by": control.by},
        )  # fmt: skip

    @workflow.signal
    def resume(self, control: GasiControl) -> None:
        """Resume a paused tournament."""
        self._carry.paused = False
        self.ledger.record(
            "gasi.resumed", f"resumed by {control.by or 'an operator'}", {"by": control.by}
        )

    @workflow.signal
    def stop(self, control: GasiControl) -> None:
        """End the run after the generation in play; the hall of fame keeps everything."""
        self._stop = control
        self.ledger.record(
            "gasi.stop_requested", f"stop requested by {control.by or 'an operator'}: "
            f"{control.reason}", {"by": control.by},
        )  # fmt: skip

    @workflow.signal
    def requested(self, trigger: GasiTrigger) -> None:
        """Another start of this tournament while it plays: this run answers it."""
        self.ledger.record(
            "gasi.requested",
            f"requested again by {trigger.requested_by or 'unknown'} "
            f"(from {trigger.source or 'unknown'}): this run answers it",
            {"requested_by": trigger.requested_by, "source": trigger.source},
        )

    @workflow.update
    def change_budgets(self, change: GasiBudgetChange) -> GasiBudgetState:
        """Replace the budgets (and optionally the generations to play)."""
        budget.apply_change(change, self._carry)
        self.ledger.record(
            "gasi.budgets_changed",
            f"{change.by or 'an operator'} set the evaluation budget to "
            f"{self._carry.budgets.evaluations or 'unlimited'}, LLM tokens to "
            f"{self._carry.budgets.llm_tokens or 'unlimited'} and generations to "
            f"{self._carry.generations or 'unbounded'}",
            {"by": change.by, "evaluations": self._carry.budgets.evaluations,
             "llm_tokens": self._carry.budgets.llm_tokens,
             "generations": self._carry.generations},
        )  # fmt: skip
        return GasiBudgetState(
            budgets=self._carry.budgets,
            generations=self._carry.generations,
            counters=self._carry.counters,
        )

    @change_budgets.validator
    def _check_budgets(self, change: GasiBudgetChange) -> None:
        budget.check_change(change, self._carry)

    @workflow.query
    def gasi_state(self) -> GasiCarry:
        """The champion, current adversaries, counters, budgets and pause state."""
        return self._carry

    # -- the loop ---------------------------------------------------------------------------

    @workflow.run
    async def run(self, request: GasiRunRequest) -> GasiRunResult:
        counters = self._carry.counters
        self.ledger.record(
            "run.started" if not self._carry.opened else "run.continued",
            f"GASI {request.arena} tournament {request.name}: "
            + ("opening" if not self._carry.opened
               else f"continuing after generation {self._generation()}"),
            {"requested_by": request.requested_by, "source": request.source or "api",
             "runs": counters.runs + 1,
             "tournament": tournament_key(request),
             "progress_svg": f"/v1/gasi-runs/{tournament_key(request)}/progress.svg",
             "ciao": f"/v1/gasi-runs/{tournament_key(request)}/ciao"},
        )  # fmt: skip
        counters.runs += 1
        try:
            ended = await self._play(request)
        except asyncio.CancelledError:
            self.ledger.record("run.cancelled", "the tournament was cancelled")
            self.ledger.enter(phases.CANCELLED)
            raise
        # Let a signal or budget Update in flight finish before this run ends or continues.
        await workflow.wait_condition(workflow.all_handlers_finished)
        if ended is None and self._stop is not None:
            ended = self._stopped()
        if ended is None:
            self.ledger.enter("continuing")
            following = GasiRunRequest()
            following.CopyFrom(request)
            following.carry.CopyFrom(self._carry)
            workflow.continue_as_new(following)
        outcome, reason = ended
        self.ledger.record("run.finished", reason, {"outcome": outcome})
        self.ledger.enter(phases.ABORTED if outcome == ABORTED else phases.COMPLETED)
        return GasiRunResult(
            outcome=outcome,
            reason=reason,
            champion=self._carry.champion,
            counters=self._carry.counters,
            events=self.ledger.events,
        )

    def _generation(self) -> int:
        """The hall of fame's number of the last generation played."""
        return self._carry.base_generation + self._carry.counters.generations_done

    def _stopped(self) -> tuple[str, str]:
        stop = self._stop or GasiControl()
        return STOPPED, (
            f"stopped by {stop.by or 'an operator'} after generation {self._generation()}"
            + (f": {stop.reason}" if stop.reason else "")
        )

    def _end_reason(self) -> tuple[str, str] | None:
        """Stopped, or played the generations asked for (the config's, or as changed)."""
        if self._stop is not None:
            return self._stopped()
        done = self._carry.counters.generations_done
        limit = self._carry.generations
        if limit and done >= limit:
            return GENERATIONS_DONE, f"played {done} generation(s), as asked"
        return None

    async def _play(self, request: GasiRunRequest) -> tuple[str, str] | None:
        """Play this run's generations; the end and its reason, or None to continue as new."""
        config = request.config
        if not self._carry.opened:
            await self._open(request)
        per_run = max(1, config.generations_per_run)
        for _ in range(per_run):
            ended = await self._ready(config)
            if ended is not None:
                return ended
            timeout = timedelta(
                seconds=config.generation_timeout_seconds
                or budget.DEFAULT_GENERATION_TIMEOUT_SECONDS
            )
            try:
                await run_with_watchdog(self._generate(request), timeout)
            except WatchdogExpired as expired:
                return ABORTED, (
                    f"watchdog: generation {self._generation() + 1} did not finish: {expired} "
                    f"(in phase {self.ledger.phase})"
                )
        return self._end_reason()

    async def _ready(self, config: GasiConfig) -> tuple[str, str] | None:
        """Wait out an operator's pause and, with ``on_budget_exhausted: pause``, an empty
        budget; the end and its reason when the run must end instead of playing on."""
        while True:
            ended = self._end_reason()
            if ended is not None:
                return ended
            if self._carry.paused:
                await self._wait_while_paused()
                continue
            exhausted = budget.exhausted(config, self._carry)
            if not exhausted:
                return None
            if not budget.pauses_when_exhausted(config):
                return BUDGET_EXHAUSTED, exhausted
            await self._wait_for_budget(config, exhausted)

    async def _wait_while_paused(self) -> None:
        self.ledger.enter(PAUSED)
        await workflow.wait_condition(lambda: not self._carry.paused or self._stop is not None)

    async def _wait_for_budget(self, config: GasiConfig, reason: str) -> None:
        """Hold until a budget change (the change_budgets Update) pays for a generation, or
        a stop. A durable wait on the workflow's own state: nothing polls, and the pause
        survives continue-as-new because the Update that ends it changes the carry."""
        self._carry.budget_pause = reason
        self.ledger.enter(BUDGET_PAUSED)
        self.ledger.record(
            "gasi.budget_paused", f"paused: {reason}; raise the budgets or stop the run",
            {"reason": reason},
        )  # fmt: skip
        await workflow.wait_condition(
            lambda: self._stop is not None or not budget.exhausted(config, self._carry)
        )
        self._carry.budget_pause = ""
        if self._stop is None:
            self.ledger.record("gasi.budget_resumed", "the new budgets pay for a generation")

    async def _open(self, request: GasiRunRequest) -> None:
        self.ledger.enter("opening")
        opening = await workflow.execute_activity_method(
            GasiEvaluationActivities.open_gasi_tournament,
            GasiOpenRequest(
                arena=request.arena,
                tournament=tournament_key(request),
                config=request.config,
                run_id=workflow.info().run_id,
            ),
            task_queue=request.evaluation_task_queue or None,
            **engine_phase(self._phase_timeout(request)),
        )
        carry = self._carry
        carry.opened = True
        carry.champion.CopyFrom(opening.champion)
        carry.adversaries.CopyFrom(opening.adversaries)
        carry.base_generation = opening.generation
        carry.counters.evaluations_spent += opening.evaluations
        carry.counters.engine_calls += opening.engine_calls
        champion = opening.champion
        self.ledger.record(
            "gasi.opened",
            (f"resumed from the hall of fame at generation {opening.generation}: "
             if opening.resumed else "seeded with ")
            + f"{champion.candidate.summary} (benchmark {champion.benchmark.score:.0%})",
            {"champion": champion.candidate.id, "resumed": opening.resumed,
             "benchmark": champion.benchmark.score,
             "adversaries": len(opening.adversaries.current_ids)},
        )  # fmt: skip

    def _phase_timeout(self, request: GasiRunRequest) -> timedelta:
        return timedelta(
            seconds=request.config.generation_timeout_seconds
            or budget.DEFAULT_GENERATION_TIMEOUT_SECONDS
        )

    async def _generate(self, request: GasiRunRequest) -> None:
        config, carry = request.config, self._carry
        generation = self._generation() + 1
        engine = {
            "task_queue": request.evaluation_task_queue or None,
            **engine_phase(self._phase_timeout(request)),
        }
        tournament = tournament_key(request)
        spent_before = carry.counters.evaluations_spent

        self.ledger.enter("generating")
        # Pure and quick: a local activity, so it costs no round trip through the server.
        pool = await workflow.execute_local_activity_method(
            GasiPoolActivities.generate_gasi_candidates,
            GasiGenerateRequest(
                arena=request.arena, champion=carry.champion.candidate,
                count=budget.pool_size(config) - 1, seed=config.seed, generation=generation,
                tournament=tournament,
            ),
            **GENERATE,
        )  # fmt: skip

        self.ledger.enter("evaluating")
        matrix = await workflow.execute_activity_method(
            GasiEvaluationActivities.evaluate_gasi_candidates,
            GasiEvaluateRequest(
                arena=request.arena, tournament=tournament,
                candidates=[carry.champion.candidate, *pool.candidates],
                adversary_ids=carry.adversaries.current_ids, batch_size=config.batch_size,
                parallelism=config.parallelism, hall_of_fame_sample=config.hall_of_fame_sample,
                seed=config.seed + generation,
            ),
            **engine,
        )  # fmt: skip
        carry.counters.evaluations_spent += matrix.evaluations
        carry.counters.engine_calls += matrix.engine_calls
        crowned, best = self._crown(list(matrix.rows), generation)

        self.ledger.enter("forging")
        forged = await workflow.execute_activity_method(
            GasiEvaluationActivities.forge_gasi_adversaries,
            GasiForgeRequest(
                arena=request.arena, tournament=tournament, champion=carry.champion.candidate,
                count=budget.forged_per_generation(config), seed=config.seed,
                generation=generation, attempts=budget.forge_attempts(config),
                batch_size=config.batch_size, parallelism=config.parallelism,
                llm_forge=config.llm_forge,
            ),
            **engine,
        )  # fmt: skip
        carry.counters.evaluations_spent += forged.evaluations
        carry.counters.engine_calls += forged.engine_calls
        carry.counters.adversaries_forged += len(forged.adversaries)
        if config.llm_forge:
            carry.counters.llm_tokens_spent += forged.llm_tokens
            carry.last_llm_tokens = forged.llm_tokens

        self.ledger.enter("hardening")
        summary = slim(forged)
        hardened = await workflow.execute_activity_method(
            GasiEvaluationActivities.harden_gasi_champion,
            GasiHardenRequest(
                arena=request.arena, tournament=tournament, run_id=workflow.info().run_id,
                generation=generation, champion=carry.champion, crowned=crowned,
                forged=summary, counters=carry.counters, batch_size=config.batch_size,
                parallelism=config.parallelism, best_challenger=best.score,
            ),
            **engine,
        )  # fmt: skip
        carry.counters.evaluations_spent += hardened.evaluations
        carry.counters.engine_calls += hardened.engine_calls
        carry.champion.CopyFrom(hardened.champion)
        carry.adversaries.CopyFrom(
            GasiAdversarySummary(
                current_ids=[a.id for a in forged.adversaries],
                mean_difficulty=forged.mean_difficulty,
                archive_size=hardened.archive_size,
            )
        )
        carry.counters.generations_done += 1
        carry.last_generation_cost = carry.counters.evaluations_spent - spent_before
        champion = carry.champion
        self.ledger.record(
            "gasi.generation",
            f"generation {generation}: "
            + (f"crowned {champion.candidate.summary}" if crowned else "the champion held")
            + f"; benchmark {champion.benchmark.score:.0%}, hall of fame "
            f"{champion.past.score:.0%}; forged {len(forged.adversaries)} "
            f"({forged.beat_champion} beat the champion)",
            {"generation": generation, "crowned": crowned, "champion": champion.candidate.id,
             "benchmark": champion.benchmark.score, "past": champion.past.score,
             "forged": len(forged.adversaries), "beat_champion": forged.beat_champion,
             "difficulty": forged.mean_difficulty, "llm_kept": forged.llm_kept,
             "llm_invalid": forged.llm_invalid, "llm_tokens": forged.llm_tokens,
             "evaluations": carry.last_generation_cost},
        )  # fmt: skip
        self.ledger.step_done(f"generation-{generation}")

    def _crown(self, rows: list[GasiScoreRow], generation: int) -> tuple[bool, GasiScoreRow]:
        """Crown the best challenger that dominates the champion on the same adversaries
        (which include the hall of fame): it wins every adversary the champion wins, and
        more. Pareto dominance, not a sum of wins, so a champion never trades what it
        already handles for something new. Answers whether it crowned, and the best
        challenger."""
        carry = self._carry
        reigning_id = carry.champion.candidate.id
        reigning = next(r for r in rows if r.candidate.id == reigning_id)
        held = set(reigning.score.lost_to)
        challengers = [r for r in rows if r.candidate.id != reigning_id]
        # Strict: it beats an adversary the champion loses to and loses to none the
        # champion beats. A tie on wins never crowns (faster detection alone is noise).
        dominant = [r for r in challengers if set(r.score.lost_to) < held]
        best: GasiScoreRow | None = None
        for row in dominant or challengers:
            if best is None or better(list(row.score.fitness), list(best.score.fitness)):
                best = row
        crowned = bool(dominant)
        if best is None or not crowned:
            carry.champion.current.CopyFrom(reigning.score)
            carry.counters.stagnant_generations += 1
            return False, best or reigning
        carry.champion.CopyFrom(
            GasiChampion(candidate=best.candidate, generation=generation, current=best.score)
        )
        carry.counters.champions_crowned += 1
        carry.counters.stagnant_generations = 0
        return True, best


def slim(forged: GasiForgeResult) -> GasiForgeResult:
    """The forge's result as hardening needs it: ids and numbers, no genomes (a smaller
    payload in history)."""
    light = GasiForgeResult()
    light.CopyFrom(forged)
    del light.adversaries[:]
    light.adversaries.extend(
        GasiAdversary(id=a.id, positive=a.positive) for a in forged.adversaries
    )
    return light
