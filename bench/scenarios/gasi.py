"""GASI: the alert-rule arena's evaluation throughput, and a worker's memory through a
20-generation tournament.

Throughput: the same candidate x adversary matrix judged two ways, side by side: through
the arena's batched path (scenarios expanded, files written, promtool run in batches of
50, its report parsed, outcomes scored) and as one bare ``promtool test rules`` call of
the same files. The ratio is what the batching and bookkeeping cost on top of the engine.
Memory: Kaizen's worker pool (every queue, GASI's evaluation queue included) while a
tournament plays 20 generations through the API, sampled every half second.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from pathlib import Path

from bench.context import Bench
from kaizen.gasi.alert_rule import oracle
from kaizen.gasi.alert_rule.arena import AlertRuleArena, rule_of, scenario_of
from kaizen.gasi.alert_rule.promtool import rule_file, test_file
from kaizen.gasi.evaluation import Batches, Spend, evaluate
from kaizen.v1.gasi_pb2 import GasiAdversary, GasiCandidate

CANDIDATES = 6
ADVERSARIES = 100
GENERATIONS = 20


def matrix_inputs(arena: AlertRuleArena) -> tuple[list[GasiCandidate], list[GasiAdversary]]:
    rng = random.Random(2026)
    seed = arena.seed_champion()
    candidates = [seed, *arena.generate_candidates(seed, CANDIDATES - 1, rng)]
    return candidates, arena.random_adversaries(ADVERSARIES, rng)


async def bare_promtool(
    arena: AlertRuleArena, candidates: list[GasiCandidate], adversaries: list[GasiAdversary]
) -> float:
    """Seconds of one promtool call over the same files (written beforehand, not timed)."""
    with tempfile.TemporaryDirectory(prefix="kaizen-bench-gasi-") as tmp:
        directory = Path(tmp)
        (directory / "rules.yml").write_text(rule_file([rule_of(c) for c in candidates]))
        cases = [(scenario_of(a), oracle.judge(scenario_of(a)).onset) for a in adversaries]
        (directory / "tests.yml").write_text(test_file(cases))
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            str(arena.promtool), "test", "rules", "tests.yml", cwd=directory,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        await process.wait()
        return time.perf_counter() - started


async def batched(
    candidates: list[GasiCandidate], adversaries: list[GasiAdversary]
) -> tuple[float, Spend]:
    fresh = AlertRuleArena()  # no verdicts cached: the oracle's work is counted too
    spend = Spend()
    started = time.perf_counter()
    await evaluate(fresh, candidates, adversaries, batches=Batches(batch_size=50), spend=spend)
    return time.perf_counter() - started, spend


async def throughput(bench: Bench) -> None:
    arena = AlertRuleArena()
    candidates, adversaries = matrix_inputs(arena)
    ours: list[float] = []
    bare: list[float] = []
    calls = 0
    for _ in range(bench.reps):
        bare.append(await bare_promtool(arena, candidates, adversaries))
        seconds, spend = await batched(candidates, adversaries)
        ours.append(seconds)
        calls = spend.engine_calls
    pairs = len(candidates) * len(adversaries)
    report = bench.report
    report.ratio("gasi_batching_overhead", [o / b for o, b in zip(ours, bare, strict=True)])
    report.figure("gasi_evaluations_per_s", [pairs / o for o in ours], "pairs/s")
    report.figure("gasi_bare_promtool_pairs_per_s", [pairs / b for b in bare], "pairs/s")
    report.prose(
        f"{len(candidates)} rules x {len(adversaries)} scenarios (90 one-minute steps each): "
        f"the arena's path made {calls} promtool calls of up to 50 scenarios; the bare "
        "reference is one call of all of them, its files written before the clock starts."
    )


async def tournament_memory(bench: Bench) -> None:
    await bench.stack.start_workers(1)
    body = {
        "arena": "alert_rule",
        "name": f"bench-{int(time.time())}",
        "config": {"pool_size": 6, "adversaries_per_generation": 4, "initial_adversaries": 12,
                   "forge_attempts": 24, "generations": GENERATIONS, "seed": 1},
    }  # fmt: skip
    started = time.monotonic()
    reply = await bench.api.post("/v1/gasi-runs", json=body)
    if reply.status_code != 202:
        raise RuntimeError(f"POST /v1/gasi-runs: {reply.status_code} {reply.text[:300]}")
    run_id = reply.json()["id"]
    peak = 0
    record: dict[str, object] = {}
    while time.monotonic() - started < 1800:
        usage = bench.stack.usage().get("workers")
        if usage is not None:
            peak = max(peak, usage.rss_bytes)
        record = (await bench.api.get(f"/v1/runs/{run_id}")).json()
        if record.get("status") != "running":
            break
        await asyncio.sleep(0.5)
    elapsed = time.monotonic() - started
    report = bench.report
    report.figure("gasi_worker_peak_rss", [peak / 2**20], "MiB")
    report.figure("gasi_seconds_per_generation", [elapsed / GENERATIONS], "s")
    progress = (await bench.api.get(f"/v1/gasi-runs/{run_id}/progress")).json()["points"]
    if progress:
        report.figure("gasi_benchmark_score_seed", [progress[0]["benchmark_score"]], "ratio")
        report.figure("gasi_benchmark_score_final", [progress[-1]["benchmark_score"]], "ratio")
    report.prose(
        f"One worker process (all queues) while a tournament played {GENERATIONS} generations "
        "(pool 6, 4 adversaries forged a generation) through the API; RSS of the worker's "
        f"process group sampled every 0.5 s; the run ended {record.get('status')}."
    )


async def run(bench: Bench) -> None:
    bench.report.section("GASI: alert-rule arena (promtool) and a 20-generation tournament")
    await throughput(bench)
    await tournament_memory(bench)
