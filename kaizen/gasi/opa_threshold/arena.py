"""A second, small arena: the thresholds of a scale guard (Rego) against adversarial scale
requests, judged by a scratch ``opa eval`` of the pinned OPA.

Blue is four thresholds (fewest replicas, most replicas, largest step, largest factor)
plugged into one shared guard (``guard.rego``). Red is a scale request: a namespace (case
games on protected ones), replica counts (boundary values, strings for numbers, missing
fields). The oracle is a fixed spec of a safe scale, independent of every candidate: not a
protected namespace, real numbers, from at least 1, to at least 2 and at most 50, at most
tripling, at most 10 replicas at once. Letting a forbidden request through is the worst
loss; refusing a legitimate one the next (else ``deny everything`` would win).
"""

from __future__ import annotations

import asyncio
import json
import random
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Final

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
from kaizen.stack import tools
from kaizen.v1.gasi_pb2 import GasiAdversary, GasiCandidate, GasiScore

NAME: Final = "opa_threshold"
GUARD: Final = Path(__file__).with_name("guard.rego")
PROTECTED: Final = frozenset({"kube-system", "kaizen", "payments"})
NAMESPACES: Final = ("shop", "web", "batch", "kube-system", "Kube-System", "KAIZEN", "payments")
TIMEOUT_SECONDS: Final = 120.0


class OpaEvalFailed(RuntimeError):
    """opa could not judge the batch: not a score."""


@dataclass(frozen=True)
class Thresholds:
    min_replicas: int = 1
    max_replicas: int = 50
    max_step: int = 10
    max_factor: float = 10.0

    def as_genome(self) -> dict[str, Any]:
        return {
            "min_replicas": self.min_replicas, "max_replicas": self.max_replicas,
            "max_step": self.max_step, "max_factor": self.max_factor,
        }  # fmt: skip

    def summary(self) -> str:
        return (
            f"scale to {self.min_replicas}..{self.max_replicas} replicas, at most "
            f"{self.max_step} at once and x{self.max_factor:g}"
        )


def truth(request: dict[str, Any]) -> bool:
    """The fixed spec of a safe scale request (the oracle)."""
    low, high = request.get("from"), request.get("to")
    namespace = request.get("namespace")
    if not isinstance(low, int | float) or not isinstance(high, int | float):
        return False
    if isinstance(low, bool) or isinstance(high, bool) or not isinstance(namespace, str):
        return False
    return (
        namespace.lower() not in PROTECTED
        and low >= 1
        and 2 <= high <= 50
        and high <= 3 * low
        and abs(high - low) <= 10
    )


def _candidate(t: Thresholds, origin: str, parent: str = "") -> GasiCandidate:
    genes = t.as_genome()
    return GasiCandidate(
        id=content_id("guard", genes), genome_json=genome_json(genes), parent_id=parent,
        summary=t.summary(), origin=origin,
    )  # fmt: skip


def _thresholds(c: GasiCandidate) -> Thresholds:
    return Thresholds(**json.loads(c.genome_json))


def _adversary(request: dict[str, Any], origin: str) -> GasiAdversary:
    allowed = truth(request)
    kind = "legit" if allowed else "forbidden"
    return GasiAdversary(
        id=content_id("req", request), genome_json=genome_json(request), family=kind,
        positive=not allowed, summary=f"{kind}: {json.dumps(request, sort_keys=True)}",
        origin=origin, cell=f"{kind}/{request.get('namespace', '?')}",
    )  # fmt: skip


def _mutate(t: Thresholds, rng: random.Random) -> Thresholds:
    knob = rng.choice(("min", "max", "step", "factor"))
    if knob == "min":
        return replace(t, min_replicas=max(0, t.min_replicas + rng.choice((-1, 1))))
    if knob == "max":
        return replace(t, max_replicas=max(1, t.max_replicas + rng.choice((-10, -5, 5))))
    if knob == "step":
        return replace(t, max_step=max(1, t.max_step + rng.choice((-3, -1, 1, 3))))
    return replace(t, max_factor=round(max(1.0, t.max_factor * rng.choice((0.5, 0.8, 1.25))), 2))


def _random_request(rng: random.Random) -> dict[str, Any]:
    low = rng.choice((0, 1, 1, 2, 3, 5, 8, 12, 20, 30))
    high = max(0, low + rng.choice((-3, -1, 1, 2, 4, 6, 9, 10, 11, 15, 25)))
    request: dict[str, Any] = {"namespace": rng.choice(NAMESPACES), "from": low, "to": high}
    trick = rng.random()
    if trick < 0.08:
        request["to"] = str(high)  # a number as a string
    elif trick < 0.14:
        del request["from"]  # a missing field
    return request


def _nudge(request: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    nudged = dict(request)
    if isinstance(nudged.get("to"), int) and rng.random() < 0.7:
        nudged["to"] = max(0, nudged["to"] + rng.choice((-2, -1, 1, 2)))
    elif isinstance(nudged.get("from"), int):
        nudged["from"] = max(0, nudged["from"] + rng.choice((-1, 1)))
    else:
        nudged["namespace"] = rng.choice(NAMESPACES)
    return nudged


def _edge(t: Thresholds, rng: random.Random) -> dict[str, Any]:
    """A request at the edge of what the champion lets through (boundary search)."""
    low = rng.choice((1, 2, 3, 5, 8, 12, 20, 40))
    highest = min(t.max_replicas, low + t.max_step, int(low * t.max_factor))
    high = rng.choice((t.min_replicas, highest, highest - 1, t.max_replicas, low - 1))
    return {"namespace": rng.choice(NAMESPACES[:3]), "from": low, "to": max(0, high)}


BENCHMARK: Final = (
    {"namespace": "shop", "from": 3, "to": 6},
    {"namespace": "shop", "from": 10, "to": 20},
    {"namespace": "web", "from": 2, "to": 2},
    {"namespace": "batch", "from": 40, "to": 50},
    {"namespace": "shop", "from": 5, "to": 4},
    {"namespace": "shop", "from": 1, "to": 3},
    {"namespace": "web", "from": 2, "to": 1},
    {"namespace": "shop", "from": 1, "to": 8},
    {"namespace": "shop", "from": 20, "to": 35},
    {"namespace": "batch", "from": 45, "to": 55},
    {"namespace": "Kube-System", "from": 2, "to": 3},
    {"namespace": "payments", "from": 4, "to": 5},
    {"namespace": "shop", "from": "3", "to": 4},
    {"namespace": "shop", "to": 4},
    {"namespace": "shop", "from": 0, "to": 2},
)


class OpaThresholdArena:
    name = NAME

    def __init__(self, tools_dir: Path | None = None) -> None:
        self._tools_dir = tools_dir or Settings().resolved_tools_dir

    @cached_property
    def opa(self) -> Path:
        return tools.require(tools.OPA, self._tools_dir)

    def describe(self) -> ArenaDescription:
        return ArenaDescription(
            name=NAME, version="1", engine=f"opa eval (OPA {tools.OPA.version})",
            blue="the thresholds of a scale guard in Rego", red="scale requests",
            oracle="a safe scale: not protected, 2..50 replicas, at most x3 and +-10 at once",
        )  # fmt: skip

    def seed_champion(self) -> GasiCandidate:
        # The healing whitelist's caps (playbooks/healing/scale_out.toml): 10 a step, 50 in all.
        return _candidate(Thresholds(), "seed")

    def generate_candidates(
        self, champion: GasiCandidate, count: int, rng: random.Random
    ) -> list[GasiCandidate]:
        parent = _thresholds(champion)
        made: dict[str, GasiCandidate] = {}
        for _ in range(count * 5):
            if len(made) >= count:
                break
            c = _candidate(_mutate(parent, rng), "mutation", champion.id)
            if c.id != champion.id:
                made.setdefault(c.id, c)
        return list(made.values())

    def random_adversaries(self, count: int, rng: random.Random) -> list[GasiAdversary]:
        made: dict[str, GasiAdversary] = {}
        for _ in range(count * 5):
            if len(made) >= count:
                break
            a = _adversary(_random_request(rng), "random")
            made.setdefault(a.id, a)
        return list(made.values())

    async def evaluate_batch(
        self, candidates: Sequence[GasiCandidate], adversaries: Sequence[GasiAdversary]
    ) -> Matrix:
        requests = [json.loads(a.genome_json) for a in adversaries]
        document = {
            "candidates": [_thresholds(c).as_genome() for c in candidates],
            "requests": requests,
        }
        with tempfile.TemporaryDirectory(prefix="kaizen-gasi-opa-") as tmp:
            path = Path(tmp) / "input.json"
            path.write_text(json.dumps(document))
            process = await asyncio.create_subprocess_exec(
                str(self.opa), "eval", "--format", "json", "--data", str(GUARD),
                "--input", str(path), "data.gasi.guard.verdicts",
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            out, err = await asyncio.wait_for(process.communicate(), TIMEOUT_SECONDS)
        try:
            verdicts = json.loads(out)["result"][0]["expressions"][0]["value"]
        except (ValueError, KeyError, IndexError) as error:
            raise OpaEvalFailed(f"opa eval gave no verdicts: {err.decode()[-1000:]}") from error
        return [
            [
                Outcome(
                    won=allowed == truth(r),
                    metrics={
                        "let_through": float(allowed and not truth(r)),
                        "refused_legit": float(truth(r) and not allowed),
                    },
                )  # fmt: skip
                for allowed, r in zip(row, requests, strict=True)
            ]
            for row in verdicts
        ]

    async def forge(
        self,
        champion: GasiCandidate,
        archive: Sequence[GasiAdversary],
        count: int,
        attempts: int,
        rng: random.Random,
        judge: Judge,
    ) -> Forged:
        proposals: dict[str, GasiAdversary] = {}
        for n in range(attempts * 3):
            if len(proposals) >= attempts:
                break
            if archive and n % 3 == 0:
                request = _nudge(json.loads(rng.choice(list(archive)).genome_json), rng)
            elif n % 3 == 1:
                request = _edge(_thresholds(champion), rng)
            else:
                request = _random_request(rng)
            made = _adversary(request, "forged")
            proposals.setdefault(made.id, made)
        found = list(proposals.values())
        (row,) = await judge([champion], found)
        beating = [a for a, o in zip(found, row, strict=True) if not o.won]
        kept = (beating + [a for a in found if a not in beating])[:count]
        return Forged(kept, len(found), 0)

    def benchmark(self) -> list[GasiAdversary]:
        return [_adversary(dict(r), "benchmark") for r in BENCHMARK]

    def score(
        self,
        _scored: GasiCandidate,
        adversaries: Sequence[GasiAdversary],
        outcomes: Sequence[Outcome],
    ) -> GasiScore:
        n = len(outcomes)
        wins = sum(o.won for o in outcomes)
        let_through = sum(o.metrics.get("let_through", 0.0) for o in outcomes)
        refused = sum(o.metrics.get("refused_legit", 0.0) for o in outcomes)
        score = GasiScore(
            score=wins / n if n else 0.0, wins=wins, losses=n - wins,
            lost_to=[a.id for a, o in zip(adversaries, outcomes, strict=True) if not o.won],
        )  # fmt: skip
        score.metrics.update({"let_through": let_through, "refused_legit": refused})
        score.fitness.extend([score.score, -let_through, -refused])
        return score

    def export(self, champion: GasiCandidate) -> ExportedChampion:
        data = {"gasi": {"guard": {"thresholds": _thresholds(champion).as_genome()}}}
        return ExportedChampion("guard-thresholds.json", "application/json",
                                json.dumps(data, indent=2) + "\n")  # fmt: skip
