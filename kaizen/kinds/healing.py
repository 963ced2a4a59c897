"""The healing kind: diagnose a sick workload, act, verify, learn (workflows/healing/).

One mutating run per workload: the business key is (namespace, workload), whatever
the symptom, so two rules firing for one Deployment make one run that records both.
After a run *acted* (fixed, rolled back, aborted, rejected, or ended some other way
than completing), triggers for the workload are held back for the backoff; a run
that only observed, was denied, had nothing to do, or whose alerts resolved before it
acted holds nothing back, so a mode changed after it takes effect on the very next trigger.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from google.protobuf.message import Message
from pydantic import Field
from temporalio.client import Client, WorkflowExecutionDescription, WorkflowExecutionStatus

from kaizen.catalog.playbooks import ParameterError, catalog
from kaizen.contract.json_codec import from_api
from kaizen.contract.models import request_model
from kaizen.contract.names import K8S_NAME, SYMPTOM
from kaizen.kinds.base import RunKind, StartContext
from kaizen.settings import Settings
from kaizen.v1.common_pb2 import RunLimits, Severity
from kaizen.v1.healing_pb2 import (
    HEALING_OUTCOME_DENIED,
    HEALING_OUTCOME_NOTHING_TO_DO,
    HEALING_OUTCOME_OBSERVED,
    HEALING_OUTCOME_RESOLVED_BEFORE_ACTION,
    AlertNotice,
    HealingRequest,
    HealingResult,
)
from workflows.healing.workflow import KIND, HealingWorkflow

# The in-workflow watchdog records why it aborted; this backstop only catches a wedged run.
EXECUTION_TIMEOUT_MARGIN: Final = timedelta(minutes=5)
# Outcomes of runs that changed nothing and asked no one: they hold no trigger back.
HELD_BACK_BY_NOTHING: Final = frozenset(
    {
        HEALING_OUTCOME_OBSERVED,
        HEALING_OUTCOME_DENIED,
        HEALING_OUTCOME_RESOLVED_BEFORE_ACTION,
        HEALING_OUTCOME_NOTHING_TO_DO,
    }
)

# Optional fields default to None (absent), so typed as Any for the rules mapping.
_OPTIONAL: dict[str, Any] = {
    "playbook": Field(
        default=None,
        pattern=r"^[a-z][a-z0-9_]{0,63}$",
        description="A catalog playbook instead of the ranked choice",
    ),
    "parameters": Field(default=None, description="Playbook parameters (see its schema)"),
    "dry_run": Field(
        default=None, description="Preview only: server-side dry run, nothing changes"
    ),
    "evidence": Field(default=None, description="Evidence to keep with the diagnosis"),
}

HealingRunCreate = request_model(
    "HealingRunCreate",
    HealingRequest,
    required=("service", "namespace", "symptom", "severity"),
    optional=("playbook", "parameters", "dry_run", "evidence"),
    rules={
        **_OPTIONAL,
        "service": Field(pattern=K8S_NAME, description="Deployment (workload) name"),
        "namespace": Field(pattern=K8S_NAME, description="Kubernetes namespace"),
        "symptom": Field(
            pattern=SYMPTOM, description="What is wrong, e.g. the alert name: HighErrorRate"
        ),
        "severity": Field(description="low, medium, high or critical"),
    },
    doc="Start (or join) a healing run for a workload.",
)


def severity_name(severity: int) -> str:
    return Severity.Name(severity).removeprefix("SEVERITY_").lower()


def run_limits(settings: Settings) -> RunLimits:
    return RunLimits(
        run_timeout_seconds=settings.run_timeout_minutes * 60,
        approval_timeout_seconds=settings.approval_timeout_seconds,
        window_recheck_seconds=settings.window_recheck_seconds,
        alert_resolution_seconds=settings.healing_alert_resolution_seconds,
    )


def prepare_request(request: HealingRequest, context: StartContext) -> HealingRequest:
    """Stamp what the trigger does not choose: tenant, limits, who asked and how."""
    request.tenant = context.settings.tenant
    request.limits.CopyFrom(run_limits(context.settings))
    request.requested_by = request.requested_by or context.requested_by
    request.source = request.source or context.source
    return request


def build_input(fields: dict[str, Any], context: StartContext) -> HealingRequest:
    """A validated start body as the run's input; a playbook's parameters are checked
    against its schema here, before anything starts (ParameterError names the field)."""
    request = from_api(fields, HealingRequest)
    if request.playbook:
        catalog(context.settings.catalog_dir).playbook(request.playbook).resolve_parameters(
            fields.get("parameters", {})
        )
    elif fields.get("parameters"):
        raise ParameterError("parameters", "parameters need a playbook to apply to")
    return prepare_request(request, context)


def _request(message: Message) -> HealingRequest:
    assert isinstance(message, HealingRequest)
    return message


def _notice(message: Message, context: StartContext) -> AlertNotice:
    return AlertNotice(
        status="firing", alertname=_request(message).symptom, source=context.requested_by
    )


def _memo(message: Message) -> dict[str, Any]:
    request = _request(message)
    return {
        "namespace": request.namespace,
        "symptom": request.symptom,
        "severity": severity_name(request.severity),
    }


def _scheduler_facts(message: Message, notice: Message) -> dict[str, str]:
    assert isinstance(notice, AlertNotice)
    return {
        "severity": severity_name(_request(message).severity),
        "alert_status": notice.status if notice.alertname else "",
    }


async def acted(client: Client, described: WorkflowExecutionDescription) -> bool:
    """Whether an ended run may have changed something (or asked a human) and so holds
    triggers back; a run that ended some other way than completing is assumed to have."""
    if described.status != WorkflowExecutionStatus.COMPLETED:
        return True
    result: HealingResult = await client.get_workflow_handle(
        described.id, run_id=described.run_id, result_type=HealingResult
    ).result()
    return result.outcome not in HELD_BACK_BY_NOTHING


HEALING: Final = RunKind(
    name=KIND,
    workflow=HealingWorkflow,
    input_type=HealingRequest,
    result_type=HealingResult,
    queue="healing",
    task_queue=lambda settings: settings.healing_task_queue,
    request_model=HealingRunCreate,
    build_input=build_input,
    business_key=lambda m: f"{_request(m).namespace}:{_request(m).service}",
    service=lambda m: _request(m).service,
    trigger_signal="alert",
    notice=_notice,
    execution_timeout=lambda settings: (
        timedelta(minutes=settings.run_timeout_minutes) + EXECUTION_TIMEOUT_MARGIN
    ),
    memo=_memo,
    scheduler_facts=_scheduler_facts,
    backoff=lambda settings: timedelta(seconds=settings.healing_backoff_seconds),
    holds_back=acted,
)
