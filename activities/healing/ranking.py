"""Playbook ranking: Thompson sampling over Beta posteriors, or the static order.

Each playbook's success rate for a (service, diagnosis) is a Beta(1 + s, 1 + f)
posterior over its verified (s) and rolled-back (f) runs. Drawing one sample
per candidate and taking the best draw picks a playbook with the probability
that it is the best one, so promising but little-tried playbooks still get
tried while reliably bad ones fade. Until a (service, diagnosis) has enough
outcomes, the catalog's order (written by people who know the system) decides.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from kaizen.catalog.playbooks import Playbook
from kaizen.persistence.learning import Outcomes
from kaizen.v1.healing_pb2 import PlaybookCandidate, PlaybookRanking, PlaybookStats


def rank(
    candidates: Sequence[Playbook],
    outcomes: Mapping[str, Outcomes],
    *,
    min_history: int,
    rng: random.Random,
) -> PlaybookRanking:
    """Rank ``candidates`` (given in static order); the first of the result is the choice."""
    total = sum(outcomes[p.name].runs for p in candidates)
    thompson = total >= min_history and len(candidates) > 1
    ranked: list[PlaybookCandidate] = []
    for static_rank, playbook in enumerate(candidates):
        seen = outcomes[playbook.name]
        ranked.append(
            PlaybookCandidate(
                playbook=playbook.name,
                version=playbook.version,
                risk=playbook.risk,
                stats=PlaybookStats(successes=seen.successes, failures=seen.failures),
                mean=(1 + seen.successes) / (2 + seen.runs),
                sample=rng.betavariate(1 + seen.successes, 1 + seen.failures) if thompson else 0,
                static_rank=static_rank,
            )
        )
    if thompson:
        ranked.sort(key=lambda c: (-c.sample, c.static_rank))
        reason = (
            f"Thompson sampling over {total} verified or rolled-back runs: "
            f"{ranked[0].playbook} drew {ranked[0].sample:.2f} "
            f"(posterior mean {ranked[0].mean:.2f})"
        )
        strategy = "thompson"
    else:
        reason = (
            f"static catalog order: {total} outcome(s) so far, learning takes over at {min_history}"
            if len(candidates) > 1
            else "the only playbook for this diagnosis"
        )
        strategy = "static"
    return PlaybookRanking(
        strategy=strategy, reason=reason, candidates=ranked, chosen=ranked[0].playbook
    )
