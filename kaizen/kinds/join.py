"""Join-or-start for every run kind: a trigger lands on the running run or starts the next.

The workflow id is the run's business key, so Temporal itself keeps one active
run per key. A trigger is one Signal-With-Start: Temporal delivers the signal
to the running run, or starts a run and delivers it there, atomically. There
is no moment in which the API has attached to a run that then closes before the
trigger reaches it (starting with ``USE_EXISTING`` and signalling afterwards
answered 404 for about one trigger in ten against a run that was finishing).

A signal that arrives while a run is completing is not lost either: Temporal
refuses the completion and hands the run a new task with the signal in it.

After a run ends, a kind may hold triggers back for a while (a backoff), so a
flapping alert cannot retry a fix in a tight loop. The id is then started with
``REJECT_DUPLICATE``; only when a closed run exists is it described, and the
kind decides whether that run holds the trigger back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from google.protobuf.message import Message
from temporalio.client import Client, WorkflowExecutionDescription, WorkflowExecutionStatus
from temporalio.common import TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from kaizen.contract.payload_size import check_payload_size
from kaizen.kinds.base import HoldsBack

Decision = Literal["started", "joined", "backoff"]


@dataclass(frozen=True)
class RunTrigger:
    """Everything needed to start a run of some kind, or hand its running run a trigger."""

    workflow: Callable[..., Awaitable[Any]]
    """The workflow's run method, e.g. ``HealingWorkflow.run``."""
    input: Message
    workflow_id: str
    """The business key: ``<kind>:<tenant>:<key>``."""
    task_queue: str
    signal: str
    """The name of the signal that carries a trigger, e.g. ``"alert"``."""
    notice: Message
    """The trigger itself: recorded on whichever run receives it."""
    execution_timeout: timedelta
    memo: dict[str, Any] = field(default_factory=dict)
    search_attributes: TypedSearchAttributes = TypedSearchAttributes.empty
    backoff: timedelta = timedelta(0)
    """How long after a run ends a trigger may be held back instead of starting another."""


@dataclass(frozen=True)
class Scheduled:
    decision: Decision
    workflow_id: str
    run_id: str
    closed: WorkflowExecutionDescription | None = None
    """For a backoff: the ended run that held the trigger back."""


async def join_or_start(
    client: Client, trigger: RunTrigger, *, payload_limit: int, holds_back: HoldsBack
) -> Scheduled:
    """Hand ``trigger`` to the running run of its key, hold it back, or start the next run."""
    # Before anything is sent: a payload the server would refuse is the caller's to shrink.
    for message in (trigger.input, trigger.notice):
        check_payload_size(client.data_converter, message, payload_limit)
    if trigger.backoff <= timedelta(0):
        return await _signal_with_start(client, trigger, WorkflowIDReusePolicy.ALLOW_DUPLICATE)
    try:
        return await _signal_with_start(client, trigger, WorkflowIDReusePolicy.REJECT_DUPLICATE)
    except WorkflowAlreadyStartedError:
        pass  # a run of this key has ended: does it hold this trigger back?
    try:
        described = await client.get_workflow_handle(trigger.workflow_id).describe()
    except RPCError as error:
        if error.status != RPCStatusCode.NOT_FOUND:
            raise
        described = None  # gone from retention since: nothing holds the trigger back
    if described is not None and await _in_backoff(client, described, trigger, holds_back):
        return Scheduled("backoff", trigger.workflow_id, described.run_id, closed=described)
    # A newer run may have started meanwhile; Signal-With-Start then simply joins it.
    return await _signal_with_start(client, trigger, WorkflowIDReusePolicy.ALLOW_DUPLICATE)


async def _in_backoff(
    client: Client,
    described: WorkflowExecutionDescription,
    trigger: RunTrigger,
    holds_back: HoldsBack,
) -> bool:
    if described.status == WorkflowExecutionStatus.RUNNING or described.close_time is None:
        return False  # started since the refusal; Signal-With-Start joins it
    if datetime.now(UTC) - described.close_time > trigger.backoff:
        return False
    return await holds_back(client, described)


async def _signal_with_start(
    client: Client, trigger: RunTrigger, reuse: WorkflowIDReusePolicy
) -> Scheduled:
    handle = await client.start_workflow(
        trigger.workflow,
        trigger.input,
        id=trigger.workflow_id,
        task_queue=trigger.task_queue,
        id_reuse_policy=reuse,
        execution_timeout=trigger.execution_timeout,
        memo=trigger.memo,
        search_attributes=trigger.search_attributes,
        start_signal=trigger.signal,
        start_signal_args=[trigger.notice],
    )
    # The SDK keeps the response: ``started`` is False when the signal joined a running run.
    response = getattr(handle, "_start_workflow_response", None)
    started = response is None or bool(getattr(response, "started", True))
    return Scheduled(
        "started" if started else "joined", trigger.workflow_id, handle.result_run_id or ""
    )
