"""Healing modes as OPA policy data, pushed from Kaizen's database.

The database is the durable record; OPA's copy is what policy reads. Data
pushed through OPA's API is lost when OPA restarts, so the push is idempotent
and happens whenever a mode changes, when the API starts, and whenever a
policy decision reports the map missing.
"""

from __future__ import annotations

import asyncio
from typing import Final

from sqlalchemy.engine import Engine

from activities.opa.client import PolicyClient
from kaizen.persistence.db import session_scope
from kaizen.persistence.healing_modes import all_modes, as_policy_data

MODES_DATA_PATH: Final = "kaizen/healing_modes"


async def push_modes(policy: PolicyClient, engine: Engine) -> dict[str, str]:
    """Write every stored mode to OPA; return what was written."""
    modes = await asyncio.to_thread(_read, engine)
    await policy.put_data(MODES_DATA_PATH, modes)
    return modes


def _read(engine: Engine) -> dict[str, str]:
    with session_scope(engine) as session:
        return as_policy_data(all_modes(session))
