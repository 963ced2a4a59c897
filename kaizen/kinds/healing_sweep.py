"""The healing sweep kind: a healing run for every Deployment in distress in a namespace
(workflows/healing/sweep.py), the job a schedule runs every few minutes.

One sweep of a scope at a time: the business key is the namespace and the label
selector (in canonical form, so two spellings of one selector are one sweep). The
runs it triggers are healing runs, with healing's own ids, backoff and counters.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any, Final

from google.protobuf.message import Message
from pydantic import Field

from kaizen.catalog.playbooks import ParameterError
from kaizen.contract.json_codec import from_api
from kaizen.contract.models import request_model
from kaizen.contract.names import K8S_NAME
from kaizen.kinds.base import RunKind, StartContext
from kaizen.kinds.label_selector import MAX_SELECTOR_CHARS, SelectorError, canonical_selector
from kaizen.v1.common_pb2 import SEVERITY_MEDIUM, RunLimits
from kaizen.v1.healing_pb2 import HealingSweepRequest, HealingSweepResult, HealingSweepTrigger
from workflows.healing.sweep import SWEEP_KIND, HealingSweepWorkflow

# A sweep reads once and triggers; minutes mean something is wrong (the watchdog says so).
SWEEP_TIMEOUT: Final = timedelta(minutes=10)
EXECUTION_TIMEOUT_MARGIN: Final = timedelta(minutes=2)

# Optional fields default to None (absent), so typed as Any for the rules mapping.
_OPTIONAL: dict[str, Any] = {
    "label_selector": Field(
        default=None,
        max_length=MAX_SELECTOR_CHARS,
        description='Only Deployments this label selector matches, e.g. "tier=web"',
    ),
    "severity": Field(
        default=None,
        description="Severity of the healing runs it starts: low, medium (default), "
        "high or critical",
    ),
}

HealingSweepCreate = request_model(
    "HealingSweepCreate",
    HealingSweepRequest,
    required=("namespace",),
    optional=("label_selector", "severity"),
    rules={
        **_OPTIONAL,
        "namespace": Field(pattern=K8S_NAME, description="The Kubernetes namespace to sweep"),
    },
    doc="Sweep a namespace: start or join a healing run for every Deployment in distress.",
)


def _request(message: Message) -> HealingSweepRequest:
    assert isinstance(message, HealingSweepRequest)
    return message


def build_input(fields: dict[str, Any], context: StartContext) -> HealingSweepRequest:
    """A validated start body as the sweep's input; a selector the API server would refuse
    is refused here (ParameterError names ``label_selector``)."""
    request = from_api(fields, HealingSweepRequest)
    try:
        request.label_selector = canonical_selector(request.label_selector)
    except SelectorError as error:
        raise ParameterError("label_selector", f"not a label selector: {error}") from error
    request.severity = request.severity or SEVERITY_MEDIUM
    request.tenant = context.settings.tenant
    request.limits.CopyFrom(RunLimits(run_timeout_seconds=int(SWEEP_TIMEOUT.total_seconds())))
    request.requested_by = request.requested_by or context.requested_by
    request.source = request.source or context.source
    return request


def business_key(message: Message) -> str:
    """The namespace, and a digest of the canonical selector when there is one (a selector's
    characters do not all belong in a workflow id; the memo shows it as written)."""
    request = _request(message)
    if not request.label_selector:
        return request.namespace
    digest = hashlib.sha256(request.label_selector.encode()).hexdigest()[:12]
    return f"{request.namespace}:sel-{digest}"


def _notice(_message: Message, context: StartContext) -> HealingSweepTrigger:
    return HealingSweepTrigger(requested_by=context.requested_by, source=context.source)


HEALING_SWEEP: Final = RunKind(
    name=SWEEP_KIND,
    workflow=HealingSweepWorkflow,
    input_type=HealingSweepRequest,
    result_type=HealingSweepResult,
    queue="healing",
    task_queue=lambda settings: settings.healing_task_queue,
    request_model=HealingSweepCreate,
    build_input=build_input,
    business_key=business_key,
    # A sweep is about a namespace, not one service: KaizenService stays empty.
    service=lambda _m: "",
    trigger_signal="requested",
    notice=_notice,
    execution_timeout=lambda _settings: SWEEP_TIMEOUT + EXECUTION_TIMEOUT_MARGIN,
    memo=lambda m: {
        "namespace": _request(m).namespace,
        "label_selector": _request(m).label_selector,
    },
)
