"""Preparing a cutover when it is asked for: the combined bundle, built and signed here.

The private signing key lives with the API that publishes (never on workers), so the
combined bundle is made before the run starts: the instant is fixed then, and travels
signed in the bundle's data. The targets must all be served one version (what the
combined bundle switches from); the combined bundle is kept as a version like any other,
so what a node reports while it holds it names exactly one version.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from sqlalchemy.engine import Engine

from activities.opa.bundle_build import publish
from activities.opa.bundle_source import PolicySource, read_source
from activities.opa.cli import OpaCli
from activities.opa.cutover_bundle import CutoverBuildError, combine
from kaizen.catalog.playbooks import ParameterError
from kaizen.contract.timestamps import to_timestamp
from kaizen.persistence.db import session_scope
from kaizen.persistence.policy_fleet import get_node
from kaizen.persistence.policy_versions import get_version
from kaizen.v1.policy_rollout_pb2 import PolicyCutoverPlan, PolicyRolloutRequest

FIELD: Final = "strategy.cutover"


async def prepare_cutover(
    engine: Engine, cli: OpaCli, home: Path, request: PolicyRolloutRequest
) -> None:
    """Build the combined bundle for ``request`` and put the plan into it; a 422 naming
    ``strategy.cutover`` when the fleet cannot be cut over."""
    old_id, old_revision, old, new = await asyncio.to_thread(_sources, engine, request)
    strategy = request.strategy.cutover
    at = datetime.now(UTC) + timedelta(seconds=strategy.in_seconds)
    try:
        source = await combine(
            cli, old=old, old_id=old_id, new=new, new_id=request.version_id, at=at
        )
        combined, _created = await publish(
            engine, cli, home, tenant=request.tenant, bundle=request.version.bundle,
            source=source, by=request.requested_by,
            description=f"cutover from {old_id} to {request.version_id} at {at.isoformat()}",
        )  # fmt: skip
    except (CutoverBuildError, ParameterError) as error:
        raise ParameterError(FIELD, f"cannot combine {old_id} and {request.version_id}: "
                             f"{error}") from None  # fmt: skip
    request.cutover.CopyFrom(
        PolicyCutoverPlan(
            combined=combined, from_version=old_id, from_revision=old_revision,
            at=to_timestamp(at), load_margin_seconds=float(strategy.load_margin_seconds),
        )
    )  # fmt: skip


def _sources(
    engine: Engine, request: PolicyRolloutRequest
) -> tuple[str, str, PolicySource, PolicySource]:
    with session_scope(engine) as session:
        served: dict[str, list[str]] = {}
        revisions: dict[str, str] = {}
        for name in request.nodes:
            row = get_node(session, request.tenant, name)
            if row is not None:
                served.setdefault(row.desired_version, []).append(name)
                revisions[row.desired_version] = row.desired_revision
        if len(served) != 1 or "" in served:
            shown = "; ".join(
                f"{', '.join(nodes)} {version or '(nothing)'}" for version, nodes in served.items()
            )
            raise ParameterError(
                FIELD, f"a cutover switches every target node from one version, but they are "
                f"served: {shown}; roll them out to one version first",
            )  # fmt: skip
        old_id = next(iter(served))
        old_row = get_version(session, request.tenant, old_id)
        new_row = get_version(session, request.tenant, request.version_id)
        if old_row is None or new_row is None:
            raise ParameterError(FIELD, f"version {old_id} is no longer stored")
        return (
            old_id, revisions[old_id],
            read_source(old_row.source, field=FIELD), read_source(new_row.source, field=FIELD),
        )  # fmt: skip
