"""Is a run frozen? The freezes an operator set (global, its environment, its service)."""

from __future__ import annotations

import asyncio

from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio import activity

from kaizen.contract.timestamps import to_timestamp
from kaizen.persistence.freezes import FreezeRow, freezes_holding
from kaizen.v1.freeze_pb2 import FreezeCheck, FreezeCheckRequest


class FreezeActivities:
    def __init__(self, engine: Engine, tenant: str) -> None:
        self._engine = engine
        self._tenant = tenant

    @activity.defn
    async def check_freeze(self, request: FreezeCheckRequest) -> FreezeCheck:
        """The freezes holding this run now; none means it may take its next mutating step."""
        holding = await asyncio.to_thread(self._holding, request)
        check = FreezeCheck(frozen=bool(holding), freezes=[row.to_message() for row in holding])
        lifts = [row.until for row in holding if row.until is not None]
        if lifts:
            check.next_lift_at.CopyFrom(to_timestamp(min(lifts)))
        return check

    def _holding(self, request: FreezeCheckRequest) -> list[FreezeRow]:
        with Session(self._engine) as session:
            return freezes_holding(
                session, self._tenant, workflow_id=request.workflow_id,
                service=request.service, environment=request.environment,
            )  # fmt: skip
