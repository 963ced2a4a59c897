"""The backlog batch: resolved incidents without an RCA get one; those with one are left."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from temporalio.client import Client, WorkflowExecutionStatus

from kaizen.kinds.base import StartContext
from kaizen.kinds.rca_backlog import RCA_BACKLOG
from kaizen.persistence.alert_deliveries import (
    AlertDelivery,
    AlertOutcome,
    Retention,
    record_delivery,
)
from kaizen.persistence.db import session_scope
from kaizen.settings import Settings
from kaizen.v1.rca_pb2 import RcaBacklogResult
from tests.conftest import run_worker
from workflows.rca.backlog import RcaBacklogWorkflow


def incident(engine: Engine, service: str, fingerprint: str) -> None:
    """An alert that fired and resolved, as the webhook records it."""
    for status, ago in (("firing", 20), ("resolved", 5)):
        with session_scope(engine) as session:
            record_delivery(
                session,
                AlertDelivery(tenant="default", status=status, result="accepted",
                              received_at=datetime.now(UTC) - timedelta(minutes=ago)),
                [AlertOutcome(delivery_id=0, position=0, fingerprint=fingerprint,
                              alertname="HighErrorRate", status=status, action="recorded",
                              namespace="shop", workload=service)],
                Retention(days=7, alerts=50_000),
            )  # fmt: skip


async def test_the_backlog_starts_the_missing_rcas(
    settings: Settings, engine: Engine, client: Client
) -> None:
    services = [f"svc-{uuid.uuid4().hex[:6]}" for _ in range(3)]
    for service in services:
        incident(engine, service, uuid.uuid4().hex[:16])
    context = StartContext(settings=settings, requested_by="scheduler", source="schedule:test")
    request = RCA_BACKLOG.build_input({"max_concurrent": 2}, context)
    async with run_worker(settings):
        first: RcaBacklogResult = await client.execute_workflow(
            RcaBacklogWorkflow.run, request, id=f"rca_backlog:{uuid.uuid4().hex[:6]}",
            task_queue=settings.rca_task_queue,
        )  # fmt: skip
        assert (first.found, first.started, first.already) == (3, 3, 0)
        assert all(i.startswith("rca:default:shop:svc-") for i in first.rca_ids)
        # Until the RCAs have written their drafts they may be found again: then they are
        # counted as already started, never started twice.
        again: RcaBacklogResult = await client.execute_workflow(
            RcaBacklogWorkflow.run, request, id=f"rca_backlog:{uuid.uuid4().hex[:6]}",
            task_queue=settings.rca_task_queue,
        )  # fmt: skip
        assert again.started == 0 and again.already == again.found
        for rca_id in first.rca_ids:
            handle = client.get_workflow_handle(rca_id)
            if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
                await handle.terminate("test over")
