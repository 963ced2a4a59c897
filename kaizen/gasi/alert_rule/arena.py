"""The built-in arena: Prometheus alerting rules versus adversarial metric series.

Blue is an error-ratio alert (:mod:`.rule`), red a synthetic scenario with the
oracle's label (:mod:`.scenario`, :mod:`.oracle`), and the judge is the pinned
``promtool test rules`` (:mod:`.promtool`). A rule wins against an incident when
it fires after the incident's onset and by the oracle's deadline (and not before
the onset); it wins against noise when it never fires.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, Final

from kaizen.gasi.alert_rule import families, oracle, proposal
from kaizen.gasi.alert_rule.promtool import Firing, locate_promtool, run_batch
from kaizen.gasi.alert_rule.rule import RuleGenome, fresh, mutate, prometheus_yaml
from kaizen.gasi.alert_rule.scenario import Scenario
from kaizen.gasi.alert_rule.seed import seed_rule
from kaizen.gasi.arena import (
    ArenaDescription,
    ExportedChampion,
    Forged,
    Judge,
    Matrix,
    Outcome,
    content_id,
    genome_json,
)
from kaizen.settings import Settings
from kaizen.stack.prometheus import VERSION
from kaizen.v1.gasi_pb2 import GasiAdversary, GasiCandidate, GasiScore

NAME: Final = "alert_rule"
ARENA_VERSION: Final = "1"
BENCHMARK_FILE: Final = Path(__file__).with_name("benchmark.json")
# Share of forge proposals that mutate archived adversaries; ladders and fresh draws split the rest.
EXPLOIT_SHARE: Final = 0.4


def candidate(genome: RuleGenome, *, origin: str, parent_id: str = "") -> GasiCandidate:
    genes = genome.as_genome()
    return GasiCandidate(
        id=content_id("rule", genes), genome_json=genome_json(genes), parent_id=parent_id,
        summary=genome.summary(), origin=origin,
    )  # fmt: skip


def rule_of(c: GasiCandidate) -> RuleGenome:
    return RuleGenome.from_genome(json.loads(c.genome_json))


def scenario_of(a: GasiAdversary) -> Scenario:
    return Scenario.from_genome(json.loads(a.genome_json))


def _bucket(value: float, edges: Sequence[float], names: Sequence[str]) -> str:
    return next((n for e, n in zip(edges, names, strict=False) if value < e), names[-1])


def adversary(scenario: Scenario, verdict: oracle.Verdict, *, origin: str) -> GasiAdversary:
    genes = scenario.as_genome()
    longest = max((e.length for e in scenario.episodes), default=0)
    cell = "/".join((
        scenario.family, "incident" if verdict.positive else "noise",
        _bucket(scenario.rps, (1, 10), ("low", "mid", "high")),
        _bucket(longest, (1, 10, 40), ("none", "short", "mid", "long")),
    ))  # fmt: skip
    return GasiAdversary(
        id=content_id("scn", genes), genome_json=genome_json(genes), family=scenario.family,
        positive=verdict.positive, summary=f"{scenario.describe()} [{verdict.reason}]",
        origin=origin, cell=cell,
    )  # fmt: skip


def outcome(firing: Firing, verdict: oracle.Verdict) -> Outcome:
    if not verdict.positive:
        fired = firing.first is not None
        return Outcome(won=not fired, metrics={"false_alarm": float(fired)})
    early = firing.first is not None and firing.first < verdict.onset
    after = firing.after_onset
    detected = after is not None and after <= verdict.deadline
    metrics = {"false_alarm": float(early), "missed": float(not detected)}
    if detected and after is not None:
        metrics["detect_minutes"] = after - verdict.onset
        # How close to the deadline it was caught: the forge aims at small slack.
        metrics["slack_minutes"] = verdict.deadline - after
    return Outcome(won=detected and not early, metrics=metrics)


class AlertRuleArena:
    """Alert rules judged by promtool against the oracle's fixed SLO."""

    name = NAME

    def __init__(self, tools_dir: Path | None = None) -> None:
        self._tools_dir = tools_dir or Settings().resolved_tools_dir
        self._verdicts: dict[str, oracle.Verdict] = {}

    @cached_property
    def promtool(self) -> Path:
        return locate_promtool(self._tools_dir)

    def describe(self) -> ArenaDescription:
        return ArenaDescription(
            name=NAME,
            version=ARENA_VERSION,
            engine=f"promtool test rules (Prometheus {VERSION})",
            blue="an error-ratio alerting rule: window, threshold, for, optional short window "
            "and minimum-traffic guard",
            red="90 minutes of request and error counters: incidents (steps, slow burns, "
            "gaps, resets, staleness, hidden in noise) and noise (spikes, flapping, seasonal "
            "traffic, low traffic)",
            oracle=f"{oracle.VERSION}: page when >= {oracle.PAGE_RATIO:.0%} of a "
            f"{oracle.WINDOW_MINUTES}m window's requests fail; noise stays <= "
            f"{oracle.QUIET_RATIO:.1%}; detect within {oracle.DEADLINE_MINUTES}m",
        )

    def seed_champion(self) -> GasiCandidate:
        seed = seed_rule()
        seeded = candidate(seed.genome, origin="seed")
        seeded.summary = f"{seeded.summary} (from {seed.source})"
        return seeded

    def generate_candidates(
        self, champion: GasiCandidate, count: int, rng: random.Random
    ) -> list[GasiCandidate]:
        parent = rule_of(champion)
        pool: dict[str, GasiCandidate] = {}
        for _ in range(count * 5):
            if len(pool) >= count:
                break
            if rng.random() < 0.75:
                made = candidate(mutate(parent, rng), origin="mutation", parent_id=champion.id)
            else:
                made = candidate(fresh(rng), origin="random")
            if made.id != champion.id:
                pool.setdefault(made.id, made)
        return list(pool.values())

    def random_adversaries(self, count: int, rng: random.Random) -> list[GasiAdversary]:
        names = sorted(families.FAMILIES)
        drawn: dict[str, GasiAdversary] = {}
        for attempt in range(count * 5):
            if len(drawn) >= count:
                break
            found = families.draw(names[attempt % len(names)], rng)
            if found is not None:
                made = adversary(*found, origin="random")
                drawn.setdefault(made.id, made)
        return list(drawn.values())

    def adversary_schema(self) -> dict[str, Any]:
        return proposal.SCHEMA

    def adversary_from_genome(self, genome: Mapping[str, Any]) -> GasiAdversary:
        return adversary(*proposal.judged(genome), origin="llm")

    def _verdict(self, a: GasiAdversary) -> oracle.Verdict:
        if a.id not in self._verdicts:
            self._verdicts[a.id] = oracle.judge(scenario_of(a))
        return self._verdicts[a.id]

    async def evaluate_batch(
        self, candidates: Sequence[GasiCandidate], adversaries: Sequence[GasiAdversary]
    ) -> Matrix:
        verdicts = [self._verdict(a) for a in adversaries]
        firings = await run_batch(
            self.promtool,
            [rule_of(c) for c in candidates],
            [(scenario_of(a), v.onset) for a, v in zip(adversaries, verdicts, strict=True)],
        )
        return [[outcome(f, v) for f, v in zip(row, verdicts, strict=True)] for row in firings]

    async def forge(
        self,
        champion: GasiCandidate,
        archive: Sequence[GasiAdversary],
        count: int,
        attempts: int,
        rng: random.Random,
        judge: Judge,
    ) -> Forged:
        proposals, unfair = self._proposals(archive, attempts, rng)
        if not proposals:
            return Forged([], 0, unfair)
        (row,) = await judge([champion], proposals)
        beating = [p for p, o in zip(proposals, row, strict=True) if not o.won]
        # MAP-Elites: one per cell first, so the red team does not collapse onto one exploit.
        chosen: dict[str, GasiAdversary] = {}
        for p in beating:
            if len(chosen) < count and all(c.cell != p.cell for c in chosen.values()):
                chosen[p.id] = p
        for p in beating:
            if len(chosen) < count:
                chosen.setdefault(p.id, p)
        # Not enough wins: the near misses, incidents caught closest to their deadline.
        near = sorted(
            (
                (o.metrics.get("slack_minutes", 99.0), i)
                for i, o in enumerate(row)
                if o.won and proposals[i].positive
            ),
        )
        for _slack, i in near:
            if len(chosen) < count:
                chosen.setdefault(proposals[i].id, proposals[i])
        for p in proposals:
            if len(chosen) < count:
                chosen.setdefault(p.id, p)
        forged = list(chosen.values())
        for a in forged:
            a.origin = "forged"
        return Forged(forged, len(proposals), unfair)

    def _proposals(
        self, archive: Sequence[GasiAdversary], attempts: int, rng: random.Random
    ) -> tuple[list[GasiAdversary], int]:
        proposals: dict[str, GasiAdversary] = {}
        unfair = 0
        names = sorted(families.FAMILIES)
        exploit = int(attempts * EXPLOIT_SHARE) if archive else 0
        for n in range(attempts * 3):
            if len(proposals) >= attempts:
                break
            if n < exploit * 3 and len(proposals) < exploit:
                parent = scenario_of(rng.choice(list(archive)))
                scenario = families.mutate(parent, rng)
            elif rng.random() < 0.5:
                scenario = self._ladder_step(rng.choice(names), rng)
            else:
                scenario = families.FAMILIES[rng.choice(names)](rng)
            verdict = oracle.judge(scenario)
            if not verdict.fair:
                unfair += 1
                continue
            made = adversary(scenario, verdict, origin="forged")
            self._verdicts[made.id] = verdict
            proposals.setdefault(made.id, made)
        return list(proposals.values()), unfair

    @staticmethod
    def _ladder_step(family: str, rng: random.Random) -> Scenario:
        """Boundary search: a draw of the family pushed toward the oracle's boundary
        (incidents weakened toward the page ratio, noise strengthened toward the quiet one)."""
        scenario = families.FAMILIES[family](rng)
        verdict = oracle.judge(scenario)
        if not verdict.fair or not scenario.episodes:
            return scenario
        factor = rng.uniform(0.6, 0.95) if verdict.positive else rng.uniform(1.05, 1.8)
        from dataclasses import replace

        return replace(
            scenario,
            episodes=tuple(replace(e, ratio=round(min(1.0, e.ratio * factor), 4))
                           for e in scenario.episodes),
        )  # fmt: skip

    @cached_property
    def _benchmark(self) -> list[GasiAdversary]:
        cases = json.loads(BENCHMARK_FILE.read_text())["cases"]
        made = []
        for case in cases:
            scenario = Scenario.from_genome(case["scenario"])
            verdict = oracle.judge(scenario)
            made.append(adversary(scenario, verdict, origin="benchmark"))
        return made

    def benchmark(self) -> list[GasiAdversary]:
        copies = []
        for a in self._benchmark:
            copy = GasiAdversary()
            copy.CopyFrom(a)
            copies.append(copy)
        return copies

    def score(
        self, c: GasiCandidate, adversaries: Sequence[GasiAdversary], outcomes: Sequence[Outcome]
    ) -> GasiScore:
        n = len(outcomes)
        wins = sum(o.won for o in outcomes)
        missed = sum(o.metrics.get("missed", 0.0) for o in outcomes)
        false_alarms = sum(o.metrics.get("false_alarm", 0.0) for o in outcomes)
        detects = [o.metrics["detect_minutes"] for o in outcomes if "detect_minutes" in o.metrics]
        mean_detect = sum(detects) / len(detects) if detects else 0.0
        score = GasiScore(
            score=wins / n if n else 0.0,
            wins=wins,
            losses=n - wins,
            lost_to=[a.id for a, o in zip(adversaries, outcomes, strict=True) if not o.won],
        )
        score.metrics.update({
            "missed": missed, "false_alarms": false_alarms, "mean_detect_minutes": mean_detect,
            "incidents": float(sum(a.positive for a in adversaries)),
        })  # fmt: skip
        # No missed incident beats fewer false pages beats faster detection beats simplicity.
        score.fitness.extend([
            score.score, -missed / max(n, 1), -false_alarms / max(n, 1), -mean_detect,
            -float(rule_of(c).complexity()),
        ])  # fmt: skip
        return score

    def export(self, champion: GasiCandidate) -> ExportedChampion:
        note = f"Kaizen GASI champion {champion.id}: {champion.summary}"
        return ExportedChampion(
            filename="kaizen-gasi-alerts.yml",
            media_type="application/yaml",
            content=prometheus_yaml(rule_of(champion), note=note),
        )
