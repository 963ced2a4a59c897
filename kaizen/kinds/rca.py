"""The rca kind: a root-cause analysis of one incident, held for human review (workflows/rca/).

One run per incident: the business key is the incident (``<namespace>:<service>:<id>``,
the id from the alert, the healing run or the time range that started it). A second
trigger joins the running RCA; once an RCA has ended (final or abandoned), triggers for
the same incident are held back for good: an incident is analysed once.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any, Final

from google.protobuf.message import Message
from pydantic import Field
from temporalio.client import Client, WorkflowExecutionDescription, WorkflowExecutionStatus

from kaizen.catalog.playbooks import ParameterError
from kaizen.contract.bounds import check_free_form
from kaizen.contract.json_codec import from_api
from kaizen.contract.models import request_model
from kaizen.contract.names import K8S_NAME
from kaizen.kinds.base import RunKind, StartContext
from kaizen.kinds.rca_keys import incident_key
from kaizen.settings import Settings
from kaizen.v1.common_pb2 import SEVERITY_MEDIUM, RunLimits, Severity
from kaizen.v1.rca_pb2 import RcaRequest, RcaResult, RcaTrigger
from workflows.rca.workflow import KIND, RcaWorkflow

EXECUTION_TIMEOUT_MARGIN: Final = timedelta(minutes=5)
# An incident is analysed once: an ended RCA holds every later trigger back.
ONCE: Final = timedelta(days=3650)
MAX_WINDOW: Final = timedelta(hours=24)
INCIDENT_ID: Final = r"^[a-z0-9][a-z0-9._-]{0,62}$"
MAX_INLINE_BYTES: Final = 768 * 1024

# Optional fields default to None (absent), so typed as Any for the rules mapping.
_RULES: dict[str, Any] = {
    "service": Field(pattern=K8S_NAME, description="Deployment (workload) name"),
    "namespace": Field(pattern=K8S_NAME, description="Kubernetes namespace"),
    "severity": Field(default=None, description="low, medium, high or critical"),
    "window_start": Field(default=None, description="Start of the incident window"),
    "window_end": Field(default=None, description="End of the incident window"),
    "alert_fingerprint": Field(
        default=None, pattern=r"^[0-9a-f]{1,64}$", description="Alertmanager's fingerprint"
    ),
    "healing_run": Field(
        default=None, max_length=400, description="The healing run (workflow id) it went to"
    ),
    "evidence": Field(
        default=None,
        description="An inline evidence bundle: alerts, metrics, logs, changes, events",
    ),
    "title": Field(default=None, max_length=200),
    "incident_key": Field(
        default=None, pattern=INCIDENT_ID, description="Your own id for the incident"
    ),
    "inline_only": Field(
        default=None, description="Analyse the inline evidence alone (exported incidents)"
    ),
}

RcaRunCreate = request_model(
    "RcaRunCreate",
    RcaRequest,
    required=("service", "namespace"),
    optional=(
        "severity", "window_start", "window_end", "alert_fingerprint", "healing_run",
        "evidence", "title", "incident_key", "inline_only",
    ),
    rules=_RULES,
    doc="Start the RCA of an incident (or answer with the one it already has).",
)  # fmt: skip


def run_limits(settings: Settings) -> RunLimits:
    return RunLimits(
        run_timeout_seconds=settings.rca_run_timeout_hours * 3600,
        # For an RCA: a cap on policy's review deadline (0: policy's alone).
        approval_timeout_seconds=settings.rca_review_deadline_seconds,
    )


def prepare_request(request: RcaRequest, context: StartContext) -> RcaRequest:
    request.tenant = context.settings.tenant
    request.limits.CopyFrom(run_limits(context.settings))
    request.requested_by = request.requested_by or context.requested_by
    request.source = request.source or context.source
    if request.severity == 0:
        request.severity = SEVERITY_MEDIUM
    return request


def build_input(fields: dict[str, Any], context: StartContext) -> RcaRequest:
    """A validated start body as the run's input; ParameterError names the field."""
    evidence = fields.get("evidence")
    if evidence is not None:
        _check_evidence(evidence)
    try:
        request = from_api(fields, RcaRequest)
    except Exception as error:  # ParseError: a wrong type deep in the bundle
        raise ParameterError("evidence", f"not an evidence bundle: {error}") from error
    start = (
        request.window_start.ToDatetime(tzinfo=UTC) if request.HasField("window_start") else None
    )
    end = request.window_end.ToDatetime(tzinfo=UTC) if request.HasField("window_end") else None
    if start is not None and end is not None:
        if end <= start:
            raise ParameterError("window_end", "window_end must be after window_start")
        if end - start > MAX_WINDOW:
            raise ParameterError("window_end", f"a window is at most {MAX_WINDOW}")
    elif end is not None:
        raise ParameterError("window_start", "window_end needs a window_start")
    if request.inline_only and not request.HasField("evidence"):
        raise ParameterError("evidence", "inline_only needs an evidence bundle")
    request.incident_key = incident_key(request, fields.get("incident_key") or "")
    return prepare_request(request, context)


def _check_evidence(evidence: Any) -> None:
    if not isinstance(evidence, dict):
        raise ParameterError("evidence", "an evidence bundle is an object")
    try:
        check_free_form(evidence)
    except ValueError as error:
        raise ParameterError("evidence", str(error)) from error


def _request(message: Message) -> RcaRequest:
    assert isinstance(message, RcaRequest)
    return message


def _notice(message: Message, context: StartContext) -> RcaTrigger:
    request = _request(message)
    return RcaTrigger(
        source=context.source,
        requested_by=context.requested_by,
        alert_fingerprint=request.alert_fingerprint,
    )


def _memo(message: Message) -> dict[str, Any]:
    request = _request(message)
    return {
        "namespace": request.namespace,
        "incident": request.incident_key,
        "severity": Severity.Name(request.severity).removeprefix("SEVERITY_").lower(),
    }


async def ended_once(_client: Client, described: WorkflowExecutionDescription) -> bool:
    """An RCA that completed (final or abandoned) answers every later trigger; one that
    failed or was terminated may be started again."""
    return described.status == WorkflowExecutionStatus.COMPLETED


RCA: Final = RunKind(
    name=KIND,
    workflow=RcaWorkflow,
    input_type=RcaRequest,
    result_type=RcaResult,
    queue="rca",
    task_queue=lambda settings: settings.rca_task_queue,
    request_model=RcaRunCreate,
    build_input=build_input,
    business_key=lambda m: _request(m).incident_key,
    service=lambda m: _request(m).service,
    trigger_signal="trigger",
    notice=_notice,
    execution_timeout=lambda settings: (
        timedelta(hours=settings.rca_run_timeout_hours) + EXECUTION_TIMEOUT_MARGIN
    ),
    memo=_memo,
    backoff=lambda _settings: ONCE,
    holds_back=ended_once,
)
