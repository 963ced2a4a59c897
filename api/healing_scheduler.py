"""Healing triggers from the API and the Alertmanager webhook, on the shared start path.

The rule (one mutating run per workload, backoff only after a run that acted) is
the healing kind's: kaizen/kinds/healing.py.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine
from temporalio.client import Client

from api.run_starts import Started, start_run
from kaizen.kinds.base import StartContext
from kaizen.kinds.healing import HEALING, prepare_request, severity_name
from kaizen.settings import Settings
from kaizen.v1.healing_pb2 import AlertNotice, HealingRequest

__all__ = ["Started", "healing_workflow_id", "severity_name", "start_or_join"]


def healing_workflow_id(request: HealingRequest) -> str:
    """The business key: one active run per tenant and workload."""
    return HEALING.workflow_id(request.tenant, request)


async def start_or_join(
    client: Client,
    settings: Settings,
    engine: Engine,
    request: HealingRequest,
    *,
    notice: AlertNotice,
) -> Started:
    """Start the run for ``request``'s workload, hand ``notice`` to the running one, or hold
    it back after a run that acted; ``notice`` is recorded on whichever run receives it."""
    context = StartContext(
        settings=settings,
        requested_by=request.requested_by,
        source=request.source or "api",
    )
    prepare_request(request, context)
    return await start_run(
        client, engine, HEALING, request, context, namespace=request.namespace, notice=notice
    )
