"""The OPA fleet: nodes registered with their config, and the bundle server they poll.

Admins register nodes (``PUT /v1/policy-fleet/nodes/{node}``) and get each node's OPA
config, with a token shown once. Nodes then long-poll their bundle here, push their
status and send their decision logs, each with its own token: a node reads and
reports only for itself.
"""

from __future__ import annotations

import asyncio
import json
import logging
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, FastAPI, Header, HTTPException, Path, Query, Request, Response
from fastapi import status as http
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Engine
from sqlmodel import Session

from activities.opa.bundle_build import BUNDLE_NAME
from activities.opa.node_config import node_config
from activities.opa.signing_keys import ensure_signing_key
from api.deps import Admin, ClientDep, EngineDep, Operator, SettingsDep, Viewer
from api.policy_rollout.bundle_server import (
    CONTENT_TYPE,
    DesiredWatch,
    etag_revision,
    wait_seconds,
)
from api.policy_rollout.fleet_files import reconcile_fleet_files
from api.policy_rollout.metrics import DRIFT_EVENTS, NODE_REQUESTS
from api.policy_rollout.metrics import FLEET as FLEET_METRICS
from api.principal import Principal
from api.run_starts import start_run
from kaizen.contract.json_codec import to_api
from kaizen.contract.models import response_model
from kaizen.contract.names import K8S_NAME
from kaizen.kinds.base import StartContext
from kaizen.kinds.policy_drift_audit import (
    POLICY_DRIFT_AUDIT,
    DriftAuditCreate,
    drift_audit_request,
)
from kaizen.persistence.api_keys import Role, revoke_key
from kaizen.persistence.db import session_scope
from kaizen.persistence.policy_decisions import DecisionEvent, prune, record_decisions
from kaizen.persistence.policy_fleet import (
    BundleStatus,
    FleetConflict,
    PolicyNodeRow,
    events,
    get_node,
    issue_node_key,
    list_nodes,
    record_request,
    record_sent,
    record_status,
    register_node,
)
from kaizen.persistence.policy_fleet_files import declarations
from kaizen.persistence.policy_versions import trusted_keys
from kaizen.settings import Settings
from kaizen.v1.policy_rollout_pb2 import PolicyDriftAuditRequest, PolicyFleetView, PolicyNode
from kaizen.v1.run_pb2 import RunRecord

log = logging.getLogger("kaizen.api.fleet")

MAX_LOG_BYTES: Final = 32 * 1024 * 1024
"""Largest decision log batch accepted once unzipped (OPA sends at most 32 KiB zipped)."""
PRUNE_EVERY: Final = 20
"""Decision log batches between two prunings of the recorded decisions."""

NodeName = Annotated[str, Path(pattern=K8S_NAME, description="The node's name")]
NodeView = response_model(PolicyNode)
FleetView = response_model(PolicyFleetView)
RunView = response_model(RunRecord)


@asynccontextmanager
async def serve_bundles(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    await reconcile_fleet_files(app.state.engine, settings)
    app.state.desired_watch = DesiredWatch(app.state.engine, settings.tenant)
    app.state.status_locks = {}
    FLEET_METRICS.attach(app.state.engine, settings.tenant)
    try:
        yield
    finally:
        FLEET_METRICS.detach(app.state.engine)
        await app.state.desired_watch.close()


router = APIRouter(prefix="/v1/policy-fleet", tags=["policy rollouts"], lifespan=serve_bundles)


class NodeRegistration(BaseModel):
    """Register (or update) an OPA node Kaizen serves bundles to."""

    model_config = ConfigDict(extra="forbid")

    fleet: str = Field(pattern=K8S_NAME, description="The fleet the node belongs to")
    bundle: str = Field(
        default="authz", pattern=BUNDLE_NAME.pattern, description="The bundle it is served"
    )
    url: str = Field(
        default="", max_length=500, pattern=r"^(https?://[^\s]+)?$",
        description="The node's own API, for Kaizen to read /v1/status (optional)",
    )  # fmt: skip
    labels: dict[
        Annotated[str, Field(pattern=r"^[A-Za-z0-9][-A-Za-z0-9_./]{0,62}$")],
        Annotated[str, Field(max_length=63)],
    ] = Field(default_factory=dict, max_length=32, description='e.g. {"canary": "true"}')
    persist: bool = Field(
        default=False, description="The node keeps its last bundle on disk across restarts"
    )


class RegisteredNode(BaseModel):
    node: NodeView  # type: ignore[valid-type]
    config: dict[str, Any] = Field(description="The node's OPA config; it holds its token")


@router.get("", response_model=FleetView)
async def get_fleet(
    _principal: Viewer,
    engine: EngineDep,
    settings: SettingsDep,
    fleet: Annotated[str | None, Query(pattern=K8S_NAME)] = None,
) -> dict[str, Any]:
    """Every node with its desired and active revision, last status and drift."""

    def read() -> PolicyFleetView:
        with session_scope(engine) as session:
            rows = list_nodes(session, settings.tenant, fleet)
            declared = declarations(session, settings.tenant)
            view = PolicyFleetView(nodes=[row.to_message() for row in rows])
            for node in view.nodes:
                if node.name in declared:
                    node.declared_in = declared[node.name].file
                    node.removed_from_file = declared[node.name].removed_at is not None
            counts: dict[str, float] = {}
            for row in rows:
                counts[row.active_revision] = counts.get(row.active_revision, 0) + 1
            view.by_active_revision.update(counts)
            return view

    return to_api(await asyncio.to_thread(read))


@router.get("/events")
async def get_fleet_events(
    _principal: Viewer,
    engine: EngineDep,
    settings: SettingsDep,
    fleet: Annotated[str | None, Query(pattern=K8S_NAME)] = None,
) -> list[dict[str, Any]]:
    """What happened to nodes outside runs: registered, drifted, drift resolved."""

    def read() -> list[dict[str, Any]]:
        with session_scope(engine) as session:
            return [
                {
                    "at": e.at.isoformat(),
                    "fleet": e.fleet,
                    "node": e.node,
                    "kind": e.kind,
                    "message": e.message,
                }  # fmt: skip
                for e in events(session, settings.tenant, fleet)
            ]

    return await asyncio.to_thread(read)


@router.post("/audits", status_code=http.HTTP_202_ACCEPTED, response_model=RunView)
async def start_drift_audit(
    body: DriftAuditCreate,  # type: ignore[valid-type]
    principal: Operator,
    client: ClientDep,
    engine: EngineDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Read what every node of a fleet runs and record drift (a run; also schedulable)."""
    fields = body.model_dump(exclude_none=True)  # type: ignore[attr-defined]
    context = StartContext(settings=settings, requested_by=principal.name, source="api")

    def resolve() -> PolicyDriftAuditRequest:
        with Session(engine) as session:
            return drift_audit_request(session, fields, context)

    request = await asyncio.to_thread(resolve)
    started = await start_run(client, engine, POLICY_DRIFT_AUDIT, request, context)
    return to_api(started.record)


@router.put("/nodes/{node}", response_model=RegisteredNode)
async def register_fleet_node(
    node: NodeName,
    body: NodeRegistration,
    principal: Admin,
    engine: EngineDep,
    settings: SettingsDep,
    response: Response,
) -> dict[str, Any]:
    """Register a node (or update it, with a new token) and answer with its OPA config."""
    # Keys first: a node must never be configured without a key to verify bundles with.
    await asyncio.to_thread(ensure_signing_key, engine, settings.home)

    def register() -> tuple[PolicyNode, dict[str, Any], bool]:
        with session_scope(engine) as session:
            try:
                row, created = register_node(
                    session, tenant=settings.tenant, name=node, fleet=body.fleet,
                    bundle=body.bundle, url=body.url, labels=body.labels, principal="",
                )  # fmt: skip
            except FleetConflict as conflict:
                raise HTTPException(http.HTTP_409_CONFLICT, str(conflict)) from conflict
            token = issue_node_key(session, row)
            config = node_config(
                node=node, fleet=body.fleet, bundle=body.bundle, labels=body.labels,
                api_base_url=settings.api_base_url, token=token,
                keys=trusted_keys(session), long_poll_seconds=settings.policy_long_poll_seconds,
                persistence_directory=".opa-persist" if body.persist else None,
            )  # fmt: skip
            return row.to_message(), config, created

    message, config, created = await asyncio.to_thread(register)
    log.info("%s registered node %s in fleet %s", principal.name, node, body.fleet)
    response.status_code = http.HTTP_201_CREATED if created else http.HTTP_200_OK
    return {"node": to_api(message), "config": config}


@router.post("/nodes/{node}/config", response_model=RegisteredNode)
async def issue_fleet_node_config(
    node: NodeName,
    principal: Admin,
    engine: EngineDep,
    settings: SettingsDep,
    persist: Annotated[bool, Query(description="The node keeps its bundle on disk")] = False,
) -> dict[str, Any]:
    """A registered node's OPA config with a new token (its earlier one revoked): how a node
    declared in a fleet file gets its config."""
    await asyncio.to_thread(ensure_signing_key, engine, settings.home)

    def issue() -> tuple[PolicyNode, dict[str, Any]]:
        with session_scope(engine) as session:
            row = get_node(session, settings.tenant, node)
            if row is None:
                raise HTTPException(http.HTTP_404_NOT_FOUND, f"no node {node!r} in the fleet")
            token = issue_node_key(session, row)
            config = node_config(
                node=node, fleet=row.fleet, bundle=row.bundle, labels=row.labels,
                api_base_url=settings.api_base_url, token=token,
                keys=trusted_keys(session), long_poll_seconds=settings.policy_long_poll_seconds,
                persistence_directory=".opa-persist" if persist else None,
            )  # fmt: skip
            return row.to_message(), config

    message, config = await asyncio.to_thread(issue)
    log.info("%s issued a new config for node %s", principal.name, node)
    return {"node": to_api(message), "config": config}


@router.delete("/nodes/{node}", status_code=http.HTTP_204_NO_CONTENT)
async def remove_fleet_node(
    node: NodeName, _principal: Admin, engine: EngineDep, settings: SettingsDep
) -> Response:
    """Forget a node and revoke its token; it is served nothing from now on."""

    def remove() -> None:
        with session_scope(engine) as session:
            row = get_node(session, settings.tenant, node)
            if row is None:
                raise HTTPException(http.HTTP_404_NOT_FOUND, f"no node {node!r} in the fleet")
            if row.principal:
                revoke_key(session, row.principal)
            session.delete(row)

    await asyncio.to_thread(remove)
    return Response(status_code=http.HTTP_204_NO_CONTENT)


def _node_or_404(engine: Engine, tenant: str, node: str) -> PolicyNodeRow:
    with session_scope(engine) as session:
        row = get_node(session, tenant, node)
        if row is not None:
            session.expunge(row)
    if row is None:
        raise HTTPException(http.HTTP_404_NOT_FOUND, f"no node {node!r} in the fleet")
    return row


def _only_itself(principal: Principal, row: PolicyNodeRow) -> None:
    if principal.name != row.principal and not principal.has(Role.admin):
        raise HTTPException(
            http.HTTP_403_FORBIDDEN, f"{principal.name} may not act as node {row.name}"
        )


# ---------------------------------------------------------------- what nodes call


@router.get("/nodes/{node}/bundle.tar.gz", response_class=Response)
async def serve_node_bundle(
    node: NodeName,
    request: Request,
    principal: Viewer,
    engine: EngineDep,
    settings: SettingsDep,
    prefer: Annotated[str | None, Header()] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The node's desired bundle (200), or 304 once it runs it (held up to ``Prefer: wait``)."""
    watch: DesiredWatch = request.app.state.desired_watch
    now = datetime.now(UTC)
    row = await asyncio.to_thread(_requested, engine, settings.tenant, node, now)
    _only_itself(principal, row)
    running = etag_revision(if_none_match)
    if not row.desired_version:
        NODE_REQUESTS.labels("nothing").inc()
        raise HTTPException(http.HTTP_404_NOT_FOUND, f"node {node} is served no version yet")
    if running == row.desired_revision:
        if row.sent_revision != row.desired_revision:
            # It rejected what it was sent last and kept this one, which is desired again
            # (a rollback): answer now, so it stops reporting the old error at once.
            await asyncio.to_thread(_sent, engine, settings.tenant, node, running)
            NODE_REQUESTS.labels("not_modified").inc()
            return _not_modified(running)
        wait = wait_seconds(prefer, settings.policy_long_poll_seconds)
        if wait <= 0 or not await watch.wait_for_change(node, running, wait):
            NODE_REQUESTS.labels("not_modified").inc()
            return _not_modified(running)
        row = await asyncio.to_thread(_node_or_404, engine, settings.tenant, node)
        if not row.desired_version or row.desired_revision == running:
            NODE_REQUESTS.labels("not_modified").inc()
            return _not_modified(running)
    artifact = await asyncio.to_thread(watch.artifact, row.desired_version)
    if artifact is None:
        raise HTTPException(http.HTTP_404_NOT_FOUND, f"version {row.desired_version} is gone")
    await asyncio.to_thread(_sent, engine, settings.tenant, node, row.desired_revision)
    NODE_REQUESTS.labels("bundle").inc()
    return Response(
        artifact, media_type=CONTENT_TYPE, headers={"ETag": f'"{row.desired_revision}"'}
    )


def _not_modified(revision: str) -> Response:
    return Response(status_code=http.HTTP_304_NOT_MODIFIED, headers={"ETag": f'"{revision}"'})


def _requested(engine: Engine, tenant: str, node: str, at: datetime) -> PolicyNodeRow:
    with session_scope(engine) as session:
        row = get_node(session, tenant, node)
        if row is None:
            raise HTTPException(http.HTTP_404_NOT_FOUND, f"no node {node!r} in the fleet")
        record_request(session, row, at)
        session.flush()
        session.expunge(row)
        return row


def _sent(engine: Engine, tenant: str, node: str, revision: str) -> None:
    with session_scope(engine) as session:
        row = get_node(session, tenant, node)
        if row is not None:
            record_sent(session, row, revision, datetime.now(UTC))


@router.post("/nodes/{node}/status", status_code=http.HTTP_204_NO_CONTENT)
async def receive_node_status(
    node: NodeName, request: Request, principal: Viewer, engine: EngineDep, settings: SettingsDep
) -> Response:
    """OPA's status push: the active revision and any error, per bundle."""
    try:
        status = json.loads(await request.body())
    except ValueError as error:
        raise HTTPException(http.HTTP_400_BAD_REQUEST, f"status is not JSON: {error}") from None
    if not isinstance(status, dict):
        raise HTTPException(http.HTTP_400_BAD_REQUEST, "status must be a JSON object")
    received = datetime.now(UTC)
    locks: dict[str, asyncio.Lock] = request.app.state.status_locks

    def store() -> str | None:
        with session_scope(engine) as session:
            row = get_node(session, settings.tenant, node)
            if row is None:
                raise HTTPException(http.HTTP_404_NOT_FOUND, f"no node {node!r} in the fleet")
            _only_itself(principal, row)
            return record_status(session, row, BundleStatus.parse(status, row.bundle), received)

    # One status per node at a time, so a later report is never overwritten by an earlier.
    async with locks.setdefault(node, asyncio.Lock()):
        change = await asyncio.to_thread(store)
    if change is not None:
        DRIFT_EVENTS.labels(change).inc()
        log.warning("node %s %s", node, change.replace("_", " "))
    return Response(status_code=http.HTTP_204_NO_CONTENT)


@router.post("/nodes/{node}/logs", status_code=http.HTTP_204_NO_CONTENT)
async def receive_node_decisions(
    node: NodeName,
    request: Request,
    principal: Viewer,
    engine: EngineDep,
    settings: SettingsDep,
    content_encoding: Annotated[str | None, Header()] = None,
) -> Response:
    """OPA's decision logs (a gzipped JSON array), kept as the inputs previews replay."""
    body = await request.body()
    if (content_encoding or "").lower() == "gzip" or body[:2] == b"\x1f\x8b":
        try:
            body = _gunzip(body)
        except (OSError, zlib.error, EOFError) as error:
            raise HTTPException(http.HTTP_400_BAD_REQUEST, f"bad gzip: {error}") from None
    try:
        batch = json.loads(body)
    except ValueError as error:
        raise HTTPException(http.HTTP_400_BAD_REQUEST, f"logs are not JSON: {error}") from None
    if not isinstance(batch, list):
        raise HTTPException(http.HTTP_400_BAD_REQUEST, "decision logs must be a JSON array")
    state = request.app.state

    def store() -> int:
        with session_scope(engine) as session:
            row = get_node(session, settings.tenant, node)
            if row is None:
                raise HTTPException(http.HTTP_404_NOT_FOUND, f"no node {node!r} in the fleet")
            _only_itself(principal, row)
            parsed = [DecisionEvent.parse(e, row.bundle) for e in batch if isinstance(e, dict)]
            stored = record_decisions(
                session, tenant=settings.tenant, fleet=row.fleet, node=node, events=parsed
            )
            batches = getattr(state, "decision_batches", 0) + 1
            state.decision_batches = batches
            if batches % PRUNE_EVERY == 0:
                prune(
                    session, settings.tenant, keep=settings.policy_decisions_keep,
                    keep_hours=settings.policy_decisions_keep_hours,
                )  # fmt: skip
            return stored

    await asyncio.to_thread(store)
    return Response(status_code=http.HTTP_204_NO_CONTENT)


def _gunzip(body: bytes) -> bytes:
    """Unzip at most MAX_LOG_BYTES: a small body must not become a huge one."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = inflater.decompress(body, MAX_LOG_BYTES + 1)
    if len(out) > MAX_LOG_BYTES or inflater.unconsumed_tail:
        raise HTTPException(
            http.HTTP_413_CONTENT_TOO_LARGE, f"decision logs larger than {MAX_LOG_BYTES} bytes"
        )
    return out
