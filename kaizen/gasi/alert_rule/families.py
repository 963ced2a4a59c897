"""Parameterised scenario families (the red team's repertoire) and their mutation.

Each family draws a scenario at random; the oracle then labels it, and a scenario
too close to the oracle's boundary is drawn again. ``mutate`` nudges a scenario's
numbers, which is how the forge explores around what already beat a champion.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Final

from kaizen.gasi.alert_rule import oracle
from kaizen.gasi.alert_rule.scenario import MINUTES, Episode, Scenario


def _traffic(rng: random.Random) -> dict[str, Any]:
    return {
        "rps": round(rng.choice((2.0, 5.0, 10.0, 20.0, 50.0)) * rng.uniform(0.7, 1.3), 2),
        "baseline": round(rng.uniform(0.0, 0.008), 4),
        "jitter": round(rng.uniform(0.0, 0.5), 2),
        "season_amp": round(rng.choice((0.0, 0.0, 0.2, 0.5)), 2),
        "season_period": rng.choice((30, 45, 60, 90)),
        "noise_seed": rng.randrange(1 << 30),
    }


def step_incident(rng: random.Random) -> Scenario:
    start = rng.randrange(15, 40)
    ratio = round(rng.uniform(0.06, 0.4), 3)
    return Scenario("step_incident", episodes=(Episode(start, MINUTES - start, ratio),),
                    **_traffic(rng))  # fmt: skip


def slow_burn(rng: random.Random) -> Scenario:
    start = rng.randrange(10, 30)
    ratio = round(rng.uniform(0.052, 0.09), 4)
    return Scenario(
        "slow_burn",
        episodes=(Episode(start, MINUTES - start, ratio, ramp=rng.randrange(5, 20)),),
        **{**_traffic(rng), "jitter": round(rng.uniform(0.3, 0.8), 2)},
    )


def short_spike(rng: random.Random) -> Scenario:
    spikes = []
    for _ in range(rng.choice((1, 1, 2))):
        length = rng.randrange(1, 5)
        spikes.append(Episode(rng.randrange(10, 80), length, round(rng.uniform(0.05, 0.6), 3)))
    return Scenario("short_spike", episodes=tuple(spikes), **_traffic(rng))


def flapping(rng: random.Random) -> Scenario:
    start = rng.randrange(10, 35)
    on = rng.randrange(1, 5)
    return Scenario(
        "flapping",
        episodes=(Episode(start, rng.randrange(20, MINUTES - start + 1),
                          round(rng.uniform(0.03, 0.3), 3), on=on, off=rng.randrange(on + 2, 15)),),
        **_traffic(rng),
    )  # fmt: skip


def scrape_gaps(rng: random.Random) -> Scenario:
    start = rng.randrange(15, 35)
    gaps = tuple(sorted((rng.randrange(start, MINUTES - 8), rng.randrange(2, 8)) for _ in range(2)))
    return Scenario(
        "scrape_gaps",
        episodes=(Episode(start, MINUTES - start, round(rng.uniform(0.055, 0.25), 3)),),
        gaps=gaps,
        **_traffic(rng),
    )


def counter_reset(rng: random.Random) -> Scenario:
    incident = rng.random() < 0.5
    start = rng.randrange(15, 35)
    episodes = (
        (Episode(start, MINUTES - start, round(rng.uniform(0.055, 0.2), 3)),) if incident else ()
    )
    resets = tuple(sorted(rng.sample(range(10, MINUTES - 2), rng.choice((1, 2, 3)))))
    return Scenario("counter_reset", episodes=episodes, resets=resets, **_traffic(rng))


def low_traffic(rng: random.Random) -> Scenario:
    return Scenario(
        "low_traffic",
        rps=round(rng.uniform(0.02, 0.3), 3),
        baseline=round(rng.uniform(0.0, 0.05), 3),
        jitter=round(rng.uniform(0.0, 0.5), 2),
        episodes=(Episode(rng.randrange(10, 50), rng.randrange(5, 40),
                          round(rng.uniform(0.2, 0.9), 2)),),
        noise_seed=rng.randrange(1 << 30),
    )  # fmt: skip


def seasonal_noise(rng: random.Random) -> Scenario:
    traffic = _traffic(rng)
    traffic.update(
        season_amp=round(rng.uniform(0.5, 0.9), 2),
        jitter=round(rng.uniform(0.5, 1.0), 2),
        baseline=round(rng.uniform(0.005, 0.02), 4),
    )
    return Scenario("seasonal_noise", **traffic)


def hidden_incident(rng: random.Random) -> Scenario:
    traffic = _traffic(rng)
    traffic.update(
        season_amp=round(rng.uniform(0.3, 0.7), 2),
        jitter=round(rng.uniform(0.4, 0.9), 2),
        baseline=round(rng.uniform(0.005, 0.015), 4),
    )
    start = rng.randrange(15, 35)
    spikes = tuple(
        Episode(rng.randrange(5, 80), rng.randrange(1, 3), round(rng.uniform(0.1, 0.4), 2))
        for _ in range(rng.choice((1, 2)))
    )
    incident = Episode(start, MINUTES - start, round(rng.uniform(0.05, 0.09), 4), ramp=5)
    return Scenario("hidden_incident", episodes=(incident, *spikes), **traffic)


def stale_target(rng: random.Random) -> Scenario:
    start = rng.randrange(15, 35)
    incident = rng.random() < 0.5
    episodes = (
        (Episode(start, MINUTES - start, round(rng.uniform(0.06, 0.2), 3)),) if incident else ()
    )
    stale = ((rng.randrange(start, MINUTES - 10), rng.randrange(2, 6)),)
    return Scenario("stale_target", episodes=episodes, stale=stale, **_traffic(rng))


FAMILIES: Final[dict[str, Callable[[random.Random], Scenario]]] = {
    "step_incident": step_incident,
    "slow_burn": slow_burn,
    "short_spike": short_spike,
    "flapping": flapping,
    "scrape_gaps": scrape_gaps,
    "counter_reset": counter_reset,
    "low_traffic": low_traffic,
    "seasonal_noise": seasonal_noise,
    "hidden_incident": hidden_incident,
    "stale_target": stale_target,
}
DRAWS: Final = 20
"""Attempts at a fair scenario before a family gives up for this call."""


def draw(family: str, rng: random.Random) -> tuple[Scenario, oracle.Verdict] | None:
    """A fair scenario of ``family`` with its verdict, or None when none came out fair."""
    for _ in range(DRAWS):
        scenario = FAMILIES[family](rng)
        verdict = oracle.judge(scenario)
        if verdict.fair:
            return scenario, verdict
    return None


def mutate(scenario: Scenario, rng: random.Random) -> Scenario:
    """Nudge the numbers: episode strength, timing, jitter, traffic, gaps."""
    knob = rng.choice(("ratio", "ratio", "timing", "jitter", "traffic", "noise", "gap"))
    if knob == "ratio" and scenario.episodes:
        index = rng.randrange(len(scenario.episodes))
        episode = scenario.episodes[index]
        nudged = replace(episode, ratio=round(min(1.0, episode.ratio * rng.uniform(0.75, 1.3)), 4))
        episodes = (*scenario.episodes[:index], nudged, *scenario.episodes[index + 1 :])
        return replace(scenario, episodes=episodes)
    if knob == "timing" and scenario.episodes:
        index = rng.randrange(len(scenario.episodes))
        episode = scenario.episodes[index]
        start = min(MINUTES - 2, max(1, episode.start + rng.randrange(-8, 9)))
        length = max(1, min(MINUTES - start, episode.length + rng.randrange(-3, 4)))
        on = max(0, episode.on + rng.choice((-1, 0, 1))) if episode.on else 0
        nudged = replace(episode, start=start, length=length, on=on)
        episodes = (*scenario.episodes[:index], nudged, *scenario.episodes[index + 1 :])
        return replace(scenario, episodes=episodes)
    if knob == "jitter":
        return replace(
            scenario, jitter=round(min(1.0, max(0.0, scenario.jitter + rng.uniform(-0.2, 0.3))), 2)
        )
    if knob == "traffic":
        return replace(scenario, rps=round(max(0.01, scenario.rps * rng.uniform(0.5, 1.6)), 3))
    if knob == "gap":
        gap = (rng.randrange(10, MINUTES - 8), rng.randrange(2, 7))
        return replace(scenario, gaps=tuple(sorted((*scenario.gaps, gap)))[-3:])
    return replace(scenario, noise_seed=rng.randrange(1 << 30))  # fmt: skip
