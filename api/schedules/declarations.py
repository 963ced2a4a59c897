"""Schedules as declared (kind, input, spec, policies), read back from their change record."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from kaizen.persistence.schedule_changes import latest_declaration
from kaizen.settings import Settings


def declared(engine: Engine, settings: Settings, name: str) -> dict[str, Any]:
    """The declaration of ``name``; empty for a schedule Kaizen did not make."""
    with Session(engine) as session:
        found = latest_declaration(session, tenant=settings.tenant, schedule_id=name)
    return json.loads(found) if found else {}


def declared_kind(engine: Engine, settings: Settings, name: str) -> str:
    return str(declared(engine, settings, name).get("kind", ""))
