"""Between the schedules API and Temporal: validated inputs, Temporal schedules, views."""

from __future__ import annotations

import json
from datetime import UTC, timedelta
from typing import Any, Final

from fastapi.exceptions import RequestValidationError
from google.protobuf.message import Message
from pydantic import ValidationError
from temporalio.client import (
    Schedule,
    ScheduleActionExecutionStartWorkflow,
    ScheduleActionResult,
    ScheduleActionStartWorkflow,
    ScheduleDescription,
    ScheduleIntervalSpec,
    ScheduleListDescription,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
)

from api.schedules.models import (
    PoliciesBody,
    ScheduleActionView,
    ScheduleChangeView,
    ScheduleView,
    SpecBody,
)
from kaizen.catalog.playbooks import ParameterError
from kaizen.kinds.base import RunKind, StartContext
from kaizen.kinds.start import run_trigger
from kaizen.persistence.schedule_changes import ScheduleChangeRow
from kaizen.settings import Settings

OVERLAPS: Final[dict[str, ScheduleOverlapPolicy]] = {
    "skip": ScheduleOverlapPolicy.SKIP,
    "buffer_one": ScheduleOverlapPolicy.BUFFER_ONE,
    "buffer_all": ScheduleOverlapPolicy.BUFFER_ALL,
    "cancel_other": ScheduleOverlapPolicy.CANCEL_OTHER,
    "terminate_other": ScheduleOverlapPolicy.TERMINATE_OTHER,
    "allow_all": ScheduleOverlapPolicy.ALLOW_ALL,
}
OVERLAP_NAMES: Final = {policy: name for name, policy in OVERLAPS.items()}


def temporal_id(settings: Settings, name: str) -> str:
    """Schedules are namespaced by tenant in Temporal; the API speaks of the name alone."""
    return f"{settings.tenant}:{name}"


def name_of(settings: Settings, schedule_id: str) -> str | None:
    prefix = f"{settings.tenant}:"
    return schedule_id.removeprefix(prefix) if schedule_id.startswith(prefix) else None


def validated_input(
    kind: RunKind, raw: dict[str, Any], context: StartContext
) -> tuple[dict[str, Any], Message]:
    """``raw`` checked as ``kind``'s start endpoint checks it; errors name ``input.<field>``."""
    try:
        body = kind.request_model.model_validate(raw)
    except ValidationError as error:
        raise RequestValidationError(
            [{**problem, "loc": ("body", "input", *problem["loc"])} for problem in error.errors()]
        ) from error
    fields = body.model_dump(mode="json", exclude_none=True)
    try:
        return fields, kind.build_input(fields, context)
    except ParameterError as error:
        raise ParameterError(f"input.{error.field}", str(error)) from error


def build_schedule(
    kind: RunKind,
    message: Message,
    context: StartContext,
    *,
    spec: SpecBody,
    policies: PoliciesBody,
    paused: bool = False,
    note: str = "",
    limit: int | None = None,
) -> Schedule:
    trigger = run_trigger(kind, message, kind.notice(message, context), context)
    return Schedule(
        action=ScheduleActionStartWorkflow(
            kind.workflow.run,  # type: ignore[attr-defined]
            message,
            # Temporal appends the fire time: every scheduled run is a run of its own.
            id=trigger.workflow_id,
            task_queue=trigger.task_queue,
            execution_timeout=trigger.execution_timeout,
            memo=trigger.memo,
            typed_search_attributes=trigger.search_attributes,
        ),
        spec=temporal_spec(spec),
        policy=SchedulePolicy(
            overlap=OVERLAPS[policies.overlap],
            catchup_window=timedelta(seconds=policies.catchup_window_seconds),
            pause_on_failure=policies.pause_on_failure,
        ),
        state=ScheduleState(
            note=note or None,
            paused=paused,
            limited_actions=limit is not None,
            remaining_actions=limit or 0,
        ),
    )


def temporal_spec(spec: SpecBody) -> ScheduleSpec:
    return ScheduleSpec(
        cron_expressions=list(spec.cron),
        intervals=[
            ScheduleIntervalSpec(
                every=timedelta(seconds=i.every_seconds),
                offset=timedelta(seconds=i.offset_seconds) if i.offset_seconds else None,
            )
            for i in spec.intervals
        ],
        time_zone_name=spec.time_zone,
        start_at=spec.start_at,
        end_at=spec.end_at,
        jitter=timedelta(seconds=spec.jitter_seconds) if spec.jitter_seconds else None,
    )


def declaration(
    *, kind: str, fields: dict[str, Any], spec: SpecBody, policies: PoliciesBody, created_by: str
) -> str:
    """The schedule as declared, kept with its change record (see schedule_changes)."""
    return json.dumps(
        {
            "kind": kind,
            "input": fields,
            "spec": spec.model_dump(mode="json"),
            **policies.model_dump(mode="json"),
            "created_by": created_by,
        }
    )


def view(
    settings: Settings,
    name: str,
    found: ScheduleDescription | ScheduleListDescription,
    declared: dict[str, Any],
    changes: list[ScheduleChangeRow] | None = None,
) -> ScheduleView:
    tid = temporal_id(settings, name)
    schedule = found.schedule
    info = found.info
    spec = declared.get("spec") or _spec_from(schedule.spec if schedule else None)
    state = schedule.state if schedule is not None else None
    view = ScheduleView(
        id=name,
        temporal_id=tid,
        kind=str(declared.get("kind", "")),
        input=dict(declared.get("input", {})),
        spec=SpecBody.model_validate(spec),
        overlap=declared.get("overlap", "skip"),
        catchup_window_seconds=int(declared.get("catchup_window_seconds", 0)),
        pause_on_failure=bool(declared.get("pause_on_failure", False)),
        paused=bool(state.paused) if state is not None else False,
        note=(state.note or "") if state is not None else "",
        remaining_actions=None,
        next_action_times=[t.astimezone(UTC) for t in (info.next_action_times if info else [])],
        recent_actions=[_action(a) for a in (info.recent_actions if info else [])],
        created_by=str(declared.get("created_by", "")),
        changes=[
            ScheduleChangeView(action=c.action, by=c.principal, detail=c.detail, at=c.at)
            for c in changes or []
        ],
        web_ui_url=(
            f"http://{settings.temporal_host}:{settings.temporal_ui_port}/namespaces/"
            f"{settings.temporal_namespace}/schedules/{tid}"
        ),
    )
    if isinstance(found, ScheduleDescription):
        # Only a full description carries the policies and the counters.
        policy = found.schedule.policy
        view.overlap = OVERLAP_NAMES.get(policy.overlap, view.overlap)  # type: ignore[assignment]
        if policy.catchup_window is not None:
            view.catchup_window_seconds = int(policy.catchup_window.total_seconds())
        view.pause_on_failure = policy.pause_on_failure
        if found.schedule.state.limited_actions:
            view.remaining_actions = found.schedule.state.remaining_actions
        view.actions_taken = found.info.num_actions
        view.skipped_by_overlap = found.info.num_actions_skipped_overlap
        view.missed_by_catchup = found.info.num_actions_missed_catchup_window
    return view


def _spec_from(spec: ScheduleSpec | None) -> dict[str, Any]:
    """A spec made outside Kaizen: its intervals (calendars have no cron form to show)."""
    intervals = [
        {
            "every_seconds": int(i.every.total_seconds()),
            "offset_seconds": int(i.offset.total_seconds()) if i.offset else 0,
        }
        for i in (spec.intervals if spec else [])
    ]
    return {"intervals": intervals or [{"every_seconds": 3600}], "cron": []}


def _action(result: ScheduleActionResult) -> ScheduleActionView:
    view = ScheduleActionView(
        scheduled_at=result.scheduled_at, started_at=result.started_at, workflow_id="", run_id=""
    )
    if isinstance(result.action, ScheduleActionExecutionStartWorkflow):
        view.workflow_id = result.action.workflow_id
        view.run_id = result.action.first_execution_run_id
    return view
