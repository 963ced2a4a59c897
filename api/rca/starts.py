"""Starting an incident's RCA (or answering with the one it has): from the API, a resolved
alert, or the backlog. Like every kind, through the registry's Signal-With-Start; the
healing scheduler's counters are the healing scheduler's, so nothing is counted there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from api.metrics import RUNS_STARTED
from api.run_views import summary_record, web_ui_url
from kaizen.catalog.playbooks import ParameterError
from kaizen.kinds.base import StartContext
from kaizen.kinds.join import Decision, join_or_start
from kaizen.kinds.rca import RCA
from kaizen.kinds.start import run_trigger
from kaizen.persistence.rca import AROUND, alert_window
from kaizen.v1.rca_pb2 import RcaRequest
from kaizen.v1.run_pb2 import RunRecord


@dataclass(frozen=True)
class StartedRca:
    record: RunRecord
    decision: Decision


async def start_rca(client: Client, request: RcaRequest, context: StartContext) -> StartedRca:
    """Start the incident's RCA, hand the trigger to the running one, or answer with the
    ended one (an incident is analysed once)."""
    settings = context.settings
    scheduled = await join_or_start(
        client,
        run_trigger(RCA, request, RCA.notice(request, context), context),
        payload_limit=settings.max_payload_bytes,
        holds_back=RCA.holds_back,
    )
    if scheduled.closed is not None:
        record = summary_record(settings, scheduled.closed)
    else:
        record = RunRecord(
            id=scheduled.workflow_id, run_id=scheduled.run_id, kind=RCA.name, status="running",
            phase="starting" if scheduled.decision == "started" else "",
            service=request.service, tenant=settings.tenant,
            web_ui_url=web_ui_url(settings, scheduled.workflow_id, scheduled.run_id),
        )  # fmt: skip
    record.namespace = request.namespace
    record.joined = scheduled.decision != "started"
    RUNS_STARTED.labels(RCA.name, str(record.joined).lower()).inc()
    return StartedRca(record=record, decision=scheduled.decision)


def _stamp(at: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(at)
    return stamp


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def fill_from_alert(engine: Engine, tenant: str, fields: dict[str, object]) -> None:
    """For ``{alert_fingerprint}`` without a window: the window from Kaizen's records of that
    alert (its first firing delivery, an hour either side); 422 when there are none."""
    fingerprint = str(fields["alert_fingerprint"])
    with Session(engine) as session:
        window = alert_window(session, tenant, fingerprint)
    if window is None:
        raise ParameterError(
            "alert_fingerprint", f"Kaizen has no record of alert {fingerprint}; give a window"
        )
    fields["window_start"], fields["window_end"] = (at.isoformat() for at in window)


async def fill_from_healing_run(client: Client, fields: dict[str, object]) -> None:
    """For ``{healing_run}`` without a window: the run's own start and end, an hour before."""
    run = str(fields["healing_run"])
    try:
        described = await client.get_workflow_handle(run).describe()
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise ParameterError("healing_run", f"no run {run}") from error
        raise
    started = described.start_time or datetime.now(UTC)
    ended = described.close_time or datetime.now(UTC)
    fields["window_start"] = (started - AROUND).isoformat()
    fields["window_end"] = min(ended, started + timedelta(hours=22)).isoformat()
