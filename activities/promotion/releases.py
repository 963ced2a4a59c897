"""Recording where a build runs (the environment board) and how promotions ended."""

from __future__ import annotations

import asyncio

from sqlalchemy.engine import Engine
from temporalio import activity

from kaizen.persistence import promotion_outcomes, releases
from kaizen.persistence.db import session_scope
from kaizen.v1.promotion_pb2 import PromotionOutcomeRecord, Release, ReleaseRecord


class ReleaseActivities:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn
    async def record_release(self, record: ReleaseRecord) -> Release:
        """The build is the environment's live one now (once per run: a retry finds it)."""
        return await asyncio.to_thread(self._record, record)

    @activity.defn
    async def record_promotion_outcome(self, record: PromotionOutcomeRecord) -> None:
        """How the run ended, for the metrics (once per run)."""
        await asyncio.to_thread(self._outcome, record)

    def _record(self, record: ReleaseRecord) -> Release:
        with session_scope(self._engine) as session:
            return releases.record_release(session, record.tenant, record.release).to_message()

    def _outcome(self, record: PromotionOutcomeRecord) -> None:
        with session_scope(self._engine) as session:
            promotion_outcomes.record_outcome(session, record)
