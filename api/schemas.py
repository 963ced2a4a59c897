"""Request and response models of the API, all derived from the proto contract."""

from __future__ import annotations

from typing import Any, Final

from pydantic import Field

from kaizen.contract.models import request_model, response_model
from kaizen.v1.approval_pb2 import ApprovalState, ApprovalVote
from kaizen.v1.change_window_pb2 import ChangeWindow, OpenChangeWindowRequest
from kaizen.v1.healing_pb2 import HealingRequest
from kaizen.v1.run_pb2 import RunRecord

# Kubernetes object names (RFC 1123 labels), so ids built from them stay URL-safe.
K8S_NAME: Final = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
SYMPTOM: Final = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"

# Optional fields default to None (absent), so typed as Any for the rules mapping.
_HEALING_OPTIONAL: dict[str, Any] = {
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
        **_HEALING_OPTIONAL,
        "service": Field(pattern=K8S_NAME, description="Deployment (workload) name"),
        "namespace": Field(pattern=K8S_NAME, description="Kubernetes namespace"),
        "symptom": Field(
            pattern=SYMPTOM, description="What is wrong, e.g. the alert name: HighErrorRate"
        ),
        "severity": Field(description="low, medium, high or critical"),
    },
    doc="Start (or join) a healing run for a workload.",
)

ApprovalCreate = request_model(
    "ApprovalCreate",
    ApprovalVote,
    required=("decision",),
    optional=("comment",),
    rules={"comment": Field(default="", max_length=2000)},  # type: ignore[dict-item]
    doc="One approver's vote on the run's pending approval.",
)

ChangeWindowCreate = request_model(
    "ChangeWindowCreate",
    OpenChangeWindowRequest,
    required=("scope", "duration_minutes", "reason"),
    rules={
        "scope": Field(
            pattern=r"^(\*|[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)$",
            description='A service name, or "*" for every service',
        ),
        "duration_minutes": Field(ge=1, le=7 * 24 * 60, description="How long it stays open"),
        "reason": Field(min_length=1, max_length=500),
    },
    doc="Open a change window now.",
)

RunView = response_model(RunRecord)
ApprovalStateView = response_model(ApprovalState)
ChangeWindowView = response_model(ChangeWindow)
