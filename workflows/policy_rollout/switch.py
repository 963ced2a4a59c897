"""Switching nodes between revisions and watching them take it: the rollout's one mutation.

Every switch is two activities: change what the nodes are served (idempotent), then
watch their status until they converge, fail, or the deadline passes. The switch
remembers which nodes it moved to the candidate and when nodes activated it, so a
rollback knows exactly what to move back and the run can say how long nodes disagreed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.opa.fleet_rollout import PolicyFleetActivities
    from kaizen.v1.policy_rollout_pb2 import (
        PolicyConvergence,
        PolicyConvergenceRequest,
        PolicyDesiredChange,
        PolicyNodeTarget,
    )
    from workflows.gates.ledger import RunLedger
    from workflows.gates.presets import STORE_WRITE

    from .presets import converge

BASE_DEADLINE_SECONDS: Final = 5.0
SECONDS_PER_MB: Final = 2.0
"""Activation slows with the bundle (13 MB took ~2 s per node on 2 cores)."""
MIN_ROLLBACK_DEADLINE_SECONDS: Final = 2.0
"""A rollback is verified within the activation's deadline (the old bundle activates as
fast as the new one did), at least this."""


def deadline_for(artifact_size: int, configured_seconds: int) -> float:
    """The strategy's deadline, or one sized to the bundle."""
    if configured_seconds > 0:
        return float(configured_seconds)
    return BASE_DEADLINE_SECONDS + SECONDS_PER_MB * artifact_size / (1024 * 1024)


class FleetSwitch:
    """What the run has switched, and when the candidate went live where."""

    def __init__(self, ledger: RunLedger, *, tenant: str) -> None:
        self._ledger = ledger
        self._tenant = tenant
        self.moved: list[str] = []
        """Nodes the run has moved to the candidate (in order)."""
        self.candidate_activations: dict[str, datetime] = {}
        """When each node activated the candidate (the node's own clock)."""

    async def switch(
        self, targets: list[PolicyNodeTarget], *, deadline_seconds: float, fail_fast: bool,
        to_candidate: bool, why: str,
    ) -> PolicyConvergence:  # fmt: skip
        """Serve ``targets``, then watch; ``to_candidate`` when it moves nodes forward."""
        info = workflow.info()
        changed = await workflow.execute_activity_method(
            PolicyFleetActivities.set_policy_desired,
            PolicyDesiredChange(
                tenant=self._tenant, targets=targets, run_id=f"{info.workflow_id}/{info.run_id}",
                reason=why,
            ),
            **STORE_WRITE,
        )  # fmt: skip
        if to_candidate:
            self.moved.extend(t.node for t in targets if t.node not in self.moved)
        revisions = sorted({t.revision or "(nothing)" for t in targets})
        self._ledger.record(
            "fleet.switched",
            f"{', '.join(t.node for t in targets)} served {', '.join(revisions)}: {why}",
            {"nodes": [t.node for t in targets], "revisions": revisions,
             "changed": list(changed.changed),
             "switched_at": changed.switched_at.ToJsonString()},
        )  # fmt: skip
        convergence: PolicyConvergence = await workflow.execute_activity_method(
            PolicyFleetActivities.await_policy_convergence,
            PolicyConvergenceRequest(
                tenant=self._tenant, targets=targets, switched_at=changed.switched_at,
                deadline_seconds=deadline_seconds, fail_fast=fail_fast,
            ),
            **converge(deadline_seconds),
        )  # fmt: skip
        if to_candidate:
            for node in convergence.nodes:
                if node.converged and node.HasField("activated_at"):
                    self.candidate_activations[node.node] = node.activated_at.ToDatetime(tzinfo=UTC)
        self._ledger.record(
            "fleet.converged" if convergence.converged else "fleet.not_converged",
            (
                f"every node runs {', '.join(revisions)} "
                f"({convergence.convergence_ms:.0f} ms after the switch, "
                f"{convergence.spread_ms:.0f} ms between first and last)"
                if convergence.converged
                else convergence.reason
            ),
            {"nodes": {n.node: n.active_revision for n in convergence.nodes},
             "convergence_ms": convergence.convergence_ms, "spread_ms": convergence.spread_ms,
             "seconds": convergence.seconds},
        )  # fmt: skip
        return convergence

    def disagreement_ms(self, back: PolicyConvergence | None = None) -> float:
        """First activation of the candidate to the last node on the final revision: the
        last candidate activation, or (after a rollback) the last node back."""
        if not self.candidate_activations:
            return 0.0
        first = min(self.candidate_activations.values())
        last = max(self.candidate_activations.values())
        if back is not None:
            returns = [
                n.activated_at.ToDatetime(tzinfo=UTC)
                for n in back.nodes
                if n.node in self.candidate_activations and n.HasField("activated_at")
            ]
            last = max([last, *returns])
            if len(returns) < len(self.candidate_activations):
                # A node that never came back: nodes disagree until now, at least.
                last = max(last, workflow.now())
        return max(timedelta(0), last - first).total_seconds() * 1000
