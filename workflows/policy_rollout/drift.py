"""The drift audit workflow: read what every node of a fleet runs and record drift.

A schedulable run (``policy_drift_audit:<tenant>:<fleet>``): one activity asks each node
what it runs and compares it with what the bundle server serves it; drift that started
or ended is an event here, on the fleet (``GET /v1/policy-fleet/events``) and a metric.
It changes nothing: a drifted node is served its desired revision already, so a node
that reconnects converges by itself; one that does not is what the audit shows.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.opa.drift_audit import PolicyDriftActivities
    from kaizen.v1.policy_rollout_pb2 import (
        PolicyDriftAuditRequest,
        PolicyDriftAuditResult,
    )
    from workflows.gates import phases
    from workflows.gates.governed import GovernedRun

KIND: Final = "policy_drift_audit"
AUDIT: Final[dict[str, Any]] = {
    "start_to_close_timeout": timedelta(seconds=60),
    "retry_policy": RetryPolicy(initial_interval=timedelta(seconds=1), maximum_attempts=3),
}


@workflow.defn
class PolicyDriftAuditWorkflow(GovernedRun):
    """One audit of one fleet."""

    @workflow.init
    def __init__(self, request: PolicyDriftAuditRequest) -> None:
        self._setup(kind=KIND, service=request.fleet, namespace="", tenant=request.tenant,
                    limits=request.limits)  # fmt: skip

    @workflow.signal
    def drift_audit_requested(self, notice: PolicyDriftAuditRequest) -> None:
        """Another request for the same fleet while this audit runs: it answers both."""
        self.ledger.record(
            "audit.requested", f"{notice.requested_by or 'someone'} asked for a drift audit",
            {"by": notice.requested_by, "source": notice.source},
        )  # fmt: skip

    @workflow.run
    async def run(self, request: PolicyDriftAuditRequest) -> PolicyDriftAuditResult:
        self.ledger.set_risk("low")
        self.ledger.record("run.started", f"drift audit of fleet {request.fleet}",
                           {"fleet": request.fleet, "source": request.source or "api"})  # fmt: skip
        result: PolicyDriftAuditResult = await workflow.execute_activity_method(
            PolicyDriftActivities.audit_policy_drift, request, **AUDIT
        )
        nodes = list(result.nodes)
        result.drifted = sum(1 for n in nodes if n.drifted)
        result.unreachable = sum(1 for n in nodes if not n.reachable)
        for node in nodes:
            if node.change:
                self.ledger.record(
                    f"fleet.{node.change}",
                    f"{node.node} runs {node.active_revision or 'nothing'}, served "
                    f"{node.desired_revision or 'nothing'}",
                    {"node": node.node, "active": node.active_revision,
                     "desired": node.desired_revision},
                )  # fmt: skip
        result.summary = (
            f"{len(nodes)} node(s): {result.drifted} drifted, {result.unreachable} unreachable"
            + "".join(f"; {n.node}: {n.error}" for n in nodes if n.error)
        )
        counts = {"drifted": result.drifted, "unreachable": result.unreachable}
        self.ledger.record("run.finished", result.summary, counts)
        self.ledger.enter(phases.COMPLETED)
        await workflow.wait_condition(workflow.all_handlers_finished)
        result.events.extend(self.ledger.events)
        return result
