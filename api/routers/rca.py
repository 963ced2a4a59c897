"""RCA runs and the RCAs they draft: start, read (JSON or Markdown), search, review."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any, Final, NoReturn

from fastapi import APIRouter, Header, HTTPException, Path, Query, Request, status
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from google.protobuf.message import Message
from sqlalchemy.engine import Engine
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.deps import Approver, ClientDep, EngineDep, Operator, SettingsDep, Viewer
from api.rca.markdown import render
from api.rca.models import RcaApprovalBody, RcaChangesBody, RcaCommentBody, RcaEditBody
from api.rca.starts import fill_from_alert, fill_from_healing_run, start_rca
from api.schemas import RunView
from api.voting import cast_vote
from kaizen.contract.json_codec import to_api
from kaizen.kinds.base import StartContext
from kaizen.kinds.rca import RCA, RcaRunCreate
from kaizen.persistence.db import session_scope
from kaizen.persistence.rca import RcaRow, get_record, list_records, similar
from kaizen.v1.approval_pb2 import APPROVAL_DECISION_APPROVE, ApprovalVote
from kaizen.v1.rca_pb2 import (
    RcaChangeRequest,
    RcaComment,
    RcaDocument,
    RcaEdit,
    RcaRating,
    RcaResult,
    RcaReview,
)
from workflows.rca import review as refusals
from workflows.rca.workflow import RcaWorkflow

runs_router = APIRouter(prefix="/v1/rca-runs", tags=["rca"])
router = APIRouter(prefix="/v1/rcas", tags=["rca"])

RcaId = Annotated[
    str, Path(min_length=5, max_length=400, pattern=r"^rca:[^/]+$", description="The RCA's id")
]
QUERY_TIMEOUT_SECONDS: Final = 5.0
REFUSAL_STATUS: Final = {
    refusals.NOT_A_REVIEWER: status.HTTP_403_FORBIDDEN,
    refusals.NOT_IN_REVIEW: status.HTTP_409_CONFLICT,
    refusals.RCA_FINAL: status.HTTP_409_CONFLICT,
    refusals.VERSION_CONFLICT: status.HTTP_409_CONFLICT,
    refusals.UNKNOWN_SECTION: status.HTTP_422_UNPROCESSABLE_CONTENT,
    refusals.INVALID_REVIEW: status.HTTP_422_UNPROCESSABLE_CONTENT,
}


@runs_router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=RunView)
async def start_rca_run(
    body: RcaRunCreate,  # type: ignore[valid-type]
    principal: Operator,
    client: ClientDep,
    settings: SettingsDep,
    engine: EngineDep,
) -> dict[str, Any]:
    """Start the RCA of an incident (a time window, an alert or a healing run; optionally
    an inline evidence bundle), or answer with the one it already has."""
    fields = body.model_dump(exclude_none=True, mode="json")  # type: ignore[attr-defined]
    if "window_start" not in fields:
        if fields.get("alert_fingerprint"):
            await asyncio.to_thread(fill_from_alert, engine, settings.tenant, fields)
        elif fields.get("healing_run"):
            await fill_from_healing_run(client, fields)
    context = StartContext(settings=settings, requested_by=principal.name, source="api")
    request = RCA.build_input(fields, context)  # ParameterError names the field (422)
    started = await start_rca(client, request, context)  # type: ignore[arg-type]
    return to_api(started.record)


def _summary(row: RcaRow) -> dict[str, Any]:
    return {
        "id": row.id, "title": row.title, "service": row.service, "namespace": row.namespace,
        "incident_key": row.incident_key, "status": row.status, "severity": row.severity,
        "category": row.category, "confidence": row.confidence, "analyzer": row.analyzer,
        "version": row.version, "escalations": row.escalations,
        "created_at": row.created_at.isoformat(),
        "final_at": row.final_at.isoformat() if row.final_at else None,
    }  # fmt: skip


@router.get("")
def list_rcas(
    _principal: Viewer,
    engine: EngineDep,
    settings: SettingsDep,
    status_: Annotated[
        str | None,
        Query(alias="status", pattern=r"^(draft|in_review|changes_requested|final|abandoned)$"),
    ] = None,
    service: Annotated[str | None, Query(pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")] = None,
    category: Annotated[str | None, Query(pattern=r"^[a-z_]{1,40}$")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Full-text search")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[dict[str, Any]]:
    """RCAs, newest first, filtered by status, service and cause, or searched."""
    with session_scope(engine) as session:
        rows = list_records(
            session, settings.tenant, status=status_, service=service, category=category,
            search=q, limit=limit,
        )  # fmt: skip
        return [_summary(r) for r in rows]


async def _current(
    client: Client, engine: Engine, tenant: str, rca_id: str
) -> tuple[RcaDocument, RcaReview]:
    """A running RCA as its run holds it now; an ended one (or an unreachable run) as the
    database last recorded it."""
    handle = client.get_workflow_handle(rca_id)
    try:
        described = await handle.describe()
        if described.status == WorkflowExecutionStatus.RUNNING:
            result: RcaResult = await asyncio.wait_for(
                handle.query(RcaWorkflow.rca), QUERY_TIMEOUT_SECONDS
            )
            if result.document.version > 0:
                return result.document, result.review
    except (TimeoutError, RPCError):
        pass
    row = await asyncio.to_thread(_row, engine, tenant, rca_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no RCA {rca_id} (yet)")
    return row


def _row(engine: Engine, tenant: str, rca_id: str) -> tuple[RcaDocument, RcaReview] | None:
    with session_scope(engine) as session:
        row = get_record(session, tenant, rca_id)
        return None if row is None else (row.document(), row.review())


@router.get(
    "/{rca_id}",
    responses={200: {"content": {"text/markdown": {}}, "description": "The RCA"}},
)
async def get_rca(
    rca_id: RcaId,
    _principal: Viewer,
    client: ClientDep,
    engine: EngineDep,
    settings: SettingsDep,
    accept: Annotated[str | None, Header(max_length=500)] = None,
) -> Response:
    """One RCA: the document, its evidence and its review; Markdown with
    ``Accept: text/markdown``."""
    document, review = await _current(client, engine, settings.tenant, rca_id)
    if accept and "text/markdown" in accept:
        return PlainTextResponse(render(document, review), media_type="text/markdown")
    return JSONResponse(
        {
            "id": rca_id,
            "status": document.status,
            "document": to_api(document),
            "review": to_api(review),
        }  # fmt: skip
    )


@router.get("/{rca_id}/similar")
async def similar_rcas(
    rca_id: RcaId,
    _principal: Viewer,
    client: ClientDep,
    engine: EngineDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=20)] = 3,
) -> dict[str, Any]:
    """Past incidents that look like this one (bm25), with scores and the terms matched."""
    document, _review = await _current(client, engine, settings.tenant, rca_id)

    def search() -> list[dict[str, Any]]:
        with session_scope(engine) as session:
            found = similar(session, settings.tenant, document, exclude=rca_id, limit=limit)
            return [to_api(s) for s in found]

    return {"id": rca_id, "similar": await asyncio.to_thread(search)}


async def _require_running(handle: WorkflowHandle[Any, Any]) -> None:
    if (await handle.describe()).status != WorkflowExecutionStatus.RUNNING:
        raise HTTPException(status.HTTP_409_CONFLICT, f"RCA {handle.id} has ended: it is final")


async def _ended_meanwhile(handle: WorkflowHandle[Any, Any], error: RPCError) -> NoReturn:
    """An Update that reached a run just as it completed is refused as not found: the RCA
    exists and has ended, which is a 409, not a 404."""
    if error.status == RPCStatusCode.NOT_FOUND:
        await _require_running(handle)
    raise error


async def _update(client: Client, rca_id: str, update: Any, message: Message) -> dict[str, Any]:
    handle = client.get_workflow_handle(rca_id)
    await _require_running(handle)
    try:
        review: RcaReview = await handle.execute_update(update, message)
    except WorkflowUpdateFailedError as error:
        cause = error.cause
        if isinstance(cause, ApplicationError) and cause.type in REFUSAL_STATUS:
            raise HTTPException(REFUSAL_STATUS[cause.type], cause.message) from error
        raise
    except RPCError as error:
        await _ended_meanwhile(handle, error)
    return to_api(review)


@router.post("/{rca_id}/edits")
async def edit_rca(
    rca_id: RcaId, body: RcaEditBody, principal: Approver, client: ClientDep
) -> dict[str, Any]:
    """Replace a section's text (reviewers only; made against the current version)."""
    edit = RcaEdit(
        section=body.section, text=body.text, base_version=body.base_version,
        editor=principal.name,
    )  # fmt: skip
    return await _update(client, rca_id, RcaWorkflow.edit_section, edit)


@router.post("/{rca_id}/comments")
async def comment_rca(
    rca_id: RcaId, body: RcaCommentBody, principal: Approver, client: ClientDep
) -> dict[str, Any]:
    """Comment on the draft or a section (reviewers only)."""
    comment = RcaComment(section=body.section, text=body.text, author=principal.name)
    return await _update(client, rca_id, RcaWorkflow.comment, comment)


@router.post("/{rca_id}/changes-requested")
async def request_changes(
    rca_id: RcaId, body: RcaChangesBody, principal: Approver, client: ClientDep
) -> dict[str, Any]:
    """Ask for changes; approvals wait until an edit answers them (reviewers only)."""
    asked = RcaChangeRequest(reviewer=principal.name, reason=body.reason)
    return await _update(client, rca_id, RcaWorkflow.request_changes, asked)


@router.post("/{rca_id}/approvals")
async def approve_rca(
    rca_id: RcaId,
    body: RcaApprovalBody,
    principal: Approver,
    client: ClientDep,
    request: Request,
    idempotency_key: Annotated[
        str | None,
        Header(max_length=200, description="Retry-safe vote id; a repeated key counts once"),
    ] = None,
) -> dict[str, Any]:
    """Approve the RCA (N of M reviewers); the last approval makes it final, once. A vote
    on a final RCA is refused (409)."""
    if body.rating is not None:
        rating = RcaRating(reviewer=principal.name, score=body.rating, note=body.comment)
        await _update(client, rca_id, RcaWorkflow.rate, rating)
    handle = client.get_workflow_handle(rca_id)
    if body.rating is None:
        await _require_running(handle)
    vote = ApprovalVote(
        decision=APPROVAL_DECISION_APPROVE, comment=body.comment, source="api",
        vote_id=idempotency_key or f"api-{uuid.uuid4()}",
    )  # fmt: skip
    try:
        counted = await cast_vote(
            client, request.app.state.policy, run_id=rca_id, principal=principal, vote=vote
        )
    except RPCError as error:
        await _ended_meanwhile(handle, error)
    return to_api(counted.state)
