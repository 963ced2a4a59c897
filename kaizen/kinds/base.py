"""What a run kind declares: one entry of the registry."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from google.protobuf.message import Message
from pydantic import BaseModel
from temporalio.client import Client, WorkflowExecutionDescription
from temporalio.common import SearchAttributePair

from kaizen.settings import Settings


@dataclass(frozen=True)
class StartContext:
    """Who and what starts a run: the API caller, a schedule, a sweep."""

    settings: Settings
    requested_by: str
    source: str
    """"api", "alertmanager", "schedule:<id>", "sweep:<run>" …"""


# Whether an ended run (described) holds a new trigger back; kinds decide by outcome.
HoldsBack = Callable[[Client, WorkflowExecutionDescription], Awaitable[bool]]


async def never_holds_back(_client: Client, _described: WorkflowExecutionDescription) -> bool:
    return False


def no_backoff(_settings: Settings) -> timedelta:
    return timedelta(0)


@dataclass(frozen=True)
class RunKind:
    """One kind of run. Adding a kind is one of these plus its own slice (proto, workflow,
    activities, router, policy, tests)."""

    name: str
    """As in workflow ids, ``GET /v1/runs?kind=`` and schedules."""
    workflow: type
    """The ``@workflow.defn`` class; its ``run`` method starts it."""
    input_type: type[Message]
    result_type: type[Message]
    queue: str
    """The logical worker queue (``kaizen worker --queues``) its workflow runs on."""
    task_queue: Callable[[Settings], str]
    request_model: type[BaseModel]
    """The body its start endpoint (and a schedule's ``input``) takes."""
    build_input: Callable[[dict[str, Any], StartContext], Message]
    """A validated body as the workflow's input; raises ParameterError naming the field."""
    business_key: Callable[[Message], str]
    """What makes two runs the same run, after ``<kind>:<tenant>:``."""
    service: Callable[[Message], str]
    """The service the run is about (the KaizenService search attribute)."""
    trigger_signal: str
    """The signal that hands a trigger to the running run (Signal-With-Start)."""
    notice: Callable[[Message, StartContext], Message]
    """The trigger as that signal carries it."""
    execution_timeout: Callable[[Settings], timedelta]
    memo: Callable[[Message], dict[str, Any]] = field(default=lambda _m: {})
    extra_search_attributes: Callable[[Message], list[SearchAttributePair[Any]]] = field(
        default=lambda _m: []
    )
    scheduler_facts: Callable[[Message, Message], dict[str, str]] = field(default=lambda _m, _n: {})
    """Facts of a trigger kept with the scheduler's record of it (severity, alert status)."""
    backoff: Callable[[Settings], timedelta] = no_backoff
    holds_back: HoldsBack = never_holds_back
    schedulable: bool = True

    def workflow_id(self, tenant: str, message: Message) -> str:
        return f"{self.name}:{tenant}:{self.business_key(message)}"
