"""Request and response models of the API, all derived from the proto contract."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kaizen.contract.models import request_model, response_model
from kaizen.contract.names import K8S_NAME, SYMPTOM
from kaizen.kinds.healing import HealingRunCreate
from kaizen.persistence.healing_modes import MODES
from kaizen.v1.approval_pb2 import ApprovalState, ApprovalVote
from kaizen.v1.change_window_pb2 import ChangeWindow, OpenChangeWindowRequest
from kaizen.v1.freeze_pb2 import Freeze
from kaizen.v1.run_pb2 import RunRecord

# The healing start body lives with its kind (kaizen/kinds/healing.py); re-exported here.
__all__ = ["K8S_NAME", "SYMPTOM", "HealingRunCreate"]


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
FreezeView = response_model(Freeze)


# Views of the healing control surface (modes, learning, scheduler, focus). They are read
# from Kaizen's own database and Temporal's visibility and never cross into a workflow,
# so they have no proto message to derive from.


class HealingModeChange(BaseModel):
    """Set one service's healing mode."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal[MODES] = Field(  # type: ignore[valid-type]
        description="observe (preview only), approval (a human approves) or autonomous"
    )


class HealingModeView(BaseModel):
    namespace: str
    service: str
    mode: str
    set_by: str
    set_at: datetime


class HealingModesView(BaseModel):
    default: str = Field(description="The mode of every service not listed")
    modes: list[HealingModeView]


class SuccessRateView(BaseModel):
    name: str = Field(description="The playbook or the service")
    runs: int
    successes: int
    failures: int
    success_rate: float | None = Field(description="successes / runs; null without runs")


class LearningView(BaseModel):
    """Verified against rolled-back outcomes, keyed by period ("24h", "7d")."""

    by_playbook: dict[str, list[SuccessRateView]]
    by_service: dict[str, list[SuccessRateView]]


class SchedulerCountsView(BaseModel):
    proposals: int
    joins: int
    backoffs: int
    skips: int


class SchedulerCountersView(BaseModel):
    total: SchedulerCountsView
    last_24h: SchedulerCountsView


class FocusItemView(BaseModel):
    """A service in distress: a running healing run, or an alert still firing without one."""

    state: Literal["running", "firing_without_run"]
    id: str = Field(description="The healing run's id (its business key)")
    run_id: str = Field(description="Temporal run id; empty when no run is going")
    namespace: str
    service: str
    symptom: str
    severity: str
    phase: str
    risk: str
    started_at: datetime | None = Field(description="Run start, or when the alert began firing")
    reason: str = Field(default="", description="Why no run is going (e.g. in backoff)")
    web_ui_url: str


class FocusView(BaseModel):
    services: list[FocusItemView] = Field(description="Most critical first, then oldest first")
