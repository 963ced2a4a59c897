"""Waking the promotions that wait at their gate for a build's evidence.

Best effort by design, like every run signal: the gate re-evaluates on its own
before its deadline, so a promotion this misses (visibility lags) is woken later.
"""

from __future__ import annotations

import logging

from temporalio.client import Client

from kaizen.v1.promotion_pb2 import EvidenceNotice

log = logging.getLogger("kaizen.api.evidence")

EVIDENCE_SIGNAL = "evidence_added"


async def wake_promotions(client: Client, service: str, notice: EvidenceNotice) -> int:
    """Signal every running promotion of ``service``; each ignores other builds' evidence."""
    query = (
        f"ExecutionStatus = 'Running' AND KaizenKind = 'promotion' AND KaizenService = '{service}'"
    )
    woken = 0
    async for execution in client.list_workflows(query):
        handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
        try:
            await handle.signal(EVIDENCE_SIGNAL, notice)
            woken += 1
        except Exception as error:  # a run that just ended is not an error here
            log.info("could not tell %s of new evidence: %s", execution.id, error)
    return woken
