"""The change-window gate: mutating steps run only while a window is open.

Windows come from two places: a calendar in OPA policy data and windows an
operator opens through the API. Both are read by an activity (workflows do no
I/O), so the gate asks again just before every mutating step. Operators'
open/close signals only wake the gate early; the activity's answer is the
truth, which keeps a lost or late signal from ever letting a run act outside
a window.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.change_windows import ChangeWindowActivities
    from kaizen.v1.change_window_pb2 import (
        ChangeWindow,
        ChangeWindowSignal,
        WindowCheck,
        WindowCheckRequest,
    )

    from .ledger import RunLedger
    from .phases import AWAITING_CHANGE_WINDOW
    from .presets import POLICY_DECISION


class ChangeWindowGate:
    """Waits durably for an open window; re-checked before each mutating step."""

    def __init__(self, *, service: str, namespace: str, recheck: timedelta) -> None:
        self._request = WindowCheckRequest(service=service, namespace=namespace)
        self._recheck = recheck
        self._wakeups = 0
        self._closed_ids: set[str] = set()

    def on_signal(self, signal: ChangeWindowSignal) -> None:
        if signal.action == ChangeWindowSignal.ACTION_CLOSE:
            self._closed_ids.add(signal.window.id)
        self._wakeups += 1

    async def is_open(self) -> bool:
        """Whether a window is open right now (a fact for policy; records nothing)."""
        check = await self._check()
        return check.open and check.window.id not in self._closed_ids

    def wake(self) -> None:
        """Make a waiting run look again (its ``give_up`` condition may now hold)."""
        self._wakeups += 1

    async def ensure_open(
        self, ledger: RunLedger, before: str, *, give_up: Callable[[], bool] | None = None
    ) -> ChangeWindow | None:
        """Return the open window, waiting (phase ``awaiting_change_window``) until there is
        one; None when ``give_up`` holds first (the run no longer needs a window)."""
        announced_wait = False
        while True:
            if give_up is not None and give_up():
                return None
            seen_wakeups = self._wakeups
            check = await self._check()
            if check.open and check.window.id not in self._closed_ids:
                # "opened" after a wait, "checked" when it was open at once.
                ledger.record(
                    "window.opened" if announced_wait else "window.checked",
                    f"change window {check.window.id} is open for {before}",
                    {"window": check.window.id, "source": check.window.source},
                )
                return check.window
            if not announced_wait:
                ledger.enter(AWAITING_CHANGE_WINDOW)
                ledger.record(
                    "window.waiting",
                    f"no change window is open; {before} waits for one",
                    {"next_opens_at": _iso(check) or ""},
                )
                announced_wait = True
            try:
                await workflow.wait_condition(
                    functools.partial(self._woken_since, seen_wakeups),
                    timeout=self._wait_for(check),
                )
            except TimeoutError:
                pass

    def _woken_since(self, seen_wakeups: int) -> bool:
        return self._wakeups != seen_wakeups

    async def _check(self) -> WindowCheck:
        return await workflow.execute_activity_method(
            ChangeWindowActivities.check_change_window, self._request, **POLICY_DECISION
        )

    def _wait_for(self, check: WindowCheck) -> timedelta:
        if check.HasField("next_opens_at"):
            until_open = check.next_opens_at.ToDatetime() - workflow.now().replace(tzinfo=None)
            if timedelta(0) < until_open < self._recheck:
                return until_open
        return self._recheck


def _iso(check: WindowCheck) -> str | None:
    if check.HasField("next_opens_at"):
        return check.next_opens_at.ToJsonString()
    return None
