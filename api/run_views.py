"""Reading one run back from Temporal (describe, query, result); lists are in api.run_list."""

from __future__ import annotations

import asyncio
from typing import Any, Final

from temporalio.client import (
    Client,
    WorkflowExecution,
    WorkflowExecutionDescription,
    WorkflowExecutionStatus,
    WorkflowFailureError,
)
from temporalio.common import TypedSearchAttributes
from temporalio.service import RPCError

from kaizen.contract.json_codec import to_api
from kaizen.contract.timestamps import to_timestamp
from kaizen.kinds.registry import REGISTRY
from kaizen.settings import Settings
from kaizen.temporal.search_attributes import (
    KAIZEN_KIND,
    KAIZEN_PHASE,
    KAIZEN_RISK,
    KAIZEN_SERVICE,
    KAIZEN_TENANT,
)
from kaizen.v1.run_pb2 import RunRecord, RunStatus
from workflows.gates.governed import GovernedRun

STATUS_NAMES: Final = {
    WorkflowExecutionStatus.RUNNING: "running",
    WorkflowExecutionStatus.COMPLETED: "completed",
    WorkflowExecutionStatus.FAILED: "failed",
    WorkflowExecutionStatus.CANCELED: "cancelled",
    WorkflowExecutionStatus.TERMINATED: "terminated",
    WorkflowExecutionStatus.TIMED_OUT: "timed_out",
    WorkflowExecutionStatus.CONTINUED_AS_NEW: "running",
}
VISIBILITY_STATUS: Final = {
    "running": "Running",
    "completed": "Completed",
    "failed": "Failed",
    "cancelled": "Canceled",
    "terminated": "Terminated",
    "timed_out": "TimedOut",
}
RESULT_TYPES: Final[dict[str, type[Any]]] = {
    name: kind.result_type for name, kind in REGISTRY.items()
}
KINDS: Final = tuple(REGISTRY)

# A status query on a stuck worker must not hang the API.
QUERY_TIMEOUT_SECONDS: Final = 5.0


def web_ui_url(settings: Settings, workflow_id: str, run_id: str | None) -> str:
    base = f"http://{settings.temporal_host}:{settings.temporal_ui_port}"
    path = f"/namespaces/{settings.temporal_namespace}/workflows/{workflow_id}"
    return base + path + (f"/{run_id}/history" if run_id else "")


def summary_record(
    settings: Settings, execution: WorkflowExecution | WorkflowExecutionDescription
) -> RunRecord:
    attributes: TypedSearchAttributes = execution.typed_search_attributes
    record = RunRecord(
        id=execution.id,
        run_id=execution.run_id,
        kind=attributes.get(KAIZEN_KIND) or "",
        status=STATUS_NAMES.get(execution.status, "running") if execution.status else "running",
        phase=attributes.get(KAIZEN_PHASE) or "",
        service=attributes.get(KAIZEN_SERVICE) or "",
        tenant=attributes.get(KAIZEN_TENANT) or "",
        risk=attributes.get(KAIZEN_RISK) or "",
        web_ui_url=web_ui_url(settings, execution.id, execution.run_id),
    )
    if execution.start_time is not None:
        record.started_at.CopyFrom(to_timestamp(execution.start_time))
    if execution.close_time is not None:
        record.closed_at.CopyFrom(to_timestamp(execution.close_time))
    return record


async def detailed_record(settings: Settings, client: Client, run_id: str) -> RunRecord:
    """Everything about one run; a running run is queried, an ended one read from its result."""
    handle = client.get_workflow_handle(run_id)
    description = await handle.describe()
    record = summary_record(settings, description)
    memo = await description.memo()
    record.namespace = str(memo.get("namespace", ""))
    if record.status == "running":
        try:
            status: RunStatus = await asyncio.wait_for(
                handle.query(GovernedRun.status), QUERY_TIMEOUT_SECONDS
            )
        except (TimeoutError, RPCError):
            # No worker answered in time; the visibility fields above still hold.
            return record
        _merge_status(record, status)
        return record
    if record.status == "completed":
        result_type = RESULT_TYPES.get(record.kind)
        if result_type is not None:
            typed = client.get_workflow_handle(
                run_id, run_id=description.run_id, result_type=result_type
            )
            result = await typed.result()
            shown = to_api(result)
            shown.pop("events", None)
            record.result.update(shown)
            record.events.extend(result.events)
    elif record.status == "failed":
        try:
            await handle.result()
        except WorkflowFailureError as failure:
            record.error = str(failure.cause or failure)
    return record


def _merge_status(record: RunRecord, status: RunStatus) -> None:
    record.phase = status.phase or record.phase
    record.namespace = status.namespace or record.namespace
    record.risk = status.risk or record.risk
    if status.HasField("pending_approval"):
        record.pending_approval.CopyFrom(status.pending_approval)
    record.steps_done.extend(status.steps_done)
    record.events.extend(status.events)
