"""Starting (or joining) a run of any kind from the API: the shared path, with the answer
the API gives and the metrics it keeps."""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf.message import Message
from sqlalchemy.engine import Engine
from temporalio.client import Client

from api.metrics import RUNS_STARTED, SCHEDULER_DECISIONS
from api.run_views import summary_record, web_ui_url
from kaizen.kinds.base import RunKind, StartContext
from kaizen.kinds.join import Decision
from kaizen.kinds.start import SCHEDULER_KINDS, start_or_join
from kaizen.v1.run_pb2 import RunRecord


@dataclass(frozen=True)
class Started:
    record: RunRecord
    decision: Decision


async def start_run(
    client: Client,
    engine: Engine,
    kind: RunKind,
    message: Message,
    context: StartContext,
    *,
    namespace: str = "",
    notice: Message | None = None,
) -> Started:
    """Start, join or hold back; answer with the run the trigger went to."""
    scheduled = await start_or_join(client, engine, kind, message, context, notice=notice)
    settings = context.settings
    if scheduled.closed is not None:
        record = summary_record(settings, scheduled.closed)
    else:
        record = RunRecord(
            id=scheduled.workflow_id,
            run_id=scheduled.run_id,
            kind=kind.name,
            status="running",
            phase="starting" if scheduled.decision == "started" else "",
            service=kind.service(message),
            tenant=settings.tenant,
            web_ui_url=web_ui_url(settings, scheduled.workflow_id, scheduled.run_id),
        )
    record.namespace = namespace or record.namespace
    record.joined = scheduled.decision != "started"
    RUNS_STARTED.labels(kind.name, str(record.joined).lower()).inc()
    SCHEDULER_DECISIONS.labels(SCHEDULER_KINDS[scheduled.decision]).inc()
    return Started(record=record, decision=scheduled.decision)
