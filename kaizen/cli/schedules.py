"""``kaizen schedules``: declarative schedules from TOML files, and each schedule by hand.

``apply DIR`` makes the tenant's schedules match the ``*.toml`` files of DIR: it prints
the plan as a diff, then creates, updates and (with ``--prune``) deletes through the
API, so every change is validated, allowed by role and recorded with its author.

Exit codes: 0 done (or nothing to do), 1 the API refused something or could not be
reached, 2 a usage or file error (nothing was sent).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final, get_args
from urllib.parse import quote

from api.schedules.models import Overlap
from kaizen.cli.api_client import (
    ApiKeyMissing,
    ApiRefused,
    ApiUnreachable,
    KaizenApi,
    default_api_key,
    default_api_url,
)
from kaizen.cli.schedule_files import ScheduleFilesInvalid, read_directory
from kaizen.cli.schedule_plan import Action, Change, Plan, plan, render, summary
from kaizen.cli.schedule_views import describe_lines, table_lines, when

OK: Final = 0
REFUSED: Final = 1
USAGE: Final = 2
OVERLAPS: Final = list(get_args(Overlap))
_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNITS: Final = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class UsageError(Exception):
    """A bad argument, found before anything is sent."""


def _say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _complain(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _path(name: str) -> str:
    return f"/v1/schedules/{name}"


# --- apply -------------------------------------------------------------------------------


def live_schedules(api: KaizenApi, names: set[str]) -> dict[str, dict[str, Any]]:
    """The tenant's schedules by name; the declared ones described in full (policies are
    Temporal's own, not what was last sent)."""
    live: dict[str, dict[str, Any]] = {view["id"]: view for view in api.get("/v1/schedules")}
    for name in names & set(live):
        try:
            live[name] = api.get(_path(name))
        except ApiRefused as error:
            if error.status != 404:
                raise
            del live[name]  # deleted meanwhile: created afresh
    return live


def _carry_out(api: KaizenApi, change: Change) -> str:
    """Make one change through the API; the line that says what was done."""
    if change.action == Action.DELETE:
        api.delete(_path(change.name))
        return f"deleted {change.name}"
    assert change.declared is not None
    if change.action == Action.CREATE:
        api.post("/v1/schedules", change.declared.body.model_dump(mode="json", exclude_unset=True))
        return f"created {change.name}"
    done = []
    body = change.patch_body()
    if body:
        api.patch(_path(change.name), body)
        done.append(", ".join(sorted(body)))
    state = change.state_change()
    if state is not None:
        paused, note = state
        api.post(_path(change.name) + ("/pause" if paused else "/unpause"), {"note": note})
        done.append("paused" if paused else "unpaused")
    return f"updated {change.name} ({'; '.join(done)})"


def cmd_apply(api: KaizenApi, args: argparse.Namespace) -> int:
    directory = Path(args.directory)
    declared = read_directory(directory)  # every file checked before anything is sent
    result: Plan = plan(declared, live_schedules(api, {s.name for s in declared}), prune=args.prune)
    _say(f"Schedules in {directory} against {api.base_url}:")
    for line in render(result):
        _say(f"  {line}")
    _say(summary(result))
    if result.conflicts:
        for change in result.conflicts:
            _complain(f"error: {change.name}: {change.problem()}")
        _complain("nothing was changed")
        return USAGE
    if not result.pending:
        return OK
    if args.dry_run:
        _say("Dry run: nothing was changed.")
        return OK
    for done, change in enumerate(result.pending):
        try:
            _say(_carry_out(api, change))
        except ApiRefused as error:
            where = change.declared.path if change.declared else change.name
            _complain(f"error: {change.action.value} {change.name} ({where}):")
            for line in error.lines():
                _complain(f"  {line}")
            _complain(f"stopped: {done} of {len(result.pending)} change(s) applied")
            return REFUSED
    _say(f"Applied {len(result.pending)} change(s).")
    return OK


# --- one schedule at a time --------------------------------------------------------------


def cmd_list(api: KaizenApi, args: argparse.Namespace) -> int:
    views = api.get("/v1/schedules" + (f"?kind={quote(args.kind)}" if args.kind else ""))
    if args.json:
        _say(json.dumps(views, indent=2))
    elif not views:
        _say("No schedules.")
    else:
        for line in table_lines(views):
            _say(line)
    return OK


def cmd_describe(api: KaizenApi, args: argparse.Namespace) -> int:
    view = api.get(_path(args.name))
    if args.json:
        _say(json.dumps(view, indent=2))
    else:
        for line in describe_lines(view):
            _say(line)
    return OK


def cmd_pause(api: KaizenApi, args: argparse.Namespace) -> int:
    view = api.post(_path(args.name) + "/pause", {"note": args.note})
    _say(f"paused {args.name}: {view['note']}")
    return OK


def cmd_unpause(api: KaizenApi, args: argparse.Namespace) -> int:
    view = api.post(_path(args.name) + "/unpause", {"note": args.note})
    nexts = view.get("next_action_times") or []
    _say(f"unpaused {args.name}; next fire {when(nexts[0] if nexts else None)}")
    return OK


def cmd_trigger(api: KaizenApi, args: argparse.Namespace) -> int:
    api.post(_path(args.name) + "/trigger", {"overlap": args.overlap} if args.overlap else {})
    policy = f"overlap {args.overlap}" if args.overlap else "the schedule's overlap policy"
    _say(f"triggered {args.name} once ({policy})")
    return OK


def _instant(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise UsageError(f"{value!r} is not an ISO 8601 time, e.g. 2025-01-31T14:00:00Z") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _duration(value: str) -> timedelta:
    match = _DURATION.match(value)
    if match is None:
        raise UsageError(f"{value!r} is not a duration like 90m, 1h or 2d")
    return timedelta(**{_UNITS[match[2]]: int(match[1])})


def backfill_range(args: argparse.Namespace) -> tuple[datetime, datetime]:
    end = _instant(args.end) if args.end else datetime.now(UTC).replace(microsecond=0)
    if args.last and args.start:
        raise UsageError("give --start or --last, not both")
    if args.last:
        return end - _duration(args.last), end
    if not args.start:
        raise UsageError("give --start (and optionally --end), or --last")
    return _instant(args.start), end


def cmd_backfill(api: KaizenApi, args: argparse.Namespace) -> int:
    start, end = backfill_range(args)
    body = {"start_at": start.isoformat(), "end_at": end.isoformat(), "overlap": args.overlap}
    api.post(_path(args.name) + "/backfill", body)
    _say(
        f"backfilling {args.name}: the fires from {when(start.isoformat())} "
        f"to {when(end.isoformat())} (overlap {args.overlap})"
    )
    return OK


def cmd_delete(api: KaizenApi, args: argparse.Namespace) -> int:
    api.delete(_path(args.name))
    _say(f"deleted {args.name}; it fires nothing more (runs it started go on)")
    return OK


COMMANDS: Final[dict[str, Callable[[KaizenApi, argparse.Namespace], int]]] = {
    "apply": cmd_apply,
    "list": cmd_list,
    "describe": cmd_describe,
    "pause": cmd_pause,
    "unpause": cmd_unpause,
    "trigger": cmd_trigger,
    "backfill": cmd_backfill,
    "delete": cmd_delete,
}


def run(args: argparse.Namespace) -> int:
    """Run a ``kaizen schedules`` command; the exit code."""
    try:
        key = default_api_key()
    except ApiKeyMissing as error:
        _complain(f"error: {error}")
        return USAGE
    try:
        with KaizenApi(args.api or default_api_url(), key) as api:
            return COMMANDS[args.schedules_command](api, args)
    except ScheduleFilesInvalid as error:
        _complain("error: schedule files are invalid; nothing was sent:")
        for problem in error.problems:
            _complain(f"  {problem}")
        return USAGE
    except UsageError as error:
        _complain(f"error: {error}")
        return USAGE
    except ApiRefused as error:
        for line in error.lines():
            _complain(f"error: {line}" if not line.startswith(" ") else line)
        return REFUSED
    except ApiUnreachable as error:
        _complain(f"error: {error}")
        return REFUSED


def add_commands(commands: Any) -> None:
    """``kaizen schedules …`` on the root parser's subcommands."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--api",
        default="",
        help="API base URL (default: KAIZEN_API_URL, else http://KAIZEN_API_HOST:KAIZEN_API_PORT);"
        " the key is KAIZEN_API_KEY, else KAIZEN_HOME/admin.key",
    )
    schedules = commands.add_parser(
        "schedules", help="declarative schedules (apply DIR) and each schedule by hand"
    )
    sub = schedules.add_subparsers(dest="schedules_command", required=True)

    apply = sub.add_parser(
        "apply",
        parents=[common],
        help="make the schedules match DIR/*.toml: print the diff, then create/update/delete",
    )
    apply.add_argument("directory", metavar="DIR", help="directory of *.toml (or its schedules/)")
    apply.add_argument("--dry-run", action="store_true", help="print the diff, change nothing")
    apply.add_argument(
        "--prune", action="store_true", help="delete this tenant's schedules DIR does not declare"
    )

    listing = sub.add_parser("list", parents=[common], help="the tenant's schedules")
    listing.add_argument("--kind", default="", help="only schedules of this run kind")
    listing.add_argument("--json", action="store_true", help="the API's views as JSON")

    describe = sub.add_parser("describe", parents=[common], help="one schedule in full")
    describe.add_argument("name")
    describe.add_argument("--json", action="store_true", help="the API's view as JSON")

    for name, text in (("pause", "stop firing"), ("unpause", "fire again")):
        state = sub.add_parser(name, parents=[common], help=f"{text}, with a note saying why")
        state.add_argument("name")
        state.add_argument("--note", default="", help="shown in the Web UI too")

    trigger = sub.add_parser("trigger", parents=[common], help="fire once now")
    trigger.add_argument("name")
    trigger.add_argument("--overlap", choices=OVERLAPS, help="override for this fire only")

    backfill = sub.add_parser(
        "backfill", parents=[common], help="take the fires a past time range would have taken"
    )
    backfill.add_argument("name")
    backfill.add_argument("--start", help="ISO 8601 time (UTC unless it has an offset)")
    backfill.add_argument("--end", help="ISO 8601 time (default: now)")
    backfill.add_argument("--last", help="the range ending at --end (or now): 90m, 1h, 2d")
    backfill.add_argument("--overlap", choices=OVERLAPS, default="allow_all")

    delete = sub.add_parser("delete", parents=[common], help="delete a schedule (admin)")
    delete.add_argument("name")
