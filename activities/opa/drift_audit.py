"""The drift audit: what every node of a fleet runs, read from the node itself.

Status pushes cannot show every drift: a node restarted with a stale persisted bundle
serves it before its first download, and reports no active revision until then. The
audit asks each node (``GET /v1/data/system/bundles``) and compares with what it is
served; a change of drift state is an event on the fleet and a metric.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Final

import httpx
from sqlalchemy.engine import Engine
from temporalio import activity

from kaizen.persistence.db import session_scope
from kaizen.persistence.policy_fleet import (
    DRIFT_GRACE,
    PolicyNodeRow,
    get_node,
    list_nodes,
    record_observed,
)
from kaizen.v1.policy_rollout_pb2 import (
    PolicyDriftAuditRequest,
    PolicyDriftAuditResult,
    PolicyNodeDrift,
)

READ_TIMEOUT: Final = httpx.Timeout(3.0, connect=2.0)


class PolicyDriftActivities:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn
    async def audit_policy_drift(self, request: PolicyDriftAuditRequest) -> PolicyDriftAuditResult:
        """Read every node's active revision and record drift that started or ended."""
        rows = await asyncio.to_thread(self._nodes, request)
        async with httpx.AsyncClient(timeout=READ_TIMEOUT) as http:
            found = await asyncio.gather(*(self._read(http, row) for row in rows))
        grace = timedelta(seconds=request.grace_seconds) if request.grace_seconds else DRIFT_GRACE
        nodes = await asyncio.to_thread(self._record, request, list(found), grace)
        return PolicyDriftAuditResult(fleet=request.fleet, nodes=nodes)

    def _nodes(self, request: PolicyDriftAuditRequest) -> list[PolicyNodeRow]:
        with session_scope(self._engine) as session:
            rows = list_nodes(session, request.tenant, request.fleet)
            for row in rows:
                session.expunge(row)
            return rows

    async def _read(self, http: httpx.AsyncClient, row: PolicyNodeRow) -> PolicyNodeDrift:
        drift = PolicyNodeDrift(node=row.name, desired_revision=row.desired_revision)
        if not row.url:
            drift.error = "the node has no URL Kaizen can read it at"
            return drift
        try:
            reply = await http.get(f"{row.url.rstrip('/')}/v1/data/system/bundles/{row.bundle}")
            reply.raise_for_status()
        except httpx.HTTPError as error:
            drift.error = f"cannot read {row.url}: {error}"
            return drift
        result = reply.json().get("result") or {}
        drift.reachable = True
        drift.active_revision = str((result.get("manifest") or {}).get("revision") or "")
        return drift

    def _record(
        self, request: PolicyDriftAuditRequest, found: list[PolicyNodeDrift], grace: timedelta
    ) -> list[PolicyNodeDrift]:
        at = datetime.now(UTC)
        with session_scope(self._engine) as session:
            for drift in found:
                row = get_node(session, request.tenant, drift.node)
                if row is None or not drift.reachable:
                    continue
                drift.change = (
                    record_observed(session, row, drift.active_revision, at, grace=grace) or ""
                )
                drift.drifted = row.drift_since is not None
        return found
