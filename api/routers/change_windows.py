"""Change windows opened and closed by operators."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, status
from sqlmodel import Session
from temporalio.client import Client

from api.deps import ClientDep, Operator, SessionDep, Viewer
from api.metrics import CHANGE_WINDOWS
from api.run_signals import signal_running_runs
from api.schemas import ChangeWindowCreate, ChangeWindowView
from kaizen.contract.json_codec import to_api
from kaizen.persistence import change_windows as store
from kaizen.v1.change_window_pb2 import ChangeWindowSignal

log = logging.getLogger("kaizen.api.change_windows")
router = APIRouter(prefix="/v1/change-windows", tags=["change windows"])


async def signal_runs(client: Client, signal: ChangeWindowSignal) -> int:
    """Wake the running runs in the window's scope. Best effort: runs re-check on a timer."""
    scope = signal.window.scope
    return await signal_running_runs(
        client, "change_window", signal, service=None if scope == "*" else scope
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ChangeWindowView)
async def open_change_window(
    body: ChangeWindowCreate,  # type: ignore[valid-type]
    principal: Operator,
    session: SessionDep,
    client: ClientDep,
) -> dict[str, Any]:
    """Open a window now for a service (or "*") and wake the runs waiting for one."""
    window = await asyncio.to_thread(
        _open,
        session,
        scope=body.scope,  # type: ignore[attr-defined]
        duration=timedelta(minutes=body.duration_minutes),  # type: ignore[attr-defined]
        reason=body.reason,  # type: ignore[attr-defined]
        opened_by=principal.name,
    )
    CHANGE_WINDOWS.labels("open").inc()
    message = window.to_message()
    signalled = await signal_runs(
        client,
        ChangeWindowSignal(
            action=ChangeWindowSignal.ACTION_OPEN, window=message, by=principal.name
        ),
    )
    log.info("window %s opened by %s; %d run(s) signalled", window.id, principal.name, signalled)
    return to_api(message)


def _open(session: Session, **fields: Any) -> store.OperatorWindow:
    window = store.open_window(session, **fields)
    session.commit()
    session.refresh(window)
    return window


@router.get("", response_model=list[ChangeWindowView])  # type: ignore[valid-type]
async def list_change_windows(
    _principal: Viewer,
    session: SessionDep,
    include_ended: Annotated[
        bool, Query(description="Also list closed and expired windows")
    ] = False,
) -> list[dict[str, Any]]:
    """Operator windows, newest first (open ones only unless include_ended)."""
    windows = await asyncio.to_thread(store.list_windows, session, include_ended=include_ended)
    return [to_api(w.to_message()) for w in windows]


@router.delete("/{window_id}", response_model=ChangeWindowView)
async def close_change_window(
    window_id: Annotated[str, Path(max_length=64)],
    principal: Operator,
    session: SessionDep,
    client: ClientDep,
) -> dict[str, Any]:
    """Close a window early; runs pause before their next mutating step."""
    window = await asyncio.to_thread(store.get_window, session, window_id)
    if window is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no change window {window_id!r}")
    if window.closed_at is not None:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"change window {window_id} is already closed"
        )
    store.close_window(session, window, closed_by=principal.name)
    await asyncio.to_thread(session.commit)
    session.refresh(window)
    CHANGE_WINDOWS.labels("close").inc()
    message = window.to_message()
    await signal_runs(
        client,
        ChangeWindowSignal(
            action=ChangeWindowSignal.ACTION_CLOSE, window=message, by=principal.name
        ),
    )
    return to_api(message)
