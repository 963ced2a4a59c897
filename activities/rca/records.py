"""The RCA's records: who reviews it (policy), its row in Kaizen's database, its neighbours."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy.engine import Engine
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.opa.client import PolicyClient
from kaizen.kinds.rca_keys import incident_key
from kaizen.persistence.db import session_scope
from kaizen.persistence.rca import (
    alert_window,
    existing_ids,
    resolved_alerts,
    save_record,
    similar,
)
from kaizen.v1.common_pb2 import SEVERITY_MEDIUM, Severity
from kaizen.v1.rca_pb2 import (
    RcaBacklog,
    RcaBacklogRequest,
    RcaRecordAck,
    RcaRecordWrite,
    RcaRequest,
    RcaReviewPlan,
    RcaReviewPlanRequest,
    SimilarIncidents,
    SimilarQuery,
)

RCA_POLICY_PACKAGE: Final = "kaizen.rca"


class RcaRecordActivities:
    """Receives Kaizen's database and the policy client (tests wire the same)."""

    def __init__(self, engine: Engine, policy: PolicyClient) -> None:
        self._engine = engine
        self._policy = policy

    @activity.defn
    async def plan_review(self, asked: RcaReviewPlanRequest) -> RcaReviewPlan:
        """Reviewers, approvals needed, deadline and escalation for this RCA, from policy data
        by severity (``data.kaizen.rca``); an undefined answer is a policy bug, never a guess."""
        answer = await self._policy.decide(
            RCA_POLICY_PACKAGE,
            "review",
            {
                "service": asked.service,
                "namespace": asked.namespace,
                "severity": Severity.Name(asked.severity).removeprefix("SEVERITY_").lower(),
                "requested_by": asked.requested_by,
            },
        )
        plan = answer.result
        if not isinstance(plan, dict):
            raise ApplicationError(
                "policy kaizen.rca.review is undefined", type="PolicyUndefined", non_retryable=True
            )
        return RcaReviewPlan(
            reviewers=[str(r) for r in plan.get("reviewers", [])],
            assignee=str(plan.get("assignee", "")),
            approvals_required=int(plan.get("approvals_required", 1)),
            deadline_seconds=int(plan.get("deadline_seconds", 86400)),
            escalate_to=str(plan.get("escalate_to", "")),
            reasons=[str(r) for r in plan.get("reasons", [])],
        )

    @activity.defn
    async def save_rca(self, write: RcaRecordWrite) -> RcaRecordAck:
        """Write the RCA's row and index entry; a final RCA is never written again."""
        return await asyncio.to_thread(self._save, write)

    def _save(self, write: RcaRecordWrite) -> RcaRecordAck:
        with session_scope(self._engine) as session:
            return RcaRecordAck(written=save_record(session, write))

    @activity.defn
    async def find_rca_backlog(self, asked: RcaBacklogRequest) -> RcaBacklog:
        """Resolved alerts of the lookback whose incident has no RCA yet, newest first."""
        return await asyncio.to_thread(self._backlog, asked)

    def _backlog(self, asked: RcaBacklogRequest) -> RcaBacklog:
        since = datetime.now(UTC) - timedelta(seconds=asked.lookback_seconds or 86400)
        backlog = RcaBacklog()
        with session_scope(self._engine) as session:
            candidates: list[RcaRequest] = []
            for alert in resolved_alerts(session, asked.tenant, since=since):
                window = alert_window(session, asked.tenant, alert.fingerprint)
                if window is None:
                    continue
                request = RcaRequest(
                    service=alert.workload, namespace=alert.namespace,
                    alert_fingerprint=alert.fingerprint, tenant=asked.tenant,
                    requested_by=asked.requested_by, source=asked.source or "backlog",
                    title=f"{alert.alertname} on {alert.workload}", severity=SEVERITY_MEDIUM,
                    limits=asked.limits,
                )  # fmt: skip
                request.window_start.FromDatetime(window[0])
                request.window_end.FromDatetime(window[1])
                request.incident_key = incident_key(request)
                candidates.append(request)
            done = existing_ids(session, (f"rca:{r.tenant}:{r.incident_key}" for r in candidates))
        fresh = [r for r in candidates if f"rca:{r.tenant}:{r.incident_key}" not in done]
        backlog.incidents.extend(fresh[: asked.limit or 20])
        return backlog

    @activity.defn
    async def find_similar(self, query: SimilarQuery) -> SimilarIncidents:
        """Past RCAs that look like this one (FTS5 bm25), with the terms that matched."""
        return await asyncio.to_thread(self._similar, query)

    def _similar(self, query: SimilarQuery) -> SimilarIncidents:
        with session_scope(self._engine) as session:
            found = similar(
                session, query.tenant, query.document, exclude=query.rca_id, limit=query.limit or 3
            )
        return SimilarIncidents(incidents=found)
