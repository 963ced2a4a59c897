"""Fleets declared in files, loaded and reconciled when the API starts.

A wrong file stops the API at once, naming the file and the field (as a wrong
``environments/*.toml`` does), instead of leaving the fleet half registered.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.engine import Engine

from kaizen.catalog.policy_fleets import load_fleets
from kaizen.persistence.db import session_scope
from kaizen.persistence.policy_fleet_files import Reconciled, reconcile
from kaizen.settings import Settings

log = logging.getLogger("kaizen.api.fleet_files")


async def reconcile_fleet_files(engine: Engine, settings: Settings) -> Reconciled | None:
    """Register what ``KAIZEN_POLICY_FLEETS_DIR`` declares; None when it is unset."""
    directory = settings.policy_fleets_dir
    if directory is None:
        return None
    fleets = load_fleets(directory)

    def write() -> Reconciled:
        with session_scope(engine) as session:
            return reconcile(session, settings.tenant, fleets)

    done = await asyncio.to_thread(write)
    log.info(
        "fleet files in %s: %d fleets; added %s, updated %s, removed %s",
        directory, len(fleets), done.added or "none", done.updated or "none",
        done.removed or "none",
    )  # fmt: skip
    return done
