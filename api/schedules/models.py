"""The schedules API's bodies and views.

A schedule is Temporal's (its spec, policies and state); what it starts is a run
kind's input, validated exactly as that kind's start endpoint validates it. These
models never cross into a workflow, so they have no proto message of their own:
the input they carry is the kind's proto-derived start body.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ScheduleName = str
NAME_PATTERN = r"^[a-z0-9]([-a-z0-9_.]{0,62}[a-z0-9])?$"
Overlap = Literal[
    "skip", "buffer_one", "buffer_all", "cancel_other", "terminate_other", "allow_all"
]
MAX_SPEC_ITEMS = 32


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IntervalBody(Strict):
    every_seconds: int = Field(ge=1, le=366 * 24 * 3600, description="Fire every N seconds")
    offset_seconds: int = Field(
        default=0, ge=0, description="Shift within the interval (from the Unix epoch)"
    )

    @model_validator(mode="after")
    def _offset_within_interval(self) -> IntervalBody:
        if self.offset_seconds >= self.every_seconds:
            raise ValueError("offset_seconds must be smaller than every_seconds")
        return self


class SpecBody(Strict):
    """When a schedule fires: cron expressions and/or intervals, in a time zone."""

    cron: list[str] = Field(
        default_factory=list,
        max_length=MAX_SPEC_ITEMS,
        description='Cron expressions, e.g. "*/5 * * * *" (minute hour day month weekday)',
    )
    intervals: list[IntervalBody] = Field(default_factory=list, max_length=MAX_SPEC_ITEMS)
    time_zone: str = Field(default="UTC", max_length=64, description="IANA name, e.g. Europe/Paris")
    start_at: datetime | None = Field(default=None, description="No fire before this")
    end_at: datetime | None = Field(default=None, description="No fire after this")
    jitter_seconds: int = Field(default=0, ge=0, le=24 * 3600, description="Random delay")

    @model_validator(mode="after")
    def _fires_at_all(self) -> SpecBody:
        if not self.cron and not self.intervals:
            raise ValueError("give at least one cron expression or interval")
        for expression in self.cron:
            if len(expression) > 256 or not expression.strip():
                raise ValueError(f"cron expression {expression[:40]!r} is empty or too long")
        if self.start_at and self.end_at and self.end_at <= self.start_at:
            raise ValueError("end_at must be after start_at")
        return self


class PoliciesBody(Strict):
    overlap: Overlap = Field(
        default="skip", description="What to do when a fire finds the previous run going"
    )
    catchup_window_seconds: int = Field(
        default=365 * 24 * 3600,
        ge=10,
        description="Fires missed while the server was down are made up within this window",
    )
    pause_on_failure: bool = Field(default=False, description="Pause when a started run fails")


class ScheduleCreate(PoliciesBody):
    """Create a schedule: ``input`` is exactly the body ``kind``'s start endpoint takes."""

    id: ScheduleName = Field(pattern=NAME_PATTERN, description="A name, unique per tenant")
    kind: str = Field(max_length=64, description="A run kind, e.g. healing or healing_sweep")
    input: dict[str, Any] = Field(description="The kind's start body, validated now")
    spec: SpecBody
    paused: bool = False
    note: str = Field(default="", max_length=500)
    limit: int | None = Field(
        default=None, ge=1, le=1_000_000, description="Fire at most this many more times"
    )


class ScheduleChange(Strict):
    """Change what is given; what is left out stays as it is."""

    spec: SpecBody | None = None
    input: dict[str, Any] | None = None
    overlap: Overlap | None = None
    catchup_window_seconds: int | None = Field(default=None, ge=10)
    pause_on_failure: bool | None = None
    limit: int | None = Field(default=None, ge=0, le=1_000_000, description="0 lifts the limit")


class NoteBody(Strict):
    note: str = Field(default="", max_length=500)


class TriggerBody(Strict):
    overlap: Overlap | None = Field(default=None, description="Override for this fire only")


class BackfillBody(Strict):
    start_at: datetime
    end_at: datetime
    overlap: Overlap = "allow_all"

    @model_validator(mode="after")
    def _ordered(self) -> BackfillBody:
        if self.end_at <= self.start_at:
            raise ValueError("end_at must be after start_at")
        return self


class ScheduleActionView(BaseModel):
    scheduled_at: datetime
    started_at: datetime
    workflow_id: str
    run_id: str


class ScheduleChangeView(BaseModel):
    action: str
    by: str
    detail: str
    at: datetime


class ScheduleView(BaseModel):
    id: str
    temporal_id: str = Field(description="The id in the Temporal Web UI's Schedules page")
    kind: str
    input: dict[str, Any]
    spec: SpecBody
    overlap: Overlap
    catchup_window_seconds: int
    pause_on_failure: bool
    paused: bool
    note: str
    remaining_actions: int | None = Field(description="Fires left under a limit; null: none")
    next_action_times: list[datetime]
    recent_actions: list[ScheduleActionView]
    actions_taken: int | None = None
    skipped_by_overlap: int | None = None
    missed_by_catchup: int | None = None
    created_by: str = ""
    changes: list[ScheduleChangeView] = Field(default_factory=list)
    web_ui_url: str
