"""The policy rollout kind: a policy version to a fleet of OPA nodes (workflows/policy_rollout/).

One active rollout per fleet: the business key is the fleet, so a second request
while one runs is handed to the running run (recorded there) and answered with it.
The version and the target nodes are resolved when the run starts and copied into
its input, so the run works on exactly what was asked, whatever is registered later.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from google.protobuf.message import Message
from pydantic import Field
from sqlmodel import Session

from kaizen.catalog.playbooks import ParameterError
from kaizen.contract.json_codec import from_api
from kaizen.contract.models import request_model
from kaizen.contract.names import K8S_NAME
from kaizen.kinds.base import RunKind, StartContext
from kaizen.kinds.label_selector import SelectorError, canonical_selector
from kaizen.persistence.db import make_engine
from kaizen.persistence.policy_fleet import list_nodes
from kaizen.persistence.policy_fleet_files import removed_nodes
from kaizen.persistence.policy_versions import get_version
from kaizen.settings import Settings
from kaizen.v1.common_pb2 import RunLimits
from kaizen.v1.policy_rollout_pb2 import (
    POLICY_ROLLOUT_MODE_ROLLOUT,
    PolicyRolloutNotice,
    PolicyRolloutRequest,
    PolicyRolloutResult,
)
from workflows.policy_rollout.targets import selector_matches
from workflows.policy_rollout.workflow import KIND, PolicyRolloutWorkflow

VERSION_ID: Final = r"^pv-[a-f0-9]{12}$"
DEFAULT_CANARY: Final = "canary=true"
DEFAULT_PREVIEW_HOURS: Final = 24
DEFAULT_PREVIEW_LIMIT: Final = 10_000
DEFAULT_LOAD_MARGIN_SECONDS: Final = 2
MIN_CUTOVER_LEAD_SECONDS: Final = 3
MAX_CUTOVER_SECONDS: Final = 86_400
# The in-workflow watchdog is the real limit; this backstop only catches a wedged run.
EXECUTION_TIMEOUT_MARGIN: Final = timedelta(minutes=5)

_RULES: dict[str, Any] = {
    "fleet": Field(pattern=K8S_NAME, description="The fleet to roll out to"),
    "version_id": Field(pattern=VERSION_ID, description="A published policy version (pv-…)"),
    "selector": Field(
        default=None,
        max_length=1024,
        description="A label selector over the fleet's nodes; leave it out for every node",
    ),  # fmt: skip
    "strategy": Field(
        default=None,
        description="Canary group, bake, deadline, preview window; cutover: {in_seconds} "
        "switches every node at one instant instead",
    ),
    "mode": Field(
        default=None,
        description="rollout (default), rollback (to a known version: no preview, no canary) "
        "or dry_run (validate and preview only)",
    ),
    "reason": Field(default=None, max_length=500),
}
PolicyRolloutCreate = request_model(
    "PolicyRolloutCreate",
    PolicyRolloutRequest,
    required=("fleet", "version_id"),
    optional=("selector", "strategy", "mode", "reason"),
    rules=_RULES,
    doc="Roll a policy version out to a fleet (or back to one), all-or-nothing.",
)


def run_limits(settings: Settings) -> RunLimits:
    """The watchdog covers an approval's wait plus the usual run timeout for the work."""
    return RunLimits(
        run_timeout_seconds=settings.run_timeout_minutes * 60 + settings.approval_timeout_seconds,
        approval_timeout_seconds=settings.approval_timeout_seconds,
        window_recheck_seconds=settings.window_recheck_seconds,
    )


def policy_rollout_request(
    session: Session, fields: dict[str, Any], context: StartContext
) -> PolicyRolloutRequest:
    """A validated body as the run's input; a 422 names the field otherwise (an unknown
    version, a fleet with no node, an empty selector or one that picks no node)."""
    settings = context.settings
    request = from_api(fields, PolicyRolloutRequest)
    version = get_version(session, settings.tenant, request.version_id)
    if version is None:
        raise ParameterError("version_id", f"no policy version {request.version_id!r}")
    nodes = list_nodes(session, settings.tenant, request.fleet)
    if not nodes:
        raise ParameterError("fleet", f"no node is registered in fleet {request.fleet!r}")
    served = {n.bundle for n in nodes}
    if version.bundle not in served:
        raise ParameterError(
            "version_id",
            f"{version.id} is a version of bundle {version.bundle!r}; fleet {request.fleet} "
            f"serves {', '.join(sorted(served))}",
        )
    if "selector" in fields:
        request.selector = _selector(fields["selector"], "selector")
    # A node no fleet file declares any more is on its way out: not switched again.
    leaving = removed_nodes(session, settings.tenant)
    targets = [
        n.name
        for n in nodes
        if selector_matches(request.selector, n.labels) and n.name not in leaving
    ]
    if not targets:
        raise ParameterError(
            "selector",
            f"{request.selector!r} selects no node of fleet {request.fleet} "
            f"(nodes: {', '.join(f'{n.name} {n.labels}' for n in nodes)})",
        )
    strategy = request.strategy
    strategy.canary_selector = _selector(
        strategy.canary_selector or DEFAULT_CANARY, "strategy.canary_selector"
    )
    for name in ("bake_seconds", "activation_deadline_seconds", "preview_hours", "preview_limit"):
        if getattr(strategy, name) < 0:
            raise ParameterError(f"strategy.{name}", "must not be negative")
    if strategy.HasField("cutover"):
        _check_cutover(request)
    strategy.preview_hours = strategy.preview_hours or DEFAULT_PREVIEW_HOURS
    strategy.preview_limit = strategy.preview_limit or DEFAULT_PREVIEW_LIMIT
    request.mode = request.mode or POLICY_ROLLOUT_MODE_ROLLOUT
    request.nodes.extend(targets)
    request.version.CopyFrom(version.to_message())
    request.tenant = settings.tenant
    request.requested_by = context.requested_by
    request.source = context.source
    request.limits.CopyFrom(run_limits(settings))
    return request


def _check_cutover(request: PolicyRolloutRequest) -> None:
    """A cutover is a rollout (no canary: every node flips at the instant), far enough
    ahead for validation and for every node to load the combined bundle."""
    if request.mode not in (0, POLICY_ROLLOUT_MODE_ROLLOUT):
        raise ParameterError("strategy.cutover", "a cutover is a rollout: leave mode out")
    cutover = request.strategy.cutover
    cutover.load_margin_seconds = cutover.load_margin_seconds or DEFAULT_LOAD_MARGIN_SECONDS
    if not 1 <= cutover.load_margin_seconds <= 3600:
        raise ParameterError("strategy.cutover.load_margin_seconds", "must be 1 to 3600")
    lowest = cutover.load_margin_seconds + MIN_CUTOVER_LEAD_SECONDS
    if not lowest <= cutover.in_seconds <= MAX_CUTOVER_SECONDS:
        raise ParameterError(
            "strategy.cutover.in_seconds",
            f"must be {lowest} to {MAX_CUTOVER_SECONDS} (validation and loading the combined "
            f"bundle come first, and loading must end {cutover.load_margin_seconds} s before "
            "the instant)",
        )


def _selector(text: str, field: str) -> str:
    if not str(text).strip():
        raise ParameterError(
            field, "an empty selector selects nothing; leave it out to target every node"
        )
    try:
        return canonical_selector(str(text))
    except SelectorError as error:
        raise ParameterError(field, str(error)) from None


def build_input(fields: dict[str, Any], context: StartContext) -> PolicyRolloutRequest:
    engine = make_engine(context.settings.database)
    try:
        with Session(engine) as session:
            return policy_rollout_request(session, fields, context)
    finally:
        engine.dispose()


def _request(message: Message) -> PolicyRolloutRequest:
    assert isinstance(message, PolicyRolloutRequest)
    return message


def _notice(message: Message, context: StartContext) -> PolicyRolloutNotice:
    return PolicyRolloutNotice(
        version_id=_request(message).version_id,
        requested_by=context.requested_by,
        source=context.source,
    )


def _memo(message: Message) -> dict[str, Any]:
    request = _request(message)
    return {
        "fleet": request.fleet,
        "version_id": request.version_id,
        "bundle": request.version.bundle,
        "nodes": list(request.nodes),
    }


POLICY_ROLLOUT: Final = RunKind(
    name=KIND,
    workflow=PolicyRolloutWorkflow,
    input_type=PolicyRolloutRequest,
    result_type=PolicyRolloutResult,
    queue="policy_rollout",
    task_queue=lambda settings: settings.policy_rollout_task_queue,
    request_model=PolicyRolloutCreate,
    build_input=build_input,
    business_key=lambda m: _request(m).fleet,
    service=lambda m: _request(m).fleet,
    trigger_signal="policy_rollout_requested",
    notice=_notice,
    execution_timeout=lambda settings: (
        timedelta(seconds=run_limits(settings).run_timeout_seconds) + EXECUTION_TIMEOUT_MARGIN
    ),
    memo=_memo,
    schedulable=False,
)
