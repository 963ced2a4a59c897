"""Operator controls of a running rollout, and the waits for a person's decision.

Controls arrive through a Temporal Update whose validator refuses what the rollout
cannot do now (continue while nothing waits, retry while nothing failed, promote
fully without the admin role), so a refused control leaves no trace in the history
and the caller gets the refusal as a typed error (the API answers 409 or 403).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from kaizen.v1.promotion_pb2 import PromotionControl, PromotionControlState
    from workflows.gates.ledger import RunLedger

# What a person may be asked to decide.
PAUSE: Final = "pause"
INCONCLUSIVE: Final = "inconclusive"
PARKED: Final = "parked"
STEP_FAILED: Final = "step_failed"

# Error types the API maps to HTTP statuses (409, 403, 422).
CONTROL_NOT_POSSIBLE: Final = "ControlNotPossible"
CONTROL_NEEDS_ADMIN: Final = "ControlNeedsAdmin"
INVALID_CONTROL: Final = "InvalidControl"


class RolloutControls:
    """What operators asked of the rollout; mutated only by the Update and the workflow."""

    def __init__(self) -> None:
        self.rolling_out = False
        self.finished = False
        self.paused = False
        self.awaiting = ""
        self.decision: PromotionControl | None = None
        self.abort: PromotionControl | None = None
        self.promote_full: PromotionControl | None = None
        self.history: list[PromotionControl] = []

    def allowed(self) -> list[str]:
        if self.finished or not self.rolling_out:
            return []
        actions = ["abort", "promote_full", "resume" if self.paused else "pause"]
        if self.awaiting in (PAUSE, INCONCLUSIVE, PARKED):
            actions.append("continue")
        if self.awaiting == INCONCLUSIVE:
            actions.append("extend")
        if self.awaiting in (PARKED, STEP_FAILED):
            actions.append("retry")
        return actions

    def check(self, control: PromotionControl) -> None:
        """Refuse a control the rollout cannot take now (runs in the validator: no change)."""
        if not control.by:
            raise ApplicationError("a control needs the principal sending it", type=INVALID_CONTROL)
        allowed = self.allowed()
        if control.action not in allowed:
            now = (
                f"it waits for: {self.awaiting}" if self.awaiting else "nothing waits for a person"
            )
            raise ApplicationError(
                f"{control.action or 'an empty action'} is not possible now ({now}); "
                f"possible: {', '.join(allowed) or 'none (the rollout is not running)'}",
                type=CONTROL_NOT_POSSIBLE,
            )
        if control.action == "promote_full" and "admin" not in control.roles:
            raise ApplicationError(
                f"{control.by} may not promote fully: it skips every remaining step and "
                "analysis, which needs the admin role",
                type=CONTROL_NEEDS_ADMIN,
            )
        if control.action == "extend" and control.count < 1:
            raise ApplicationError("extend needs count: 1 or more", type=INVALID_CONTROL)

    def apply(self, control: PromotionControl) -> None:
        self.history.append(control)
        if control.action == "abort":
            self.abort = control
        elif control.action == "promote_full":
            self.promote_full = control
        elif control.action == "pause":
            self.paused = True
        elif control.action == "resume":
            self.paused = False
        else:
            self.decision = control

    def interrupted(self) -> bool:
        """Abort or promote_full: the rollout stops what it does at the next safe point."""
        return self.abort is not None or self.promote_full is not None

    def state(self, phase: str, step_index: int, weight: int) -> PromotionControlState:
        return PromotionControlState(
            phase=phase, step_index=step_index, paused=self.paused, awaiting=self.awaiting,
            allowed_actions=self.allowed(), weight=weight,
        )  # fmt: skip

    async def hold_while_paused(self, ledger: RunLedger) -> None:
        """An operator's pause holds the rollout before its next step until resumed."""
        if not self.paused or self.interrupted():
            return
        ledger.record("rollout.held", "paused by an operator; waiting to be resumed")
        await workflow.wait_condition(lambda: not self.paused or self.interrupted())
        if not self.interrupted():
            ledger.record("rollout.resumed", "resumed by an operator")

    async def ask(
        self,
        ledger: RunLedger,
        awaiting: str,
        question: str,
        *,
        timeout: timedelta | None,
        escalate: bool = True,
    ) -> PromotionControl | None:
        """Wait for continue/extend/retry, an abort or a full promotion; None on timeout.

        Half-way through, an unanswered question is escalated (an event that says so).
        """
        self.awaiting = awaiting
        self.decision = None
        ledger.record(f"decision.asked.{awaiting}", question, {"awaiting": awaiting})
        try:

            def answered() -> bool:
                return self.decision is not None or self.interrupted()

            if timeout is None:
                await workflow.wait_condition(answered)
            else:
                try:
                    first = timeout / 2 if escalate else timeout
                    await workflow.wait_condition(answered, timeout=first)
                except TimeoutError:
                    if not escalate:
                        return None
                    ledger.record(
                        "decision.escalated",
                        f"nobody answered within {first}: {question}",
                        {"awaiting": awaiting},
                    )
                    try:
                        await workflow.wait_condition(answered, timeout=timeout - first)
                    except TimeoutError:
                        return None
        finally:
            self.awaiting = ""
        decision = self.decision
        self.decision = None
        return decision
