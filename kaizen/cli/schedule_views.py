"""Schedules as a person reads them: the list as a table, one schedule in full.

The API's views (``ScheduleView`` as JSON) in, lines of text out; ``--json`` prints the
views themselves for scripts.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any


def when(value: str | None) -> str:
    """An ISO time from the API, in UTC to the second; ``-`` for none."""
    if not value:
        return "-"
    return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def seconds_text(value: int) -> str:
    """600 as 10m, 86400 as 1d: the largest unit that divides it."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if value and value % size == 0:
            return f"{value // size}{unit}"
    return f"{value}s"


def spec_text(spec: dict[str, Any]) -> str:
    """When a schedule fires, in one line: ``cron '*/5 * * * *' in UTC, jitter 30s``."""
    parts = [f"cron {expression!r}" for expression in spec.get("cron", [])]
    for interval in spec.get("intervals", []):
        offset = interval.get("offset_seconds", 0)
        parts.append(
            f"every {seconds_text(interval['every_seconds'])}"
            + (f" (offset {seconds_text(offset)})" if offset else "")
        )
    text = ", ".join(parts) + f" in {spec.get('time_zone', 'UTC')}"
    if spec.get("jitter_seconds"):
        text += f", jitter {seconds_text(spec['jitter_seconds'])}"
    if spec.get("start_at"):
        text += f", from {when(spec['start_at'])}"
    if spec.get("end_at"):
        text += f", until {when(spec['end_at'])}"
    return text


def state_text(view: dict[str, Any]) -> str:
    state = "paused" if view.get("paused") else "active"
    return f"{state}: {view['note']}" if view.get("note") else state


def table_lines(views: list[dict[str, Any]]) -> list[str]:
    """One row per schedule; the spec, of any length, last."""
    rows = [("NAME", "KIND", "STATE", "NEXT FIRE", "LAST RUN", "SPEC")]
    for view in views:
        recent = view.get("recent_actions") or []
        rows.append(
            (
                view["id"],
                view.get("kind") or "(not Kaizen's)",
                state_text(view),
                when((view.get("next_action_times") or [None])[0]),
                recent[-1]["workflow_id"] if recent else "-",
                spec_text(view["spec"]),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
        + "  "
        + row[-1]
        for row in rows
    ]


def describe_lines(view: dict[str, Any]) -> list[str]:
    """One schedule in full: what it starts, when, its policies, runs and changes."""
    remaining = view.get("remaining_actions")
    lines = [
        f"{view['id']}  ({view.get('kind') or 'not made by Kaizen'})",
        f"  temporal id:   {view['temporal_id']}",
        f"  state:         {state_text(view)}",
        f"  input:         {json.dumps(view.get('input', {}), sort_keys=True)}",
        f"  spec:          {spec_text(view['spec'])}",
        f"  overlap:       {view['overlap']}",
        f"  catch-up:      {seconds_text(view['catchup_window_seconds'])}",
        f"  on failure:    {'pause' if view['pause_on_failure'] else 'keep firing'}",
        f"  limit:         {'none' if remaining is None else f'{remaining} fire(s) left'}",
        f"  counters:      {view.get('actions_taken') or 0} action(s), "
        f"{view.get('skipped_by_overlap') or 0} skipped by overlap, "
        f"{view.get('missed_by_catchup') or 0} missed by catch-up",
        f"  created by:    {view.get('created_by') or '-'}",
        f"  web ui:        {view['web_ui_url']}",
        "  next fires:    " + (", ".join(when(t) for t in view["next_action_times"][:3]) or "-"),
        "  recent runs:" + ("" if view["recent_actions"] else "   -"),
    ]
    lines.extend(
        f"    {when(a['scheduled_at'])}  {a['workflow_id']}  (run {a['run_id']})"
        for a in view["recent_actions"]
    )
    lines.append("  changes:" + ("" if view.get("changes") else "       -"))
    for change in view.get("changes", []):
        detail = f": {change['detail']}" if change["detail"] else ""
        lines.append(f"    {when(change['at'])}  {change['action']} by {change['by']}{detail}")
    return lines
