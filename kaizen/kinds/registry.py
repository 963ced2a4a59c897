"""The registry of run kinds: the one place a kind is declared.

The API's start endpoints and ``GET /v1/runs?kind=``, the worker pool's queues, the
CLI and schedules all read it. Adding a kind is one entry here plus its own slice.
"""

from __future__ import annotations

from typing import Final

from kaizen.kinds.base import RunKind
from kaizen.kinds.gasi import GASI, GASI_ADOPTION
from kaizen.kinds.healing import HEALING
from kaizen.kinds.healing_sweep import HEALING_SWEEP
from kaizen.kinds.policy_drift_audit import POLICY_DRIFT_AUDIT
from kaizen.kinds.policy_rollout import POLICY_ROLLOUT
from kaizen.kinds.promotion import PROMOTION
from kaizen.kinds.rca import RCA
from kaizen.kinds.rca_backlog import RCA_BACKLOG

REGISTRY: Final[dict[str, RunKind]] = {
    kind.name: kind
    for kind in (
        GASI,
        GASI_ADOPTION,
        HEALING,
        HEALING_SWEEP,
        POLICY_DRIFT_AUDIT,
        POLICY_ROLLOUT,
        PROMOTION,
        RCA,
        RCA_BACKLOG,
    )
}


class UnknownKind(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown run kind {name!r}; known: {', '.join(sorted(REGISTRY))}")
        self.name = name


def run_kind(name: str) -> RunKind:
    try:
        return REGISTRY[name]
    except KeyError:
        raise UnknownKind(name) from None


def kinds_on_queue(queue: str) -> list[RunKind]:
    return [kind for kind in REGISTRY.values() if kind.queue == queue]
