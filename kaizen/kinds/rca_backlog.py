"""The rca_backlog kind: a schedulable batch that gives every recently resolved incident
without an RCA its RCA (workflows/rca/backlog.py). One batch per tenant at a time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from google.protobuf.message import Message
from pydantic import Field

from kaizen.contract.json_codec import from_api
from kaizen.contract.models import request_model
from kaizen.kinds.base import RunKind, StartContext
from kaizen.kinds.rca import run_limits
from kaizen.v1.rca_pb2 import RcaBacklogRequest, RcaBacklogResult, RcaTrigger
from workflows.rca.backlog import KIND, RcaBacklogWorkflow

_RULES: dict[str, Any] = {
    "lookback_seconds": Field(default=None, ge=60, le=30 * 86400,
                              description="How far back to look (default a day)"),
    "max_concurrent": Field(default=None, ge=1, le=20, description="Starts in flight at once"),
    "limit": Field(default=None, ge=1, le=500, description="RCAs started per batch (20)"),
}  # fmt: skip

RcaBacklogCreate = request_model(
    "RcaBacklogCreate",
    RcaBacklogRequest,
    required=(),
    optional=("lookback_seconds", "max_concurrent", "limit"),
    rules=_RULES,
    doc="Start the RCAs of recently resolved incidents that have none.",
)


def build_input(fields: dict[str, Any], context: StartContext) -> RcaBacklogRequest:
    request = from_api(fields, RcaBacklogRequest)
    request.tenant = context.settings.tenant
    request.requested_by = request.requested_by or context.requested_by
    request.source = request.source or context.source
    request.max_concurrent = request.max_concurrent or 4
    request.limit = request.limit or 20
    request.lookback_seconds = request.lookback_seconds or 86400
    request.limits.CopyFrom(run_limits(context.settings))
    return request


def _notice(_message: Message, context: StartContext) -> RcaTrigger:
    return RcaTrigger(source=context.source, requested_by=context.requested_by)


RCA_BACKLOG: Final = RunKind(
    name=KIND,
    workflow=RcaBacklogWorkflow,
    input_type=RcaBacklogRequest,
    result_type=RcaBacklogResult,
    queue="rca",
    task_queue=lambda settings: settings.rca_task_queue,
    request_model=RcaBacklogCreate,
    build_input=build_input,
    business_key=lambda _m: "backlog",
    service=lambda _m: "backlog",
    trigger_signal="trigger",
    notice=_notice,
    execution_timeout=lambda _settings: timedelta(hours=1),
)
