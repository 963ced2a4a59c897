"""The base every run kind builds on: status query, approval Update, window signal.

Handlers are declared once here; each run kind's ``@workflow.defn`` class
inherits them, so every kind answers the same API calls the same way.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from google.protobuf.json_format import MessageToDict

    from kaizen.v1.approval_pb2 import APPROVAL_DECISION_APPROVE, ApprovalState, ApprovalVote
    from kaizen.v1.change_window_pb2 import ChangeWindowSignal
    from kaizen.v1.common_pb2 import RunLimits
    from kaizen.v1.freeze_pb2 import FreezeSignal
    from kaizen.v1.run_pb2 import RunStatus

    from .approval import ApprovalGate
    from .change_window import ChangeWindowGate
    from .freeze import FreezeGate
    from .ledger import RunLedger

# The memo key lists of runs read the pending approval from.
PENDING_APPROVAL_MEMO = "pending_approval"

_DEFAULT_LIMITS = RunLimits(
    run_timeout_seconds=3600,
    approval_timeout_seconds=3600,
    window_recheck_seconds=60,
    alert_resolution_seconds=300,
)


def effective_limits(limits: RunLimits) -> RunLimits:
    """Fill zero (unset) limits with defaults, so an old or partial input still runs."""
    merged = RunLimits()
    merged.CopyFrom(_DEFAULT_LIMITS)
    for field in (
        "run_timeout_seconds",
        "approval_timeout_seconds",
        "window_recheck_seconds",
        "alert_resolution_seconds",
    ):
        if getattr(limits, field) > 0:
            setattr(merged, field, getattr(limits, field))
    return merged


class GovernedRun:
    """State and handlers shared by every run kind; subclasses call ``_setup``."""

    ledger: RunLedger
    approval: ApprovalGate
    windows: ChangeWindowGate
    freezes: FreezeGate
    limits: RunLimits

    def _setup(
        self,
        *,
        kind: str,
        service: str,
        namespace: str,
        tenant: str,
        limits: RunLimits,
        environment: str = "",
    ) -> None:
        self.limits = effective_limits(limits)
        self.ledger = RunLedger(kind=kind, service=service, namespace=namespace, tenant=tenant)
        self.approval = ApprovalGate()
        self.windows = ChangeWindowGate(
            service=service,
            namespace=namespace,
            recheck=timedelta(seconds=self.limits.window_recheck_seconds),
        )
        self.freezes = FreezeGate(
            service=service,
            environment=environment,
            recheck=timedelta(seconds=self.limits.window_recheck_seconds),
        )

    @workflow.query
    def status(self) -> RunStatus:
        """Phase, pending approval, steps done and the event list."""
        pending = self.approval.state if self.approval.pending else None
        return self.ledger.snapshot(pending)

    @workflow.update
    async def submit_approval(self, vote: ApprovalVote) -> ApprovalState:
        """Count an approver's vote and answer with the gate's state."""
        state = self.approval.record(vote)
        decision = "approve" if vote.decision == APPROVAL_DECISION_APPROVE else "reject"
        self.ledger.record(
            "approval.vote",
            f"{vote.approver} voted {decision}",
            {
                "approver": vote.approver,
                "decision": decision,
                "comment": vote.comment,
                "source": vote.source or "api",
                "approvals": state.approvals,
                "required": state.required,
            },
        )
        return state

    @submit_approval.validator
    def _validate_vote(self, vote: ApprovalVote) -> None:
        self.approval.check(vote)

    @workflow.signal
    def change_window(self, signal: ChangeWindowSignal) -> None:
        """An operator opened or closed a window that may concern this run."""
        action = "opened" if signal.action == ChangeWindowSignal.ACTION_OPEN else "closed"
        self.ledger.record(
            f"window.{action}_by_operator",
            f"{signal.by or 'an operator'} {action} change window {signal.window.id}",
            {"window": signal.window.id, "scope": signal.window.scope, "by": signal.by},
        )
        self.windows.on_signal(signal)

    @workflow.signal
    def freeze_changed(self, signal: FreezeSignal) -> None:
        """A freeze that may concern this run was set, lifted, or exempted it."""
        self.ledger.record(
            f"freeze.{signal.change or 'changed'}",
            f"{signal.by or 'an operator'} {signal.change or 'changed'} freeze {signal.freeze.id}",
            {"freeze": signal.freeze.id, "scope": signal.freeze.scope, "by": signal.by},
        )
        self.freezes.on_signal(signal)

    def publish_pending_approval(self) -> None:
        """Show the pending approval (or its end) in the run's memo, so lists of runs (the
        API's, the Web UI's) show it without asking each run."""
        pending = self.approval.state if self.approval.pending else None
        workflow.upsert_memo(
            {
                PENDING_APPROVAL_MEMO: MessageToDict(pending, preserving_proto_field_name=True)
                if pending is not None
                else None
            }
        )

    def approval_timeout(self) -> timedelta:
        return timedelta(seconds=self.limits.approval_timeout_seconds)

    def run_timeout(self) -> timedelta:
        return timedelta(seconds=self.limits.run_timeout_seconds)
