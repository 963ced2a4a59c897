"""The promotion kind: move a build into an environment (workflows/promotion/).

One active promotion per service and environment: the business key is
``<service>:<environment>``, so a second request while one runs is handed to the
running run (recorded there) and answered with it. The target environment and the
build are resolved when the run starts and copied into its input, so a running
promotion keeps the declaration it started with even if the files change.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from google.protobuf.message import Message
from pydantic import Field
from sqlmodel import Session
from temporalio.common import SearchAttributePair

from kaizen.catalog.environments import environments
from kaizen.catalog.playbooks import ParameterError
from kaizen.contract.models import request_model
from kaizen.contract.names import K8S_NAME
from kaizen.kinds.base import RunKind, StartContext
from kaizen.persistence import builds
from kaizen.persistence.db import make_engine
from kaizen.settings import Settings
from kaizen.temporal.search_attributes import KAIZEN_ENVIRONMENT
from kaizen.v1.common_pb2 import RunLimits
from kaizen.v1.promotion_pb2 import (
    Build,
    Environment,
    PromotionNotice,
    PromotionRequest,
    PromotionResult,
)
from workflows.promotion.workflow import KIND, PromotionWorkflow

BUILD_ID: Final = r"^bld-[a-f0-9]{12}$"
DIGEST: Final = "@sha256:"
# The in-workflow watchdog (from the environment's own deadlines) is the real limit; this
# backstop only catches a wedged run. Gates may wait days for evidence.
EXECUTION_TIMEOUT: Final = timedelta(days=30)

# Optional fields default to None (absent), so the rules are typed loosely.
_RULES: dict[str, Any] = {
    "build_id": Field(pattern=BUILD_ID, description="A registered build (bld-…)"),
    "environment": Field(pattern=K8S_NAME, description="The target environment"),
    "reason": Field(default=None, max_length=500),
}
PromotionCreate = request_model(
    "PromotionCreate",
    PromotionRequest,
    required=("build_id", "environment"),
    optional=("reason",),
    rules=_RULES,
    doc="Promote a registered build into an environment.",
)


def run_limits(settings: Settings, target: Environment) -> RunLimits:
    """The watchdog covers the gate's wait, two human decisions, pauses and the soak, plus
    the usual run timeout for the work itself."""
    strategy = target.strategy
    pauses = sum(s.pause.duration_seconds for s in strategy.steps if s.HasField("pause"))
    budget = (
        target.gate_timeout_seconds
        + 2 * strategy.decision_timeout_seconds
        + pauses
        + target.soak_seconds
        + settings.run_timeout_minutes * 60
    )
    return RunLimits(
        run_timeout_seconds=budget,
        approval_timeout_seconds=target.gate_timeout_seconds or settings.approval_timeout_seconds,
        window_recheck_seconds=settings.window_recheck_seconds,
    )


def promotion_request(
    fields: dict[str, Any], context: StartContext, build: Build, target: Environment
) -> PromotionRequest:
    """The run's input for a checked body, its build and its environment (422s name the
    field: a build whose image is not pinned where the environment requires a digest)."""
    if target.require_digest and DIGEST not in build.image:
        raise ParameterError(
            "build_id",
            f"build {build.id}'s image {build.image} has no digest; {target.name} only takes "
            "images pinned by digest (registry/name@sha256:<64 hex>)",
        )
    request = PromotionRequest(
        build_id=build.id, environment=target.name, service=build.service,
        tenant=context.settings.tenant, requested_by=context.requested_by,
        limits=run_limits(context.settings, target), source=context.source,
        reason=str(fields.get("reason") or ""),
    )  # fmt: skip
    request.target.CopyFrom(target)
    # The build's identity travels with the run; its evidence is read fresh by the gate.
    request.build.CopyFrom(build)
    del request.build.evidence[:]
    return request


def environment_for(found: dict[str, Environment], name: str) -> Environment:
    if name not in found:
        known = ", ".join(e.name for e in sorted(found.values(), key=lambda e: e.order))
        raise ParameterError("environment", f"no environment {name!r}; declared: {known}")
    return found[name]


def build_input(fields: dict[str, Any], context: StartContext) -> PromotionRequest:
    """A validated body as the run's input, reading the build from the database (the API
    passes the build it already read to ``promotion_request`` instead)."""
    settings = context.settings
    target = environment_for(environments(settings.environments_directory), fields["environment"])
    engine = make_engine(settings.database)
    try:
        with Session(engine) as session:
            row = builds.get_build(session, settings.tenant, fields["build_id"])
            if row is None:
                raise ParameterError("build_id", f"no build {fields['build_id']!r} is registered")
            build = builds.build_message(session, row)
    finally:
        engine.dispose()
    return promotion_request(fields, context, build, target)


def _request(message: Message) -> PromotionRequest:
    assert isinstance(message, PromotionRequest)
    return message


def _notice(message: Message, context: StartContext) -> PromotionNotice:
    return PromotionNotice(
        build_id=_request(message).build_id,
        requested_by=context.requested_by,
        source=context.source,
    )


def _memo(message: Message) -> dict[str, Any]:
    request = _request(message)
    return {
        "namespace": request.target.namespace,
        "environment": request.environment,
        "build_id": request.build_id,
        "version": request.build.version,
    }


PROMOTION: Final = RunKind(
    name=KIND,
    workflow=PromotionWorkflow,
    input_type=PromotionRequest,
    result_type=PromotionResult,
    queue="promotion",
    task_queue=lambda settings: settings.promotion_task_queue,
    request_model=PromotionCreate,
    build_input=build_input,
    business_key=lambda m: f"{_request(m).service}:{_request(m).environment}",
    service=lambda m: _request(m).service,
    trigger_signal="promotion_requested",
    notice=_notice,
    execution_timeout=lambda _settings: EXECUTION_TIMEOUT,
    memo=_memo,
    extra_search_attributes=lambda m: [
        SearchAttributePair(KAIZEN_ENVIRONMENT, _request(m).environment)
    ],
    schedulable=False,
)
