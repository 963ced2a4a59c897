"""Is a change window open for a service? Operator windows first, then the calendar."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio import activity

from activities.opa.client import PolicyClient
from kaizen.persistence.change_windows import OperatorWindow, open_window_for
from kaizen.v1.change_window_pb2 import ChangeWindow, WindowCheck, WindowCheckRequest

CALENDAR_PACKAGE = "kaizen.change_windows"


class ChangeWindowActivities:
    def __init__(self, engine: Engine, policy: PolicyClient) -> None:
        self._engine = engine
        self._policy = policy

    @activity.defn
    async def check_change_window(self, request: WindowCheckRequest) -> WindowCheck:
        """Answer whether a window is open now for the service, and when the next one opens."""
        now = datetime.now(UTC)
        operator_window = await asyncio.to_thread(self._operator_window, request.service, now)
        if operator_window is not None:
            return WindowCheck(open=True, window=operator_window.to_message())
        answer = await self._policy.decide(
            CALENDAR_PACKAGE,
            "status",
            {"service": request.service, "namespace": request.namespace, "now": _rfc3339(now)},
        )
        status = answer.result if isinstance(answer.result, dict) else {}
        check = WindowCheck(open=bool(status.get("open", False)))
        window = status.get("window")
        if check.open and isinstance(window, dict):
            check.window.CopyFrom(_from_calendar(window))
        next_opens_at = status.get("next_opens_at")
        if isinstance(next_opens_at, str) and next_opens_at:
            check.next_opens_at.FromJsonString(next_opens_at)
        return check

    def _operator_window(self, service: str, now: datetime) -> OperatorWindow | None:
        with Session(self._engine) as session:
            return open_window_for(session, service, now)


def _rfc3339(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _from_calendar(window: dict[str, object]) -> ChangeWindow:
    converted = ChangeWindow(
        id=str(window.get("id", "calendar")),
        scope=str(window.get("scope", "*")),
        reason=str(window.get("reason", "")),
        source="calendar",
    )
    for field in ("opens_at", "closes_at"):
        value = window.get(field)
        if isinstance(value, str) and value:
            getattr(converted, field).FromJsonString(value)
    return converted
