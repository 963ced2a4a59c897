"""The GASI kinds: a tournament of blue candidates against red adversaries (workflows/gasi/).

One tournament per arena and name: the business key is ``<arena>:<name>``, and the
workflow id is the tournament's key in the hall of fame, so a second start while it
plays joins it, and a later start (a schedule) resumes from its last champion. Adopting a
champion is a kind of its own (gasi_adoption): an approval, then a file and its diff.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final, Literal

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from pydantic import BaseModel, ConfigDict, Field, create_model
from sqlmodel import Session

from kaizen.catalog.playbooks import ParameterError
from kaizen.contract.json_codec import from_api
from kaizen.gasi.arena import TakesProposals, arena, arena_names
from kaizen.kinds.base import RunKind, StartContext
from kaizen.persistence import gasi_hall_of_fame as hall_of_fame
from kaizen.persistence.db import make_engine
from kaizen.v1.common_pb2 import RunLimits
from kaizen.v1.gasi_pb2 import (
    GasiAdoptionRequest,
    GasiAdoptionResult,
    GasiBudgets,
    GasiConfig,
    GasiRunRequest,
    GasiRunResult,
    GasiTrigger,
)
from workflows.gasi.adoption import ADOPTION_KIND, GasiAdoptionWorkflow
from workflows.gasi.workflow import KIND, GasiWorkflow

NAME_PATTERN: Final = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
# A tournament continues as new every generation; this bounds the whole chain. An endless
# tournament is a schedule that starts it again: it resumes from the hall of fame.
EXECUTION_TIMEOUT: Final = timedelta(days=30)

# (minimum, maximum, description) of every config and budget field; a field the contract
# adds without a bound here fails the kind's test.
CONFIG_BOUNDS: Final[dict[str, tuple[int, int, str]]] = {
    "pool_size": (2, 64, "Blue candidates per generation, the champion included (default 6)"),
    "adversaries_per_generation": (1, 64, "Adversaries forged per generation (default 4)"),
    "generations": (0, 1_000_000, "Generations to play; 0 plays until stopped or out of budget"),
    "seed": (0, 2**62, "Seed of every random choice (same seed, same tournament)"),
    "hall_of_fame_sample": (0, 10_000, "Archived adversaries every candidate meets (0: all)"),
    "parallelism": (1, 8, "Engine calls in flight at once (default 1)"),
    "batch_size": (1, 1000, "Test cases (adversaries) per engine call (default 50)"),
    "generation_timeout_seconds": (10, 86_400, "Watchdog of one generation (default 1800)"),
    "forge_attempts": (1, 1000, "Proposals the forge tries per generation (default 24)"),
    "initial_adversaries": (1, 500, "Random adversaries a new tournament opens with (default 12)"),
    "generations_per_run": (1, 50, "Generations per workflow run before continuing as new"),
}
BUDGET_BOUNDS: Final[dict[str, tuple[int, int, str]]] = {
    "evaluations": (0, 10**12, "Candidate x adversary evaluations (0: unlimited)"),
    "llm_tokens": (0, 10**12, "LLM tokens the LLM forge may spend (0: unlimited)"),
}


def _bounded_model(
    name: str, message: type[Message], bounds: dict[str, tuple[int, int, str]], **nested: Any
) -> type[BaseModel]:
    """A strict body model of a message's integer fields with bounds (extra fields refused)."""
    fields: dict[str, Any] = {}
    for field in message.DESCRIPTOR.fields:
        if field.name in nested:
            fields[field.name] = (nested[field.name] | None, Field(default=None))
            continue
        assert field.type in (FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_INT64)
        low, high, description = bounds[field.name]
        fields[field.name] = (int | None, Field(default=None, ge=low, le=high,
                                                description=description))  # fmt: skip
    return create_model(name, __config__=ConfigDict(extra="forbid"), **fields)


GasiBudgetsCreate = _bounded_model("GasiBudgetsCreate", GasiBudgets, BUDGET_BOUNDS)
GasiConfigCreate = _bounded_model(
    "GasiConfigCreate", GasiConfig, CONFIG_BOUNDS, budgets=GasiBudgetsCreate,
    on_budget_exhausted=Literal["end", "pause"], llm_forge=bool,
)  # fmt: skip
# Typed loosely: a model made at import time is a value to mypy, not a type.
_CONFIG: Any = GasiConfigCreate | None
GasiRunCreate = create_model(
    "GasiRunCreate",
    __config__=ConfigDict(extra="forbid"),
    __doc__="Start (or join) a GASI tournament in an arena.",
    arena=(str, Field(max_length=64, description="The arena: " + ", ".join(arena_names()))),
    name=(
        str | None,
        Field(default=None, pattern=NAME_PATTERN, description="Tournament name (default)"),
    ),
    config=(_CONFIG, Field(default=None)),
)


def build_input(fields: dict[str, Any], context: StartContext) -> GasiRunRequest:
    """A validated body as the run's input; what the schema cannot say is refused here
    (ParameterError names the field)."""
    if fields["arena"] not in arena_names():
        raise ParameterError(
            "arena", f"unknown arena {fields['arena']!r}; known: {', '.join(arena_names())}"
        )
    request = from_api(fields, GasiRunRequest)
    config = request.config
    if config.forge_attempts and config.forge_attempts < (config.adversaries_per_generation or 4):
        raise ParameterError(
            "config.forge_attempts",
            "must be at least adversaries_per_generation: the forge keeps its best proposals",
        )
    request.name = request.name or "default"
    settings = context.settings
    if config.llm_forge and not (settings.llm_base_url and settings.llm_model):
        raise ParameterError(
            "config.llm_forge", "no model is configured (KAIZEN_LLM_BASE_URL, KAIZEN_LLM_MODEL)"
        )
    if config.llm_forge and not isinstance(arena(request.arena), TakesProposals):
        raise ParameterError(
            "config.llm_forge", f"arena {request.arena} takes no proposed adversaries"
        )
    request.tenant = settings.tenant
    request.evaluation_task_queue = settings.gasi_evaluation_task_queue
    request.limits.CopyFrom(
        RunLimits(
            run_timeout_seconds=int(EXECUTION_TIMEOUT.total_seconds()),
            approval_timeout_seconds=settings.approval_timeout_seconds,
            window_recheck_seconds=settings.window_recheck_seconds,
        )
    )
    request.requested_by = request.requested_by or context.requested_by
    request.source = request.source or context.source
    return request


def _request(message: Message) -> GasiRunRequest:
    assert isinstance(message, GasiRunRequest)
    return message


GASI: Final = RunKind(
    name=KIND,
    workflow=GasiWorkflow,
    input_type=GasiRunRequest,
    result_type=GasiRunResult,
    queue="gasi",
    task_queue=lambda settings: settings.gasi_task_queue,
    request_model=GasiRunCreate,
    build_input=build_input,
    business_key=lambda m: f"{_request(m).arena}:{_request(m).name}",
    service=lambda m: _request(m).arena,
    trigger_signal="requested",
    notice=lambda _m, context: GasiTrigger(
        requested_by=context.requested_by, source=context.source
    ),
    execution_timeout=lambda _settings: EXECUTION_TIMEOUT,
    memo=lambda m: {"arena": _request(m).arena, "tournament": _request(m).name},
)


# -- adopting a champion -------------------------------------------------------------------

ADOPTION_EXECUTION_MARGIN: Final = timedelta(minutes=10)

GasiAdoptionCreate = create_model(
    "GasiAdoptionCreate",
    __config__=ConfigDict(extra="forbid"),
    __doc__="Adopt the tournament's reigning champion, once approved.",
    reason=(str | None, Field(default=None, max_length=500)),
    approvals_required=(int | None, Field(default=None, ge=1, le=5)),
)
# The body of ``POST …/champion/adopt``; the tournament comes from the path.
_ADOPTION_FIELDS: Final = ("tournament", "reason", "approvals_required")


def build_adoption(fields: dict[str, Any], context: StartContext) -> GasiAdoptionRequest:
    """The adoption of the hall of fame's reigning champion of ``fields["tournament"]``."""
    tournament = str(fields.get("tournament", ""))
    engine = make_engine(context.settings.database)
    try:
        with Session(engine) as session:
            arena_name = hall_of_fame.tournament_arena(session, tournament)
            champion = hall_of_fame.latest_champion(session, tournament)
    finally:
        engine.dispose()
    if arena_name is None or champion is None:
        raise ParameterError("tournament", f"no GASI tournament {tournament} in the hall of fame")
    settings = context.settings
    return GasiAdoptionRequest(
        tournament=tournament,
        arena=arena_name,
        champion=champion.candidate,
        tenant=settings.tenant,
        requested_by=context.requested_by,
        limits=RunLimits(
            run_timeout_seconds=settings.approval_timeout_seconds,
            approval_timeout_seconds=settings.approval_timeout_seconds,
            window_recheck_seconds=settings.window_recheck_seconds,
        ),
        approvals_required=int(fields.get("approvals_required") or 1),
        reason=str(fields.get("reason") or ""),
    )


def _adoption(message: Message) -> GasiAdoptionRequest:
    assert isinstance(message, GasiAdoptionRequest)
    return message


GASI_ADOPTION: Final = RunKind(
    name=ADOPTION_KIND,
    workflow=GasiAdoptionWorkflow,
    input_type=GasiAdoptionRequest,
    result_type=GasiAdoptionResult,
    queue="gasi",
    task_queue=lambda settings: settings.gasi_task_queue,
    request_model=GasiAdoptionCreate,
    build_input=build_adoption,
    # One adoption per champion: asking again while it waits joins it.
    business_key=lambda m: (
        f"{_adoption(m).tournament.split(':', 2)[-1]}:{_adoption(m).champion.id}"
    ),
    service=lambda m: _adoption(m).arena,
    trigger_signal="requested",
    notice=lambda m, _context: m,
    execution_timeout=lambda settings: (
        timedelta(seconds=settings.approval_timeout_seconds) + ADOPTION_EXECUTION_MARGIN
    ),
    memo=lambda m: {"tournament": _adoption(m).tournament, "champion": _adoption(m).champion.id},
    schedulable=False,
)
