"""The cutover: every node loads one bundle holding the old and the new policy, then each
switches by its own clock at the instant written in it.

A two-phase commit with the instant as the commit point. Phase one serves every target
node the combined bundle (made and signed by the API when the rollout was asked for) and
waits until each reports it active with no error, before ``at - load_margin``; a node
late or refusing it, or an operator's abort (accepted until that moment), switches every
node back to the plain old bundle, all-or-nothing as any rollout. Phase two needs no
message: at the instant each node answers from the new policy. The run then probes when
each did (the spread), and serves the plain new bundle everywhere, the combined one no
longer needed.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Final

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.opa.cutover_probe import PolicyCutoverActivities
    from kaizen.v1.policy_rollout_pb2 import (
        PolicyCutoverAbort,
        PolicyCutoverProbeRequest,
        PolicyCutoverReport,
        PolicyNodeTarget,
        PolicyRolloutRequest,
    )
    from workflows.gates.ledger import RunLedger

    from .switch import FleetSwitch

LOADING: Final = "cutover_loading"
AWAITING_INSTANT: Final = "awaiting_cutover"
CUTTING_OVER: Final = "cutting_over"

PROBE_LEAD_SECONDS: Final = 0.3
"""The probe starts asking nodes this long before the instant."""
PROBE_TIMEOUT_SECONDS: Final = 5.0
"""A node that still answers old this long after the instant is reported as such."""
NOT_ABORTABLE: Final = "CutoverNotAbortable"


class Cutover:
    """One cutover's state: the plan, the abort window, and what the probe measured."""

    def __init__(self, ledger: RunLedger, switch: FleetSwitch, request: PolicyRolloutRequest):
        self._ledger = ledger
        self._switch = switch
        self._request = request
        self.plan = request.cutover
        self.at = self.plan.at.ToDatetime(tzinfo=UTC)
        self.abort_closes = self.at - timedelta(seconds=self.plan.load_margin_seconds)
        self.report = PolicyCutoverReport(combined_version=self.plan.combined.id, at=self.plan.at)
        self.passed = False
        """The instant has passed with every node holding the combined bundle."""
        self._abort: PolicyCutoverAbort | None = None

    # ------------------------------------------------------------------ the abort Update

    def check_abort(self, abort: PolicyCutoverAbort) -> None:
        """Refuse an abort that cannot take effect (runs in the Update's validator)."""
        if not abort.by:
            raise ApplicationError("who aborts is required", type=NOT_ABORTABLE)
        if self._abort is not None:
            raise ApplicationError(f"already aborted by {self._abort.by}", type=NOT_ABORTABLE)
        if self.passed or workflow.now() >= self.abort_closes:
            raise ApplicationError(
                f"too late: aborts close {self.plan.load_margin_seconds:.0f} s before the "
                f"instant ({self.at.isoformat()}), so every node is back before it; once it "
                "passes, roll back with mode=rollback",
                type=NOT_ABORTABLE,
            )  # fmt: skip

    def abort(self, abort: PolicyCutoverAbort) -> str:
        self._abort = abort
        self._ledger.record(
            "cutover.abort_requested",
            f"{abort.by} aborted the cutover: {abort.reason or 'no reason given'}",
            {"by": abort.by, "reason": abort.reason},
        )  # fmt: skip
        return "every node is switched back to " + self.plan.from_version

    # ------------------------------------------------------------------ phase one

    async def load(self, nodes: list[str]) -> str:
        """Serve every node the combined bundle; why that failed ("" when it did not)."""
        self._ledger.enter(LOADING)
        seconds = (self.abort_closes - workflow.now()).total_seconds()
        if self._abort is not None:
            return self._aborted()
        if seconds <= 0:
            return (f"the cutover instant {self.at.isoformat()} came too close before any "
                    f"node was switched (nodes must load {self.plan.load_margin_seconds:.0f} s "
                    "ahead); ask again with a later instant")  # fmt: skip
        combined = self.plan.combined
        convergence = await self._switch.switch(
            [PolicyNodeTarget(node=n, version_id=combined.id, revision=combined.revision)
             for n in nodes],
            deadline_seconds=seconds, fail_fast=True, to_candidate=True,
            why=f"cutover: load {combined.id} (old and new, switching at {self.at.isoformat()})",
        )  # fmt: skip
        if not convergence.converged:
            return (f"not every node loaded the combined bundle {combined.id} before "
                    f"{self.abort_closes.isoformat()}: {convergence.reason}")  # fmt: skip
        self.report.loaded_before_ms = max(0.0, _ms(self.at - workflow.now()))
        self._ledger.record(
            "cutover.loaded",
            f"every node holds {combined.id}, {self.report.loaded_before_ms:.0f} ms before the "
            "instant",
            {"loaded_before_ms": self.report.loaded_before_ms, "combined": combined.id,
             "at": self.at.isoformat()},
        )  # fmt: skip
        self._ledger.step_done("cutover_load")
        return ""

    async def hold(self) -> str:
        """Wait, abortable, until aborts close; why the cutover stops ("" to go on)."""
        self._ledger.enter(AWAITING_INSTANT)
        wait = self.abort_closes - workflow.now()
        if wait > timedelta(0):
            try:
                await workflow.wait_condition(lambda: self._abort is not None, timeout=wait)
            except TimeoutError:
                pass
        return self._aborted() if self._abort is not None else ""

    def _aborted(self) -> str:
        assert self._abort is not None
        self.report.aborted_by = self._abort.by
        return (f"aborted by {self._abort.by} before the cutover instant"
                + (f": {self._abort.reason}" if self._abort.reason else ""))  # fmt: skip

    # ------------------------------------------------------------------ phase two

    async def watch(self, nodes: list[str]) -> PolicyCutoverReport:
        """Probe every node across the instant; the instant has passed when this returns."""
        self._ledger.enter(CUTTING_OVER)
        lead = timedelta(seconds=PROBE_LEAD_SECONDS)
        until = self.at - lead - workflow.now()
        probe: PolicyCutoverReport = await workflow.execute_activity_method(
            PolicyCutoverActivities.probe_policy_cutover,
            PolicyCutoverProbeRequest(
                tenant=self._request.tenant, nodes=nodes, at=self.plan.at,
                lead_seconds=PROBE_LEAD_SECONDS, timeout_seconds=PROBE_TIMEOUT_SECONDS,
            ),
            start_to_close_timeout=max(until, timedelta(0)) + lead
            + timedelta(seconds=PROBE_TIMEOUT_SECONDS + 30),
            heartbeat_timeout=timedelta(seconds=10),
            retry_policy=RetryPolicy(maximum_attempts=2),
        )  # fmt: skip
        if workflow.now() < self.at:
            # A probe that failed early: the instant still decides, not the probe.
            await workflow.sleep(self.at - workflow.now())
        self.passed = True
        self.report.nodes.extend(probe.nodes)
        self.report.spread_ms = probe.spread_ms
        late = [f"{n.node} ({n.error})" for n in probe.nodes if not n.switched]
        self._ledger.record(
            "cutover.switched",
            f"at {self.at.isoformat()} every node answered from {self._request.version_id}: "
            f"{probe.spread_ms:.1f} ms from first to last"
            + (f"; not seen switching: {', '.join(late)}" if late else ""),
            {"spread_ms": probe.spread_ms,
             "nodes": {n.node: round(n.after_instant_ms, 2) for n in probe.nodes if n.switched},
             "unseen": late},
        )  # fmt: skip
        return probe


def _ms(delta: timedelta) -> float:
    return delta.total_seconds() * 1000
