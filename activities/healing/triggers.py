"""Healing runs triggered by a sweep: started or joined exactly as an alert's would be.

Activities never start workflows, except through an explicit, named child or signal.
This is that exception, and it is named: a Signal-With-Start of healing's ``alert``
signal, through the run-kind registry's shared join-or-start. The signal lands on the
workload's running healing run or starts the next one (``healing:<tenant>:<ns>:<name>``),
with the same backoff and the same scheduler record as a trigger from Alertmanager.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy.engine import Engine
from temporalio import activity

from kaizen.kinds.base import StartContext
from kaizen.kinds.healing import HEALING, prepare_request
from kaizen.kinds.start import start_or_join
from kaizen.settings import Settings
from kaizen.v1.healing_pb2 import HealingRequest, HealingTrigger, HealingTriggerResult

SOURCE: Final = "sweep"


class HealingTriggerActivities:
    """Receives the database (the scheduler's record) and settings (tenant, limits,
    backoff); the Temporal client is the worker's own, the one its activities run on."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self._engine = engine
        self._settings = settings

    @activity.defn
    async def trigger_healing(self, trigger: HealingTrigger) -> HealingTriggerResult:
        """Start or join the workload's healing run (or be held back by its backoff).

        A retry after a lost answer lands on the same run as a second notice, never as a
        second run: the workflow id is the duplicate guard.
        """
        context = StartContext(
            settings=self._settings, requested_by=SOURCE, source=trigger.source or SOURCE
        )
        request = HealingRequest()
        request.CopyFrom(trigger.request)
        request.source = SOURCE
        scheduled = await start_or_join(
            activity.client(),
            self._engine,
            HEALING,
            prepare_request(request, context),
            context,
            notice=trigger.notice,
        )
        return HealingTriggerResult(
            decision=scheduled.decision, workflow_id=scheduled.workflow_id, run_id=scheduled.run_id
        )
