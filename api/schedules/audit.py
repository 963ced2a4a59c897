"""Schedules whose input no longer validates are paused with a note, not left to fail.

What a schedule starts was valid when it was created; a later catalog or contract
change can make it invalid (a playbook removed, a bound tightened). Every fire
would then start a run that fails. When the API starts, each of the tenant's
schedules is validated again as its kind's start endpoint would, and an invalid
one is paused with a note that says why and recorded as ``auto_paused``.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi.exceptions import RequestValidationError
from sqlalchemy.engine import Engine
from temporalio.client import Client

from api.schedules.declarations import declared
from api.schedules.temporal import name_of, validated_input
from kaizen.catalog.playbooks import ParameterError
from kaizen.kinds.base import StartContext
from kaizen.kinds.registry import UnknownKind, run_kind
from kaizen.persistence.db import session_scope
from kaizen.persistence.schedule_changes import record_change
from kaizen.settings import Settings

log = logging.getLogger("kaizen.api.schedules")
AUDITOR = "kaizen"


async def pause_invalid_schedules(client: Client, engine: Engine, settings: Settings) -> list[str]:
    """Pause every schedule of the tenant whose input no longer validates; their names."""
    paused: list[str] = []
    async for listed in await client.list_schedules():
        name = name_of(settings, listed.id)
        if name is None or (listed.schedule is not None and listed.schedule.state.paused):
            continue
        found = await asyncio.to_thread(declared, engine, settings, name)
        if not found:
            continue  # not made through Kaizen: nothing to validate it against
        problem = _problem(found, settings, name)
        if problem is None:
            continue
        note = f"paused by Kaizen: its input no longer validates ({problem})"[:500]
        await client.get_schedule_handle(listed.id).pause(note=note)
        await asyncio.to_thread(_record, engine, settings, name, note)
        log.warning("schedule %s %s", name, note)
        paused.append(name)
    return paused


def _problem(found: dict[str, object], settings: Settings, name: str) -> str | None:
    context = StartContext(settings=settings, requested_by=AUDITOR, source=f"schedule:{name}")
    try:
        kind = run_kind(str(found.get("kind", "")))
        raw = found.get("input")
        validated_input(kind, raw if isinstance(raw, dict) else {}, context)
    except UnknownKind as error:
        return f"kind: {error}"
    except ParameterError as error:
        return f"{error.field}: {error}"
    except RequestValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return f"{field}: {first.get('msg', 'invalid')}"
    return None


def _record(engine: Engine, settings: Settings, name: str, note: str) -> None:
    with session_scope(engine) as session:
        record_change(
            session, tenant=settings.tenant, schedule_id=name, action="auto_paused",
            principal=AUDITOR, detail=note,
        )  # fmt: skip
