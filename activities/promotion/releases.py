"""Recording where a build runs (the environment board), how promotions ended, and which
promotions a release starts by itself downstream (auto-promotion)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio import activity

from kaizen.catalog.environments import DEFAULT_DIR, load_environments
from kaizen.persistence import auto_promotion, builds, promotion_outcomes, releases
from kaizen.persistence.db import session_scope
from kaizen.v1.common_pb2 import RunLimits
from kaizen.v1.promotion_pb2 import (
    AutoPromotionPlan,
    PromotionOutcomeRecord,
    PromotionRequest,
    Release,
    ReleaseRecord,
)


class ReleaseActivities:
    def __init__(self, engine: Engine, tenant: str, environments_dir: Path | None) -> None:
        self._engine = engine
        self._tenant = tenant
        self._environments_dir = environments_dir or DEFAULT_DIR

    @activity.defn
    async def record_release(self, record: ReleaseRecord) -> Release:
        """The build is the environment's live one now (once per run: a retry finds it)."""
        return await asyncio.to_thread(self._record, record)

    @activity.defn
    async def record_promotion_outcome(self, record: PromotionOutcomeRecord) -> None:
        """How the run ended, for the metrics (once per run)."""
        await asyncio.to_thread(self._outcome, record)

    @activity.defn
    async def plan_auto_promotions(self, done: PromotionRequest) -> AutoPromotionPlan:
        """The promotions into the environments downstream of ``done``'s that auto-promote
        (declared in their file and switched on by an admin), ready to start."""
        return await asyncio.to_thread(self._plan, done)

    def _record(self, record: ReleaseRecord) -> Release:
        with session_scope(self._engine) as session:
            return releases.record_release(session, record.tenant, record.release).to_message()

    def _outcome(self, record: PromotionOutcomeRecord) -> None:
        with session_scope(self._engine) as session:
            promotion_outcomes.record_outcome(session, record)

    def _plan(self, done: PromotionRequest) -> AutoPromotionPlan:
        plan = AutoPromotionPlan()
        declared = load_environments(self._environments_dir)
        downstream = sorted(
            (e for e in declared.values() if e.upstream == done.environment),
            key=lambda e: e.order,
        )
        with Session(self._engine) as session:
            row = builds.get_build(session, self._tenant, done.build_id)
            for target in downstream:
                state = auto_promotion.state(
                    session, self._tenant, target.name, declared=target.auto_promote
                )
                if not state.enabled:
                    plan.skipped.append(
                        f"{target.name}: "
                        + ("not switched on by an admin" if target.auto_promote
                           else "its file does not allow auto-promotion")
                    )  # fmt: skip
                    continue
                if row is None:
                    plan.skipped.append(f"{target.name}: build {done.build_id} is gone")
                    continue
                request = PromotionRequest(
                    build_id=done.build_id, environment=target.name, service=done.service,
                    tenant=done.tenant, requested_by=f"auto-promotion by {state.set_by}",
                    source=f"auto:{done.environment}", reason=f"verified in {done.environment}",
                )  # fmt: skip
                request.limits.CopyFrom(_limits(done.limits, target.gate_timeout_seconds))
                request.target.CopyFrom(target)
                request.build.CopyFrom(builds.build_message(session, row))
                del request.build.evidence[:]
                plan.requests.append(request)
        return plan


def _limits(upstream: RunLimits, gate_timeout_seconds: int) -> RunLimits:
    limits = RunLimits()
    limits.CopyFrom(upstream)
    limits.run_timeout_seconds = max(upstream.run_timeout_seconds, gate_timeout_seconds + 3600)
    return limits
