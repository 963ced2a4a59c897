"""Adversaries proposed to the alert_rule arena (the LLM forge's input): the arena's bounds
and its oracle decide, and the schema sent to the model is one a strict server accepts."""

from __future__ import annotations

from typing import Any

import pytest

from kaizen.gasi.alert_rule.proposal import SCHEMA
from kaizen.gasi.arena import InvalidAdversary, TakesProposals, arena

STEP: dict[str, Any] = {
    "family": "step_incident", "rps": 20, "baseline": 0.005, "jitter": 0.1, "season_amp": 0,
    "season_period": 60, "gaps": [], "stale": [], "resets": [], "noise_seed": 3,
    "episodes": [{"start": 30, "length": 30, "ratio": 0.2, "ramp": 0, "on": 0, "off": 0}],
}  # fmt: skip


def test_a_fair_proposal_is_labelled_by_the_oracle() -> None:
    played = arena("alert_rule")
    assert isinstance(played, TakesProposals)
    made = played.adversary_from_genome(STEP)
    assert made.positive and made.origin == "llm" and made.family == "step_incident"
    quiet = {**STEP, "episodes": []}
    assert played.adversary_from_genome(quiet).positive is False


BAD = [
    ({"episodes": [{**STEP["episodes"][0], "ratio": 0.04}]}, "unfair"),  # near the page line
    ({"family": "dns"}, "family"),
    ({"rps": "lots"}, "rps must be a number"),
    ({"rps": 10_000}, "rps 10000 is outside"),
    ({"gaps": [[10]]}, "gaps"),
    ({"episodes": [{**STEP["episodes"][0], "start": 95}]}, "start 95 is outside"),
    ({"owner": "eve"}, "unknown fields: owner"),
]


@pytest.mark.parametrize(("change", "why"), BAD, ids=[w for _, w in BAD])
def test_a_bad_proposal_is_refused_with_the_reason(change: dict[str, Any], why: str) -> None:
    with pytest.raises(InvalidAdversary, match=why):
        arena("alert_rule").adversary_from_genome({**STEP, **change})


def test_the_schema_is_strict() -> None:
    """Strict structured output wants every property required and nothing else allowed."""

    def objects(node: Any) -> list[dict[str, Any]]:
        found = []
        if isinstance(node, dict):
            if node.get("type") == "object":
                found.append(node)
            for value in node.values():
                found += objects(value)
        elif isinstance(node, list):
            for value in node:
                found += objects(value)
        return found

    for node in objects(SCHEMA):
        assert node["additionalProperties"] is False
        assert sorted(node["required"]) == sorted(node["properties"])
