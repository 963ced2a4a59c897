"""Waking running runs of every kind with a signal, e.g. when a window opens or a freeze lifts.

Best effort by design: the gates re-check on a timer and an activity's answer is the
truth, so a run this misses (it just ended, or visibility lags) is at worst woken later.
"""

from __future__ import annotations

import logging
from typing import Any

from temporalio.client import Client

log = logging.getLogger("kaizen.api.signals")


async def signal_running_runs(
    client: Client, signal: str, argument: Any, *, service: str | None = None
) -> int:
    """Send ``signal`` to every running run (of ``service`` when given); how many got it."""
    query = "ExecutionStatus = 'Running' AND KaizenKind IS NOT NULL"
    if service is not None:
        query += f" AND KaizenService = '{service}'"
    signalled = 0
    async for execution in client.list_workflows(query):
        handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
        try:
            await handle.signal(signal, argument)
            signalled += 1
        except Exception as error:  # a run that just ended is not an error here
            log.info("could not signal %s: %s", execution.id, error)
    return signalled
