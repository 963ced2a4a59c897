"""The runs list: one visibility query, each row turned straight into the API's JSON.

Dashboards poll ``GET /v1/runs`` for 100 runs at a time, many callers at once, so the
list skips what the single view can afford (bench/PROFILE.md, section 5):

- the SDK's ``WorkflowExecution`` per row, which decodes every search attribute twice
  (untyped and typed) and the whole memo; the list reads five keywords and two memo keys;
- a ``RunRecord`` per row, ``to_api`` over it, and the response model validating the
  result again: rows start from the response model's own empty record, so the shape
  is the contract's and is built once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from google.protobuf.json_format import ParseDict
from google.protobuf.timestamp_pb2 import Timestamp
from pydantic_core import from_json
from temporalio.api.common.v1 import Payload
from temporalio.api.workflow.v1 import WorkflowExecutionInfo
from temporalio.api.workflowservice.v1 import ListWorkflowExecutionsRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeKey

from api.run_views import STATUS_NAMES, VISIBILITY_STATUS, web_ui_url
from api.schemas import ApprovalStateView, RunView
from kaizen.contract.json_codec import to_api
from kaizen.settings import Settings
from kaizen.temporal.search_attributes import (
    KAIZEN_KIND,
    KAIZEN_PHASE,
    KAIZEN_RISK,
    KAIZEN_SERVICE,
    KAIZEN_TENANT,
)
from kaizen.v1.approval_pb2 import ApprovalState
from kaizen.v1.run_pb2 import RunRecord
from workflows.gates.governed import PENDING_APPROVAL_MEMO

# Every field of a run as the API shows it, defaults included. Lists are tuples so rows
# can share them; they serialize as JSON arrays all the same.
EMPTY_ROW: Final[Mapping[str, Any]] = {
    name: tuple(value) if isinstance(value, list) else value
    for name, value in RunView.model_validate(to_api(RunRecord())).model_dump(mode="json").items()
}
KEYWORDS: Final[Mapping[str, SearchAttributeKey[str]]] = {
    "kind": KAIZEN_KIND,
    "phase": KAIZEN_PHASE,
    "service": KAIZEN_SERVICE,
    "tenant": KAIZEN_TENANT,
    "risk": KAIZEN_RISK,
}
STATUS_BY_NUMBER: Final[Mapping[int, str]] = {int(k): v for k, v in STATUS_NAMES.items()}
NAMESPACE_MEMO: Final = "namespace"
# The memo keys a list shows; the rest of the memo is never decoded.
MEMO_KEYS: Final = (NAMESPACE_MEMO, PENDING_APPROVAL_MEMO)
MAX_PAGE_SIZE: Final = 1000


def list_query(
    *,
    kind: str | None,
    status: str | None,
    service: str | None,
    schedule_id: str | None = None,
) -> str:
    clauses = ["KaizenKind IS NOT NULL"]
    if schedule_id:
        # Temporal stamps every run a schedule starts with the schedule's id.
        clauses.append(f"TemporalScheduledById = '{schedule_id}'")
    if kind:
        clauses.append(f"KaizenKind = '{kind}'")
    if status:
        clauses.append(f"ExecutionStatus = '{VISIBILITY_STATUS[status]}'")
    if service:
        clauses.append(f"KaizenService = '{service}'")
    return " AND ".join(clauses)


async def list_rows(
    client: Client, settings: Settings, query: str, limit: int
) -> list[dict[str, Any]]:
    """Up to ``limit`` runs matching ``query``, newest first, each as the API shows it."""
    infos: list[WorkflowExecutionInfo] = []
    token = b""
    while len(infos) < limit:
        page = await client.workflow_service.list_workflow_executions(
            ListWorkflowExecutionsRequest(
                namespace=client.namespace,
                query=query,
                page_size=min(limit - len(infos), MAX_PAGE_SIZE),
                next_page_token=token,
            ),
            retry=True,
        )
        infos.extend(page.executions[: limit - len(infos)])
        token = page.next_page_token
        if not token:
            break
    memos = await _memos(client, infos)
    return [_row(settings, info, memo) for info, memo in zip(infos, memos, strict=True)]


async def _memos(client: Client, infos: Sequence[WorkflowExecutionInfo]) -> list[dict[str, Any]]:
    """The memo keys the list shows, decoded for the whole page at once by the client's
    data converter (so a payload codec, if one is configured, still applies)."""
    wanted = [
        [(key, info.memo.fields[key]) for key in MEMO_KEYS if key in info.memo.fields]
        for info in infos
    ]
    payloads: list[Payload] = [payload for fields in wanted for _, payload in fields]
    values = iter(await client.data_converter.decode(payloads) if payloads else [])
    return [{key: next(values) for key, _ in fields} for fields in wanted]


def _row(
    settings: Settings, info: WorkflowExecutionInfo, memo: Mapping[str, Any]
) -> dict[str, Any]:
    workflow_id, run_id = info.execution.workflow_id, info.execution.run_id
    status = STATUS_BY_NUMBER.get(info.status, "running")
    fields = info.search_attributes.indexed_fields
    row = {
        **EMPTY_ROW,
        "id": workflow_id,
        "run_id": run_id,
        "status": status,
        **{name: _keyword(fields.get(key.name)) for name, key in KEYWORDS.items()},
        "namespace": str(memo.get(NAMESPACE_MEMO, "")),
        "web_ui_url": web_ui_url(settings, workflow_id, run_id),
    }
    if info.HasField("start_time"):
        row["started_at"] = _rfc3339(info.start_time)
    if info.HasField("close_time"):
        row["closed_at"] = _rfc3339(info.close_time)
    pending = memo.get(PENDING_APPROVAL_MEMO)
    if status == "running" and isinstance(pending, dict):
        # Rare (only runs waiting at a gate), so it takes the contract's general path.
        state = ParseDict(pending, ApprovalState(), ignore_unknown_fields=True)
        row["pending_approval"] = ApprovalStateView.model_validate(to_api(state)).model_dump(
            mode="json"
        )
    return row


def _keyword(payload: Payload | None) -> str:
    if payload is None:
        return ""
    # Search attribute values are always plain JSON (never through a payload codec).
    value = from_json(payload.data)
    if isinstance(value, list):  # a keyword set as a one-item list, as old SDKs did
        value = value[0] if len(value) == 1 else None
    return value if isinstance(value, str) else ""


def _rfc3339(stamp: Timestamp) -> str:
    """As the response model writes a datetime: microseconds, shown when not zero."""
    return str(stamp.ToDatetime().isoformat()) + "Z"
