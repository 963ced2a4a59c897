"""The drift audit kind: what every node of a fleet runs, against what it is served
(workflows/policy_rollout/drift.py). Schedulable: one audit per fleet at a time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from google.protobuf.message import Message
from pydantic import Field
from sqlmodel import Session

from kaizen.catalog.playbooks import ParameterError
from kaizen.contract.models import request_model
from kaizen.contract.names import K8S_NAME
from kaizen.kinds.base import RunKind, StartContext
from kaizen.persistence.db import make_engine
from kaizen.persistence.policy_fleet import list_nodes
from kaizen.v1.common_pb2 import RunLimits
from kaizen.v1.policy_rollout_pb2 import PolicyDriftAuditRequest, PolicyDriftAuditResult
from workflows.policy_rollout.drift import KIND, PolicyDriftAuditWorkflow

EXECUTION_TIMEOUT: Final = timedelta(minutes=10)

# Optional fields default to None (absent), so the rules are typed loosely.
_RULES: dict[str, Any] = {
    "fleet": Field(pattern=K8S_NAME, description="The fleet to audit"),
    "grace_seconds": Field(default=None, ge=0, le=3600),
}
DriftAuditCreate = request_model(
    "DriftAuditCreate",
    PolicyDriftAuditRequest,
    required=("fleet",),
    optional=("grace_seconds",),
    rules=_RULES,
    doc="Read what every node of a fleet runs, and record drift.",
)


def drift_audit_request(
    session: Session, fields: dict[str, Any], context: StartContext
) -> PolicyDriftAuditRequest:
    settings = context.settings
    if not list_nodes(session, settings.tenant, fields["fleet"]):
        raise ParameterError("fleet", f"no node is registered in fleet {fields['fleet']!r}")
    return PolicyDriftAuditRequest(
        tenant=settings.tenant, fleet=fields["fleet"], requested_by=context.requested_by,
        source=context.source, grace_seconds=int(fields.get("grace_seconds") or 0),
        limits=RunLimits(run_timeout_seconds=int(EXECUTION_TIMEOUT.total_seconds())),
    )  # fmt: skip


def build_input(fields: dict[str, Any], context: StartContext) -> PolicyDriftAuditRequest:
    engine = make_engine(context.settings.database)
    try:
        with Session(engine) as session:
            return drift_audit_request(session, fields, context)
    finally:
        engine.dispose()


def _request(message: Message) -> PolicyDriftAuditRequest:
    assert isinstance(message, PolicyDriftAuditRequest)
    return message


POLICY_DRIFT_AUDIT: Final = RunKind(
    name=KIND,
    workflow=PolicyDriftAuditWorkflow,
    input_type=PolicyDriftAuditRequest,
    result_type=PolicyDriftAuditResult,
    queue="policy_rollout",
    task_queue=lambda settings: settings.policy_rollout_task_queue,
    request_model=DriftAuditCreate,
    build_input=build_input,
    business_key=lambda m: _request(m).fleet,
    service=lambda m: _request(m).fleet,
    trigger_signal="drift_audit_requested",
    notice=lambda m, _context: m,
    execution_timeout=lambda _settings: EXECUTION_TIMEOUT,
    memo=lambda m: {"fleet": _request(m).fleet},
)
