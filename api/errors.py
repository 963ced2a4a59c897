"""Errors as JSON that name the field or the reason; Temporal errors mapped by type."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.temporal_connection import TemporalUnavailable
from api.voting import VoteRefused
from kaizen.catalog.playbooks import ParameterError
from kaizen.contract.payload_size import PayloadTooLarge
from workflows.gates import approval

log = logging.getLogger("kaizen.api")

# Approval gate refusals by error type (never by message text).
VOTE_REFUSAL_STATUS = {
    approval.SELF_APPROVAL: status.HTTP_403_FORBIDDEN,
    approval.APPROVER_NOT_ALLOWED: status.HTTP_403_FORBIDDEN,
    approval.DUPLICATE_VOTE: status.HTTP_409_CONFLICT,
    approval.NOTHING_PENDING: status.HTTP_409_CONFLICT,
    approval.INVALID_VOTE: status.HTTP_422_UNPROCESSABLE_CONTENT,
}


def error_body(message: str, **extra: Any) -> dict[str, Any]:
    return {"error": message, **extra}


def _field_path(location: tuple[Any, ...]) -> str:
    parts = [str(p) for p in location if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or str(location[0] if location else "request")


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {"field": _field_path(tuple(err.get("loc", ()))), "message": err.get("msg", "invalid")}
        for err in exc.errors()
    ]
    summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content=error_body(f"invalid request: {summary}", problems=problems),
    )


async def _vote_refused(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, VoteRefused)
    return JSONResponse(
        status_code=VOTE_REFUSAL_STATUS.get(exc.reason, status.HTTP_409_CONFLICT),
        content=error_body(exc.message, reason=exc.reason, decision_id=exc.decision_id),
    )


async def _parameter_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ParameterError)
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content=error_body(
            f"invalid request: {exc.field}: {exc}",
            problems=[{"field": exc.field, "message": str(exc)}],
        ),
    )


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return JSONResponse(
        status_code=exc.status_code,
        content=error_body(str(exc.detail)),
        headers=getattr(exc, "headers", None),
    )


async def _update_failed(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, WorkflowUpdateFailedError)
    cause = exc.cause
    if isinstance(cause, ApplicationError) and cause.type in VOTE_REFUSAL_STATUS:
        return JSONResponse(
            status_code=VOTE_REFUSAL_STATUS[cause.type],
            content=error_body(cause.message, reason=cause.type),
        )
    log.error("update failed unexpectedly: %s", exc, exc_info=exc)
    return JSONResponse(status_code=500, content=error_body("the run refused the update"))


async def _rpc_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RPCError)
    if exc.status == RPCStatusCode.NOT_FOUND:
        return JSONResponse(status_code=404, content=error_body("no run with that id"))
    if exc.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
        return JSONResponse(status_code=503, content=error_body(f"Temporal unavailable: {exc}"))
    log.error("Temporal call failed: %s", exc, exc_info=exc)
    return JSONResponse(
        status_code=502, content=error_body(f"Temporal refused the call ({exc.status.name})")
    )


async def _payload_too_large(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PayloadTooLarge)
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content=error_body(
            f"invalid request: {exc.field}: {exc}",
            problems=[{"field": exc.field, "message": str(exc)}],
        ),
    )


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    # The traceback goes to the log; the client gets JSON like every other error, and
    # nothing of the internals.
    log.error("unexpected error: %s", exc, exc_info=exc)
    return JSONResponse(
        status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
        content=error_body("internal error; the API log has the details"),
    )


async def _temporal_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(status_code=503, content=error_body(str(exc)))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(ParameterError, _parameter_error)
    app.add_exception_handler(VoteRefused, _vote_refused)
    app.add_exception_handler(WorkflowUpdateFailedError, _update_failed)
    app.add_exception_handler(RPCError, _rpc_error)
    app.add_exception_handler(TemporalUnavailable, _temporal_unavailable)
    app.add_exception_handler(PayloadTooLarge, _payload_too_large)
    # Starlette's outermost layer uses this one for anything no other handler took.
    app.add_exception_handler(Exception, _unexpected)
