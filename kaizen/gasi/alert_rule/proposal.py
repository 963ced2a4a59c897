"""Adversaries proposed from outside the arena (the LLM forge): the genome's JSON schema,
and its validation against the same bounds the arena's own families keep and the oracle's
fairness rule. A proposal that fails either is refused with the reason."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from kaizen.gasi.alert_rule import families, oracle
from kaizen.gasi.alert_rule.scenario import MINUTES, Episode, Scenario
from kaizen.gasi.arena import InvalidAdversary

MAX_EPISODES: Final = 6
MAX_SPANS: Final = 6
# (minimum, maximum) of every number a proposal may set.
BOUNDS: Final[dict[str, tuple[float, float]]] = {
    "rps": (0.05, 500.0),
    "baseline": (0.0, 0.5),
    "jitter": (0.0, 1.0),
    "season_amp": (0.0, 0.95),
    "season_period": (10, 240),
    "noise_seed": (0, 2**31),
    "start": (0, MINUTES - 1),
    "length": (1, MINUTES),
    "ratio": (0.0, 1.0),
    "ramp": (0, MINUTES),
    "on": (0, MINUTES),
    "off": (0, MINUTES),
}
INTEGERS: Final = {"season_period", "noise_seed", "start", "length", "ramp", "on", "off"}


def _number(name: str) -> dict[str, Any]:
    low, high = BOUNDS[name]
    kind = "integer" if name in INTEGERS else "number"
    return {"type": kind, "minimum": low, "maximum": high}


def _span() -> dict[str, Any]:
    minute = {"type": "integer", "minimum": 0, "maximum": MINUTES - 1}
    return {"type": "array", "items": minute, "minItems": 2, "maxItems": 2}


EPISODE_FIELDS: Final = ("start", "length", "ratio", "ramp", "on", "off")
SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["family", "rps", "baseline", "jitter", "season_amp", "season_period",
                 "episodes", "gaps", "stale", "resets", "noise_seed"],
    "properties": {
        "family": {"type": "string", "enum": sorted(families.FAMILIES)},
        **{n: _number(n) for n in ("rps", "baseline", "jitter", "season_amp",
                                   "season_period", "noise_seed")},
        "episodes": {
            "type": "array", "maxItems": MAX_EPISODES,
            "items": {"type": "object", "additionalProperties": False,
                      "required": list(EPISODE_FIELDS),
                      "properties": {n: _number(n) for n in EPISODE_FIELDS}},
        },
        "gaps": {"type": "array", "maxItems": MAX_SPANS, "items": _span()},
        "stale": {"type": "array", "maxItems": MAX_SPANS, "items": _span()},
        "resets": {"type": "array", "maxItems": MAX_SPANS,
                   "items": {"type": "integer", "minimum": 1, "maximum": MINUTES - 1}},
    },
}  # fmt: skip


def _bounded(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidAdversary(f"{name} must be a number, not {value!r:.40}")
    low, high = BOUNDS[name]
    if not low <= value <= high or (name in INTEGERS and value != int(value)):
        raise InvalidAdversary(f"{name} {value!r} is outside {low}..{high}")
    return value


def _spans(name: str, raw: Any) -> tuple[tuple[int, int], ...]:
    if not isinstance(raw, list) or len(raw) > MAX_SPANS:
        raise InvalidAdversary(f"{name} must be a list of at most {MAX_SPANS} [start, minutes]")
    spans = []
    for span in raw:
        if (not isinstance(span, list) or len(span) != 2
                or not all(isinstance(m, int) and 0 <= m < MINUTES for m in span)):  # fmt: skip
            raise InvalidAdversary(f"{name}: {span!r:.40} is not [start, minutes]")
        spans.append((span[0], span[1]))
    return tuple(spans)


def scenario(genome: Mapping[str, Any]) -> Scenario:
    """The proposal as a scenario, or InvalidAdversary naming what is wrong."""
    if not isinstance(genome, Mapping):
        raise InvalidAdversary("an adversary must be a JSON object")
    unknown = set(genome) - set(SCHEMA["properties"])
    if unknown:
        raise InvalidAdversary(f"unknown fields: {', '.join(sorted(unknown))}")
    if genome.get("family") not in families.FAMILIES:
        raise InvalidAdversary(f"family {genome.get('family')!r:.40} is not one of the arena's")
    episodes = genome.get("episodes", [])
    if not isinstance(episodes, list) or len(episodes) > MAX_EPISODES:
        raise InvalidAdversary(f"episodes must be a list of at most {MAX_EPISODES}")
    made = []
    for episode in episodes:
        if not isinstance(episode, Mapping) or set(episode) - set(EPISODE_FIELDS):
            raise InvalidAdversary(f"episode {episode!r:.60} has unknown fields")
        whole = {n: int(_bounded(n, episode.get(n, 0))) for n in EPISODE_FIELDS if n != "ratio"}
        made.append(Episode(ratio=float(_bounded("ratio", episode.get("ratio", 0))), **whole))
    resets = genome.get("resets", [])
    if not isinstance(resets, list) or not all(
        isinstance(m, int) and 0 < m < MINUTES for m in resets
    ):
        raise InvalidAdversary("resets must be minutes inside the scenario")
    numbers = {n: _bounded(n, genome.get(n, BOUNDS[n][0] if n == "rps" else 0))
               for n in ("rps", "baseline", "jitter", "season_amp", "noise_seed")}  # fmt: skip
    return Scenario(
        family=str(genome["family"]), rps=float(numbers["rps"]),
        baseline=float(numbers["baseline"]), jitter=float(numbers["jitter"]),
        season_amp=float(numbers["season_amp"]),
        season_period=int(_bounded("season_period", genome.get("season_period", 60))),
        episodes=tuple(made), gaps=_spans("gaps", genome.get("gaps", [])),
        stale=_spans("stale", genome.get("stale", [])), resets=tuple(resets),
        noise_seed=int(numbers["noise_seed"]),
    )  # fmt: skip


def judged(genome: Mapping[str, Any]) -> tuple[Scenario, oracle.Verdict]:
    """The proposal and the oracle's verdict; an unfair one is refused like a malformed one."""
    proposed = scenario(genome)
    verdict = oracle.judge(proposed)
    if not verdict.fair:
        raise InvalidAdversary(f"unfair: {verdict.reason}")
    return proposed, verdict
