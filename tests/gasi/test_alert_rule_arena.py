"""The alert-rule arena judged by the real promtool: oracle, seed, batching, forge, export."""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

from kaizen.gasi.alert_rule import oracle
from kaizen.gasi.alert_rule.arena import BENCHMARK_FILE, AlertRuleArena, candidate
from kaizen.gasi.alert_rule.promtool import PromtoolFailed, locate_promtool, run_batch
from kaizen.gasi.alert_rule.rule import RuleGenome
from kaizen.gasi.alert_rule.scenario import Episode, Scenario
from kaizen.gasi.alert_rule.seed import seed_rule
from kaizen.gasi.arena import arena, arena_names
from kaizen.gasi.evaluation import Batches, Spend, evaluate
from kaizen.settings import Settings
from kaizen.v1.gasi_pb2 import GasiAdversary, GasiCandidate

REPO = Path(__file__).resolve().parents[2]
# What a careful SRE would write for the oracle's SLO: a 30-minute window between the
# quiet and page ratios, with a traffic guard.
GOOD = RuleGenome(window=30, threshold=0.04, for_minutes=0, min_rps=0.5)


@pytest.fixture(scope="module")
def alerts() -> AlertRuleArena:
    return AlertRuleArena()


def losses(arena_: AlertRuleArena, c: GasiCandidate, adversaries: Sequence[GasiAdversary]) -> int:
    (row,) = asyncio.run(arena_.evaluate_batch([c], adversaries))
    return sum(not o.won for o in row)


def test_the_alert_rule_arena_is_registered_by_name() -> None:
    assert "alert_rule" in arena_names()
    assert isinstance(arena("alert_rule"), AlertRuleArena)


def test_the_benchmark_is_fixed_fair_and_labelled_as_written(alerts: AlertRuleArena) -> None:
    cases = json.loads(BENCHMARK_FILE.read_text())["cases"]
    benchmark = alerts.benchmark()
    assert len(benchmark) == len(cases) == 25
    for case, adversary in zip(cases, benchmark, strict=True):
        verdict = oracle.judge(Scenario.from_genome(case["scenario"]))
        assert verdict.fair, case["note"]
        assert adversary.positive == verdict.positive
        assert adversary.origin == "benchmark"
    assert sum(a.positive for a in benchmark) == 14
    # Content ids: the same genome is the same adversary, run after run.
    assert [a.id for a in alerts.benchmark()] == [a.id for a in benchmark]


def test_the_oracle_refuses_a_scenario_too_close_to_its_boundary() -> None:
    borderline = Scenario("step_incident", rps=10, baseline=0.0, episodes=(Episode(30, 61, 0.035),))
    assert not oracle.judge(borderline).fair
    assert oracle.judge(Scenario("step_incident", rps=10, baseline=0.0,
                                 episodes=(Episode(30, 61, 0.08),))).positive  # fmt: skip


def test_the_seed_is_the_repos_own_error_ratio_rule(tmp_path: Path) -> None:
    assert seed_rule().source.startswith("deploy/")
    # The recording rule alone: its window, the catalog's 5% and a 5-minute for.
    seed = seed_rule([REPO / "deploy" / "prometheus"])
    assert "deploy/prometheus/kaizen-rules.yml" in seed.source
    assert (seed.genome.window, seed.genome.threshold, seed.genome.for_minutes) == (5, 0.05, 5)
    # An alert rule on the error ratio, where one exists, wins over the recording rule.
    (tmp_path / "alerts.yml").write_text(
        "groups:\n- name: demo\n  rules:\n"
        "  - alert: HighErrorRate\n    expr: service:http_error_ratio:rate5m > 0.02\n"
        "    for: 2m\n"
        "  - record: service:http_error_ratio:rate5m\n"
        '    expr: sum(rate(http_requests_total{code=~"5.."}[10m])) / sum(rate(x[10m]))\n'
    )
    found = seed_rule([tmp_path])
    assert (found.genome.window, found.genome.threshold, found.genome.for_minutes) == (10, 0.02, 2)
    assert "alert HighErrorRate" in found.source


def test_one_promtool_call_judges_the_whole_matrix(alerts: AlertRuleArena) -> None:
    benchmark = alerts.benchmark()
    demo = alerts.seed_champion()
    recorded = candidate(seed_rule([REPO / "deploy" / "prometheus"]).genome, origin="seed")
    good = candidate(GOOD, origin="test")
    rows = asyncio.run(alerts.evaluate_batch([demo, recorded, good], benchmark))
    demo_score, recorded_score, good_score = (
        alerts.score(c, benchmark, row) for c, row in zip((demo, recorded, good), rows, strict=True)
    )
    # The demo's twitchy alert pages on spikes and night-time noise; the recording rule's
    # 5m/5%/5m misses a flapping incident; the tuned rule handles every case.
    assert demo_score.metrics["false_alarms"] >= 3
    assert recorded_score.metrics["missed"] >= 1
    assert good_score.score == 1.0
    assert list(good_score.fitness) > max(list(demo_score.fitness), list(recorded_score.fitness))


def test_a_batch_promtool_cannot_read_is_an_error_not_a_score() -> None:
    promtool = locate_promtool(Settings().resolved_tools_dir)
    broken = Scenario("step_incident", rps=10, baseline=0.0, episodes=(Episode(30, 61, 0.1),))
    with pytest.raises(PromtoolFailed):
        asyncio.run(run_batch(promtool, [RuleGenome(window=0)], [(broken, 30)]))


def test_evaluation_is_batched_one_engine_call_per_batch(alerts: AlertRuleArena) -> None:
    benchmark = alerts.benchmark()
    spend = Spend()
    matrix = asyncio.run(
        evaluate(alerts, [alerts.seed_champion()], benchmark, batches=Batches(batch_size=10),
                 spend=spend)
    )  # fmt: skip
    assert spend.engine_calls == 3 and spend.evaluations == 25
    assert len(matrix) == 1 and len(matrix[0]) == 25


def test_forged_adversaries_beat_the_champion_more_often_than_random_ones(
    alerts: AlertRuleArena,
) -> None:
    seed = alerts.seed_champion()
    rng = random.Random(11)
    archive = alerts.random_adversaries(8, rng)
    randoms = alerts.random_adversaries(12, random.Random(12))

    async def judge(cs: Sequence[GasiCandidate], advs: Sequence[GasiAdversary]) -> list[list]:  # type: ignore[type-arg]
        return await alerts.evaluate_batch(cs, advs)

    forged = asyncio.run(alerts.forge(seed, archive, 12, 36, rng, judge)).adversaries
    assert len(forged) == 12 and all(a.origin == "forged" for a in forged)
    forged_rate = losses(alerts, seed, forged) / len(forged)
    random_rate = losses(alerts, seed, randoms) / len(randoms)
    assert forged_rate > random_rate, (forged_rate, random_rate)
    assert forged_rate >= 0.5


def test_the_exported_champion_is_a_rules_file_promtool_accepts(
    alerts: AlertRuleArena, tmp_path: Path
) -> None:
    exported = alerts.export(candidate(GOOD, origin="test"))
    assert exported.media_type == "application/yaml"
    path = tmp_path / exported.filename
    path.write_text(exported.content)
    promtool = locate_promtool(Settings().resolved_tools_dir)
    checked = subprocess.run(
        [str(promtool), "check", "rules", str(path)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "alert: HighErrorRate" in exported.content and "for: 0m" in exported.content
