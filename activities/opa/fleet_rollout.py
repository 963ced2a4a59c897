"""Switching what the fleet is served, and watching the nodes take it.

``set_policy_desired`` changes which revision each node's bundle URL serves (the
bundle server wakes the node's held request within milliseconds). ``await_policy_
convergence`` then watches what nodes report until every node runs its target with
no error, a node reports an error for it (fail fast), or the deadline passes. Truth
comes from the nodes' own status pushes (``/health?bundles=true`` would stay 200 while
every new bundle fails). Both are idempotent: a retry after a worker died switches
nothing twice and watches the same switch.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Final

from sqlalchemy.engine import Engine
from temporalio import activity

from kaizen.contract.timestamps import to_timestamp
from kaizen.persistence import policy_rollouts
from kaizen.persistence.db import session_scope
from kaizen.persistence.policy_decisions import PolicyDecisionRow, recent
from kaizen.persistence.policy_fleet import PolicyNodeRow, aware, get_node, set_desired
from kaizen.v1.policy_rollout_pb2 import (
    PolicyCanaryReport,
    PolicyCanaryRequest,
    PolicyConvergence,
    PolicyConvergenceRequest,
    PolicyDesiredChange,
    PolicyDesiredChanged,
    PolicyFleetQuery,
    PolicyFleetSnapshot,
    PolicyNodeConvergence,
    PolicyNodeTarget,
    PolicyRolloutRecord,
)

POLL_INTERVAL: Final = 0.01
HEARTBEAT_EVERY: Final = 1.0


class PolicyFleetActivities:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn
    async def read_policy_fleet(self, query: PolicyFleetQuery) -> PolicyFleetSnapshot:
        """The target nodes as the database has them: desired and reported revisions."""

        def read() -> PolicyFleetSnapshot:
            with session_scope(self._engine) as session:
                rows = [get_node(session, query.tenant, name) for name in query.nodes]
                return PolicyFleetSnapshot(nodes=[r.to_message() for r in rows if r is not None])

        return await asyncio.to_thread(read)

    @activity.defn
    async def set_policy_desired(self, change: PolicyDesiredChange) -> PolicyDesiredChanged:
        """Serve each node its target from now on; a retry finds them switched already and
        answers with the time of the switch that did it."""

        def write() -> PolicyDesiredChanged:
            now = datetime.now(UTC)
            with session_scope(self._engine) as session:
                changed = set_desired(session, change.tenant, change.targets, now)
                switched = now
                if not changed:
                    times = [
                        aware(row.desired_at)
                        for row in (
                            get_node(session, change.tenant, t.node) for t in change.targets
                        )
                        if row is not None and row.desired_at is not None
                    ]
                    switched = max((t for t in times if t is not None), default=now)
                return PolicyDesiredChanged(switched_at=to_timestamp(switched), changed=changed)

        return await asyncio.to_thread(write)

    @activity.defn
    async def await_policy_convergence(
        self, request: PolicyConvergenceRequest
    ) -> PolicyConvergence:
        """Watch until every target node reports its target revision with no error; a node
        that reports an error for it after being sent it ends the watch at once (with
        ``fail_fast``); the deadline ends it too. Heartbeats throughout."""
        started = time.monotonic()
        switched = request.switched_at.ToDatetime(tzinfo=UTC)
        deadline = started + request.deadline_seconds
        seen: dict[str, datetime] = {}
        last_beat = 0.0
        while True:
            rows = await asyncio.to_thread(self._rows, request.tenant, request.targets)
            now = datetime.now(UTC)
            nodes, failed = _judge(request, rows, switched, seen, now)
            done = all(n.converged for n in nodes)
            if done or (failed and request.fail_fast) or time.monotonic() >= deadline:
                return _summary(nodes, switched, done, failed, time.monotonic() - started,
                                request.deadline_seconds)  # fmt: skip
            if time.monotonic() - last_beat >= HEARTBEAT_EVERY:
                activity.heartbeat(sum(1 for n in nodes if n.converged))
                last_beat = time.monotonic()
            await asyncio.sleep(POLL_INTERVAL)

    def _rows(self, tenant: str, targets: Iterable[PolicyNodeTarget]) -> dict[str, PolicyNodeRow]:
        with session_scope(self._engine) as session:
            found: dict[str, PolicyNodeRow] = {}
            for target in targets:
                row = get_node(session, tenant, target.node)
                if row is not None:
                    session.expunge(row)
                    found[row.name] = row
            return found

    @activity.defn
    async def compare_policy_canary(self, request: PolicyCanaryRequest) -> PolicyCanaryReport:
        """The canary's live decisions on the candidate against the rest of the fleet's since
        the canary switched: undefined, errors, and the deny rate."""

        def read() -> PolicyCanaryReport:
            since = request.since.ToDatetime(tzinfo=UTC)
            with session_scope(self._engine) as session:
                canary = [
                    r for r in recent(
                        session, request.tenant, fleet=request.fleet, since=since,
                        limit=100_000, nodes=list(request.canary_nodes),
                    ) if r.revision == request.candidate_revision
                ]  # fmt: skip
                baseline = recent(
                    session, request.tenant, fleet=request.fleet, since=since, limit=100_000,
                    nodes=list(request.baseline_nodes),
                )  # fmt: skip
                return canary_report(canary, baseline)

        return await asyncio.to_thread(read)

    @activity.defn
    async def record_policy_rollout(self, record: PolicyRolloutRecord) -> None:
        """Keep how the rollout ended (the fleet's history, the metrics); once per run."""

        def write() -> None:
            with session_scope(self._engine) as session:
                policy_rollouts.record(session, record)

        await asyncio.to_thread(write)


def canary_report(
    canary: list[PolicyDecisionRow], baseline: list[PolicyDecisionRow]
) -> PolicyCanaryReport:
    """The canary's undefined, error and deny ratios against the baseline's deny ratio."""
    report = PolicyCanaryReport(canary_decisions=len(canary), baseline_decisions=len(baseline))
    if canary:
        report.canary_undefined_ratio = sum(not r.defined for r in canary) / len(canary)
        report.canary_error_ratio = sum(bool(r.error) for r in canary) / len(canary)
        report.canary_deny_ratio = sum(r.result is not True for r in canary) / len(canary)
        defined_on_baseline = {r.path for r in baseline if r.defined}
        undefined = {r.path for r in canary if not r.defined}
        report.undefined_paths.extend(sorted(undefined & defined_on_baseline or undefined))
    if baseline:
        report.baseline_deny_ratio = sum(r.result is not True for r in baseline) / len(baseline)
    return report


def _judge(
    request: PolicyConvergenceRequest,
    rows: dict[str, PolicyNodeRow],
    switched: datetime,
    seen: dict[str, datetime],
    now: datetime,
) -> tuple[list[PolicyNodeConvergence], str]:
    """Each node's state against its target; the first node to fail and why."""
    nodes: list[PolicyNodeConvergence] = []
    failed = ""
    for target in request.targets:
        found = PolicyNodeConvergence(node=target.node, target_revision=target.revision)
        row = rows.get(target.node)
        if row is None:
            found.error = "the node is no longer registered"
            nodes.append(found)
            continue
        found.active_revision = row.active_revision
        requested = aware(row.requested_at)
        found.reached = requested is not None and requested >= switched
        sent = aware(row.sent_at)
        status_at = aware(row.status_at)
        if row.active_revision == target.revision and not row.status_code:
            found.converged = True
            seen.setdefault(target.node, now)
            found.seen_at.CopyFrom(to_timestamp(seen[target.node]))
        elif (
            row.status_code
            and row.sent_revision == target.revision
            and sent is not None
            and sent >= switched
            and status_at is not None
            and status_at >= sent
        ):
            found.error = (row.status_message or row.status_code) + "".join(
                f"; {e}" for e in _errors(row)
            )
            failed = failed or f"{target.node} refused revision {target.revision}: {found.error}"
        activated = aware(row.activated_at)
        if found.converged and activated is not None:
            found.activated_at.CopyFrom(to_timestamp(activated))
        nodes.append(found)
    return nodes, failed


def _errors(row: PolicyNodeRow) -> list[str]:
    return [str(e) for e in json.loads(row.status_errors_json)][:3]


def _summary(
    nodes: list[PolicyNodeConvergence],
    switched: datetime,
    converged: bool,
    failed: str,
    seconds: float,
    deadline: float,
) -> PolicyConvergence:
    result = PolicyConvergence(converged=converged, nodes=nodes, seconds=seconds)
    activations = [
        n.activated_at.ToDatetime(tzinfo=UTC)
        for n in nodes
        if n.converged and n.HasField("activated_at")
        and n.activated_at.ToDatetime(tzinfo=UTC) >= switched
    ]  # fmt: skip
    if activations:
        result.convergence_ms = (max(activations) - switched).total_seconds() * 1000
        result.spread_ms = (max(activations) - min(activations)).total_seconds() * 1000
    if not converged:
        waiting = [n.node for n in nodes if not n.converged]
        silent = [n.node for n in nodes if not n.converged and not n.reached and not n.error]
        result.reason = failed or (
            f"{', '.join(waiting)} did not report the target revision within {deadline:.3g} s"
            + (f" ({', '.join(silent)} never asked for it: down or cut off)" if silent else "")
        )
    return result
