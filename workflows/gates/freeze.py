"""The freeze gate: a frozen run parks before its next mutating step.

Freezes are operators' stop-the-line switches (global, an environment, a
service). The gate asks an activity (workflows do no I/O) just before each
mutating step; a freeze, a lift or an exemption signals the run, which only wakes
the gate early: the activity's answer is the truth, so a lost signal can delay a
resumption until the next re-check but never let a frozen run act.
"""

from __future__ import annotations

import functools
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.freezes import FreezeActivities
    from kaizen.v1.freeze_pb2 import FreezeCheck, FreezeCheckRequest, FreezeSignal

    from .ledger import RunLedger
    from .presets import POLICY_DECISION

FROZEN = "frozen"


class FreezeGate:
    """Parks a run while a freeze covers it; re-checked before each mutating step."""

    def __init__(self, *, service: str, environment: str, recheck: timedelta) -> None:
        self._service = service
        self._environment = environment
        self._recheck = recheck
        self._wakeups = 0

    def on_signal(self, _signal: FreezeSignal) -> None:
        self._wakeups += 1

    async def hold_while_frozen(self, ledger: RunLedger, *, before: str) -> None:
        """Return once no freeze holds the run, recording the wait (phase ``frozen``)."""
        parked_from: str | None = None
        while True:
            seen = self._wakeups
            check = await self._check()
            if not check.frozen:
                if parked_from is not None:
                    ledger.record("freeze.lifted", f"no freeze holds the run; {before} goes on")
                    ledger.enter(parked_from)
                return
            if parked_from is None:
                parked_from = ledger.phase
                ledger.enter(FROZEN)
                ledger.record(
                    "freeze.parked",
                    f"{before} waits: " + "; ".join(_describe(check)),
                    {"freezes": [f.id for f in check.freezes]},
                )
            try:
                await workflow.wait_condition(
                    functools.partial(self._woken_since, seen), timeout=self._wait_for(check)
                )
            except TimeoutError:
                pass

    def _woken_since(self, seen: int) -> bool:
        return self._wakeups != seen

    async def _check(self) -> FreezeCheck:
        return await workflow.execute_activity_method(
            FreezeActivities.check_freeze,
            FreezeCheckRequest(
                workflow_id=workflow.info().workflow_id,
                service=self._service,
                environment=self._environment,
            ),
            **POLICY_DECISION,
        )

    def _wait_for(self, check: FreezeCheck) -> timedelta:
        if check.HasField("next_lift_at"):
            until = check.next_lift_at.ToDatetime() - workflow.now().replace(tzinfo=None)
            if timedelta(0) < until < self._recheck:
                return until
        return self._recheck


def _describe(check: FreezeCheck) -> list[str]:
    return [
        f"{f.scope} freeze{' of ' + f.target if f.target else ''} by {f.created_by}: {f.reason}"
        for f in check.freezes
    ]
