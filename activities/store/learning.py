"""Writing the learning log from the workflow, once per run and lifecycle point."""

from __future__ import annotations

import asyncio

from sqlalchemy.engine import Engine
from temporalio import activity

from kaizen.persistence.db import session_scope
from kaizen.persistence.learning import LearningEntry, record_once
from kaizen.v1.healing_pb2 import LearningEvent


class LearningActivities:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn
    async def record_learning(self, event: LearningEvent) -> bool:
        """Record the event; False when a retry finds it already written."""
        entry = LearningEntry(
            run_id=event.run_id,
            event=event.event,
            tenant=event.tenant,
            namespace=event.namespace,
            service=event.service,
            diagnosis=event.diagnosis,
            playbook=event.playbook,
            playbook_version=event.playbook_version,
            risk=event.risk,
            severity=event.severity,
            detail=event.detail,
            seconds=event.seconds,
        )
        return await asyncio.to_thread(self._write, entry)

    def _write(self, entry: LearningEntry) -> bool:
        with session_scope(self._engine) as session:
            return record_once(session, entry)
