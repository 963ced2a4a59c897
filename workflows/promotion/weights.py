"""Canary weights as replica counts, without a service mesh (Argo Rollouts' basic canary).

Traffic follows pods: a Service selecting both Deployments sends each about its share
of the ready pods. A weight ``w`` of ``R`` replicas is approximated as Argo Rollouts
does it (``approximateWeightedCanaryStableReplicaCounts``):

1. candidates for the canary count are ``ceil(R*w/100)`` and ``floor(R*w/100)``, over a
   total of ``R`` pods, and also over ``R+1`` pods when one surge pod is allowed
   (``max_surge > 0``);
2. a canary of 0 pods is not a candidate for weights 1-99 (unless ``R == 1`` and no
   surge); a canary of all ``R`` pods (no stable left) is not one below 100;
3. on an exact tie (``R*w/100`` ends in .5) the floor is dropped: ties round up;
4. the candidate whose actual share is closest to ``w`` wins (the first on equal
   distance, in the order above).

So 10 replicas at 10% give 1 canary + 9 stable, at 41% 4 + 6; 1 replica without surge
gives no canary below 50% and a full swap from 50%; 1 replica with surge gives 1 + 1 for
any weight from 1 to 99. Pure and deterministic: the workflow calls it directly.
"""

from __future__ import annotations

import math
from typing import NamedTuple


class Split(NamedTuple):
    canary: int
    stable: int

    @property
    def actual_weight(self) -> float:
        total = self.canary + self.stable
        return 100.0 * self.canary / total if total else 0.0


def _tied(weight: int, total: int) -> bool:
    return math.isclose(math.modf(total * weight / 100)[0], 0.5)


def replica_split(replicas: int, weight: int, max_surge: int = 0) -> Split:
    """Canary and stable replica counts for ``weight`` percent of ``replicas``."""
    if not 0 <= weight <= 100:
        raise ValueError(f"weight must be 0-100, not {weight}")
    if replicas <= 0:
        return Split(0, 0)
    ceiling = math.ceil(replicas * weight / 100)
    floor = math.floor(replicas * weight / 100)
    zero_allowed = weight in (0, 100) or (replicas == 1 and max_surge == 0)
    options: list[tuple[int, int]] = []
    if ceiling < replicas or zero_allowed:
        options.append((ceiling, replicas))
    if not _tied(weight, replicas) and (floor != 0 or zero_allowed):
        options.append((floor, replicas))
    if max_surge > 0:
        options.append((ceiling, replicas + 1))
        if not _tied(weight, replicas + 1) and (floor != 0 or zero_allowed):
            options.append((floor, replicas + 1))
    if not options:
        return Split(0, replicas)
    best = min(options, key=lambda option: abs(100.0 * option[0] / option[1] - weight))
    return Split(best[0], best[1] - best[0])
