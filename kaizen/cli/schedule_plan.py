"""What ``kaizen schedules apply`` would change: declared schedules against live ones.

A declared schedule is compared with the live one on what it starts and when (kind,
input, spec) and its policies (overlap, catch-up window, pause on failure); its state
(``paused``, ``note``) only when the file gives it, so pausing a schedule by hand is
not undone by the next apply unless the file says otherwise. ``limit`` is taken at
creation only: the remaining count goes down as the schedule fires.

A kind is never changed in place (the API cannot, and deleting first would lose the
schedule should the new input be refused): such a file is a conflict the user resolves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from api.schedules.models import SpecBody
from kaizen.cli.schedule_files import DeclaredSchedule

POLICIES: Final = ("overlap", "catchup_window_seconds", "pause_on_failure")
CHANGEABLE: Final = ("input", "spec", *POLICIES)
"""What PATCH /v1/schedules/{name} changes in place."""
COMPARED: Final = ("kind", *CHANGEABLE)


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    CONFLICT = "conflict"  # the kind differs: nothing can change it in place
    DELETE = "delete"
    UNCHANGED = "unchanged"


class _Absent:
    def __repr__(self) -> str:
        return "(absent)"


ABSENT: Final = _Absent()


@dataclass(frozen=True)
class Difference:
    key: str
    """Dotted, e.g. ``spec.cron`` or ``input.namespace``."""
    live: Any
    declared: Any

    def __str__(self) -> str:
        return f"{self.key}: {_shown(self.live)} -> {_shown(self.declared)}"


@dataclass(frozen=True)
class Change:
    action: Action
    name: str
    declared: DeclaredSchedule | None = None
    live: dict[str, Any] | None = None
    differences: tuple[Difference, ...] = ()

    def problem(self) -> str:
        """Why a conflict cannot be applied, and what the user may do instead."""
        live = (self.live or {}).get("kind") or "a schedule not made by Kaizen"
        wanted = self.declared.body.kind if self.declared else ""
        return (
            f"the live schedule is {live}, the file declares {wanted}; a kind cannot change "
            f"in place: give the file another name (--prune then deletes {self.name}), "
            f"or delete it first (kaizen schedules delete {self.name})"
        )

    def patch_body(self) -> dict[str, Any]:
        """The PATCH body: the declared value of every changed key PATCH can change."""
        assert self.declared is not None
        wanted = desired(self.declared)
        changed = {d.key.split(".", 1)[0] for d in self.differences}
        return {key: wanted[key] for key in CHANGEABLE if key in changed}

    def state_change(self) -> tuple[bool, str] | None:
        """(paused, note) to set through pause/unpause, or None when the state matches."""
        assert self.declared is not None
        keys = {d.key for d in self.differences}
        if "paused" not in keys and "note" not in keys:
            return None
        wanted = desired(self.declared)
        live = self.live or {}
        return bool(wanted.get("paused", live.get("paused", False))), str(wanted.get("note", ""))


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    """Live schedules not declared, left alone because --prune was not given."""

    def of(self, action: Action) -> list[Change]:
        return [c for c in self.changes if c.action == action]

    @property
    def pending(self) -> list[Change]:
        return [c for c in self.changes if c.action not in (Action.UNCHANGED, Action.CONFLICT)]

    @property
    def conflicts(self) -> list[Change]:
        return self.of(Action.CONFLICT)


def desired(schedule: DeclaredSchedule) -> dict[str, Any]:
    """What the live schedule should look like, in the API's JSON form."""
    body = schedule.body.model_dump(mode="json")
    wanted = {key: body[key] for key in COMPARED}
    if "paused" in schedule.keys:
        wanted["paused"] = body["paused"]
    if body["note"]:
        # An empty note is the API's to fill ("paused by …"): only a given one is kept.
        wanted["note"] = body["note"]
    return wanted


def current(live: dict[str, Any], keys: set[str]) -> dict[str, Any]:
    """The live schedule (a ScheduleView) in the same form as ``desired``."""
    found = {key: live.get(key, ABSENT) for key in keys}
    if "spec" in found and isinstance(found["spec"], dict):
        # Re-validated as declared files are: one form of defaults and timestamps.
        found["spec"] = SpecBody.model_validate(found["spec"]).model_dump(mode="json")
    return found


def _flat(value: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings as dotted keys; lists (cron, intervals) stay whole."""
    flat: dict[str, Any] = {}
    for key, item in value.items():
        dotted = f"{prefix}{key}"
        if isinstance(item, dict) and item:
            flat.update(_flat(item, dotted + "."))
        else:
            flat[dotted] = item
    return flat


def differences(wanted: dict[str, Any], live: dict[str, Any]) -> tuple[Difference, ...]:
    wanted_flat, live_flat = _flat(wanted), _flat(live)
    # A key the file gives is compared however deep; a live key the file omits (say an
    # input field dropped from the file) is a difference too, under its top-level key.
    keys = sorted(set(wanted_flat) | {k for k in live_flat if k.split(".", 1)[0] in wanted})
    return tuple(
        Difference(key, live_flat.get(key, ABSENT), wanted_flat.get(key, ABSENT))
        for key in keys
        if live_flat.get(key, ABSENT) != wanted_flat.get(key, ABSENT)
    )


def plan(
    declared: list[DeclaredSchedule],
    live: dict[str, dict[str, Any]],
    *,
    prune: bool,
) -> Plan:
    """The changes that make ``live`` (views by name) match ``declared``.

    Schedules in ``live`` without a kind were not made through Kaizen (their names only
    happen to carry this tenant's prefix): they are never pruned.
    """
    result = Plan()
    names = {schedule.name for schedule in declared}
    for schedule in sorted(declared, key=lambda s: s.name):
        found = live.get(schedule.name)
        if found is None:
            result.changes.append(Change(Action.CREATE, schedule.name, declared=schedule))
            continue
        wanted = desired(schedule)
        changed = differences(wanted, current(found, set(wanted)))
        action = Action.UNCHANGED
        if changed:
            action = Action.CONFLICT if found.get("kind") != wanted["kind"] else Action.UPDATE
        result.changes.append(Change(action, schedule.name, schedule, found, changed))
    for name, found in sorted(live.items()):
        if name in names or not found.get("kind"):
            continue
        if prune:
            result.changes.append(Change(Action.DELETE, name, live=found))
        else:
            result.kept.append(name)
    return result


def _shown(value: Any) -> str:
    if value is ABSENT:
        return "(absent)"
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


TO_DO: Final = (Action.CREATE, Action.UPDATE, Action.DELETE)


def render(result: Plan) -> list[str]:
    """The plan as a readable diff: one line per schedule, one more per changed key."""
    lines: list[str] = []
    for change in result.changes:
        if change.action == Action.CREATE:
            assert change.declared is not None
            lines.append(f"+ create     {change.name}  ({change.declared.path})")
            sent = change.declared.body.model_dump(mode="json", exclude_unset=True)
            sent.pop("id", None)
            lines.extend(f"    {k}: {_shown(v)}" for k, v in _flat(sent).items())
        elif change.action == Action.UPDATE:
            assert change.declared is not None
            lines.append(f"~ update     {change.name}  ({change.declared.path})")
            lines.extend(f"    {difference}" for difference in change.differences)
        elif change.action == Action.CONFLICT:
            assert change.declared is not None
            lines.append(
                f"! conflict   {change.name}  ({change.declared.path}): {change.problem()}"
            )
        elif change.action == Action.DELETE:
            kind = (change.live or {}).get("kind", "")
            lines.append(f"- delete     {change.name}  ({kind}; not declared, --prune)")
        else:
            lines.append(f"= unchanged  {change.name}")
    if result.kept:
        lines.append(f"  not declared here, kept (--prune deletes them): {', '.join(result.kept)}")
    return lines


def summary(result: Plan) -> str:
    counts = {action: len(result.of(action)) for action in Action}
    if not result.pending and not result.conflicts:
        return f"Nothing to change: {counts[Action.UNCHANGED]} schedule(s) match their files."
    parts = [f"{counts[a]} to {a.value}" for a in Action if a in TO_DO and counts[a]]
    if result.conflicts:
        parts.append(f"{len(result.conflicts)} in conflict")
    return f"Plan: {', '.join(parts)}; {counts[Action.UNCHANGED]} unchanged."
