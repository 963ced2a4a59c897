"""Request and response models of the API, all derived from the proto contract."""

from __future__ import annotations

from typing import Final

from pydantic import Field

from kaizen.contract.models import request_model, response_model
from kaizen.v1.approval_pb2 import ApprovalState, ApprovalVote
from kaizen.v1.change_window_pb2 import ChangeWindow, OpenChangeWindowRequest
from kaizen.v1.healing_pb2 import HealingRequest
from kaizen.v1.run_pb2 import RunRecord

# Kubernetes object names (RFC 1123 labels), so ids built from them stay URL-safe.
K8S_NAME: Final = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
SYMPTOM: Final = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"

HealingRunCreate = request_model(
    "HealingRunCreate",
    HealingRequest,
    required=("service", "namespace", "symptom", "severity"),
    rules={
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
