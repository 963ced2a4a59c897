"""Starting a run of any kind, or handing its trigger to the running one, and recording
what the scheduler decided (one row per trigger, with its reason)."""

from __future__ import annotations

import asyncio
from typing import Final

from google.protobuf.message import Message
from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes

from kaizen.kinds.base import RunKind, StartContext
from kaizen.kinds.join import Decision, RunTrigger, Scheduled, join_or_start
from kaizen.persistence.db import session_scope
from kaizen.persistence.scheduler import SchedulerEvent, count
from kaizen.temporal.search_attributes import (
    KAIZEN_KIND,
    KAIZEN_PHASE,
    KAIZEN_RISK,
    KAIZEN_SERVICE,
    KAIZEN_TENANT,
)

SCHEDULER_KINDS: Final[dict[Decision, str]] = {
    "started": "proposal",
    "joined": "join",
    "backoff": "backoff",
}
REASONS: Final[dict[Decision, str]] = {
    "started": "no run active for this key: started one",
    "joined": "a run for this key is active: joined it",
    "backoff": "a run for this key acted and ended within the backoff: held back",
}


def run_trigger(
    kind: RunKind, message: Message, notice: Message, context: StartContext
) -> RunTrigger:
    settings = context.settings
    return RunTrigger(
        workflow=kind.workflow.run,  # type: ignore[attr-defined]
        input=message,
        workflow_id=kind.workflow_id(settings.tenant, message),
        task_queue=kind.task_queue(settings),
        signal=kind.trigger_signal,
        notice=notice,
        execution_timeout=kind.execution_timeout(settings),
        backoff=kind.backoff(settings),
        memo={"requested_by": context.requested_by, "source": context.source, **kind.memo(message)},
        search_attributes=TypedSearchAttributes(
            [
                SearchAttributePair(KAIZEN_KIND, kind.name),
                SearchAttributePair(KAIZEN_TENANT, settings.tenant),
                SearchAttributePair(KAIZEN_SERVICE, kind.service(message)),
                SearchAttributePair(KAIZEN_PHASE, "starting"),
                SearchAttributePair(KAIZEN_RISK, "unknown"),
                *kind.extra_search_attributes(message),
            ]
        ),
    )


async def start_or_join(
    client: Client,
    engine: Engine,
    kind: RunKind,
    message: Message,
    context: StartContext,
    *,
    notice: Message | None = None,
) -> Scheduled:
    """Start ``kind``'s run for ``message``, hand the trigger (``notice``, else the kind's
    own) to the running one, or hold it back; the decision is recorded with its reason."""
    notice = notice if notice is not None else kind.notice(message, context)
    settings = context.settings
    scheduled = await join_or_start(
        client,
        run_trigger(kind, message, notice, context),
        payload_limit=settings.max_payload_bytes,
        holds_back=kind.holds_back,
    )
    facts = kind.scheduler_facts(message, notice)
    event = SchedulerEvent(
        kind=SCHEDULER_KINDS[scheduled.decision],
        tenant=settings.tenant,
        business_key=scheduled.workflow_id,
        source=context.source,
        reason=REASONS[scheduled.decision],
        severity=facts.get("severity", ""),
        alert_status=facts.get("alert_status", ""),
    )
    # Off the event loop: a write waiting on SQLite's lock must not stall other work.
    await asyncio.to_thread(_record, engine, event)
    return scheduled


def _record(engine: Engine, event: SchedulerEvent) -> None:
    with session_scope(engine) as session:
        count(session, event)
