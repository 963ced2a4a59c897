"""Recording an action that passed every gate, exactly once."""

from __future__ import annotations

import asyncio

from google.protobuf.json_format import MessageToJson
from sqlalchemy.engine import Engine
from temporalio import activity

from activities.idempotency import operation_key
from kaizen.persistence.action_log import ActionLogEntry, record_once
from kaizen.persistence.db import session_scope
from kaizen.v1.healing_pb2 import ActionReceipt, ActionRecord


class ActionLogActivities:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn
    async def record_action(self, record: ActionRecord) -> ActionReceipt:
        """Record the action as proposed (there is no executor yet); retries find the same row."""
        key = operation_key()
        entry = ActionLogEntry(
            idempotency_key=key,
            run_id=record.run_id,
            service=record.request.service,
            namespace=record.request.namespace,
            playbook=record.action.playbook,
            action=record.action.action,
            parameters_json=MessageToJson(record.action.parameters, indent=None),
            applied=False,
            detail="proposed: recorded, nothing changed",
        )
        stored, _written = await asyncio.to_thread(self._record, entry)
        return ActionReceipt(
            idempotency_key=stored.idempotency_key, applied=stored.applied, detail=stored.detail
        )

    def _record(self, entry: ActionLogEntry) -> tuple[ActionLogEntry, bool]:
        with session_scope(self._engine) as session:
            stored, written = record_once(session, entry)
            session.flush()
            session.expunge(stored)
            return stored, written
