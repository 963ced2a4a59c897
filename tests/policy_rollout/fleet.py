"""What the policy rollout tests share: the API on a real port, a worker, and 3 OPA nodes.

The nodes are real OPA processes long-polling the API's bundle server over loopback,
configured exactly as ``PUT /v1/policy-fleet/nodes/{node}`` answers. One such stack is
started per test package (``conftest.py``); every test leaves the fleet consistent.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy.engine import Engine

from api.app import create_app
from kaizen.persistence.api_keys import Role, create_key
from kaizen.persistence.db import make_engine, session_scope
from kaizen.persistence.policy_fleet import set_desired
from kaizen.settings import Settings
from kaizen.stack import tools
from kaizen.stack.opa_fleet import FleetNode
from kaizen.stack.processes import free_port
from kaizen.v1.policy_rollout_pb2 import PolicyNodeTarget
from tests.conftest import Keys, run_worker
from tests.policy_rollout.policies import archive
from tests.servers import SessionServers

FLEET = "test"
BUNDLE = "shop"
NODES = ("n1", "n2", "n3")


@dataclass
class FleetStack:
    settings: Settings
    api: httpx.AsyncClient
    keys: Keys
    nodes: dict[str, FleetNode]
    opa: Path
    engine: Engine
    """The API's own engine. Another engine on the same SQLite file in this process would
    drop the API's file locks when it opens the file (``make_engine`` creates it 0600 with
    os.open/os.close, and POSIX drops a process's locks on any close), and a worker process
    closing last would then delete the WAL under the API."""

    def headers(self, who: str = "operator") -> dict[str, str]:
        return Keys.header(getattr(self.keys, who))

    async def publish(self, files: dict[str, str | bytes], **params: str) -> dict[str, Any]:
        reply = await self.api.post(
            "/v1/policy-bundles", content=archive(files), params={"bundle": BUNDLE, **params},
            headers={**self.headers(), "Content-Type": "application/gzip"},
        )  # fmt: skip
        assert reply.status_code in (200, 201), reply.text
        version: dict[str, Any] = reply.json()
        return version

    async def fleet(self) -> dict[str, dict[str, Any]]:
        reply = await self.api.get(
            "/v1/policy-fleet", params={"fleet": FLEET}, headers=self.headers("viewer")
        )
        assert reply.status_code == 200, reply.text
        return {node["name"]: node for node in reply.json()["nodes"]}

    def serve(self, version: dict[str, Any], nodes: tuple[str, ...] = NODES) -> None:
        """Switch what nodes are served by hand (what a rollout's activity does)."""
        with session_scope(self.engine) as session:
            set_desired(
                session, self.settings.tenant,
                [PolicyNodeTarget(node=n, version_id=version["id"],
                                  revision=version["revision"]) for n in nodes],
                datetime.now(UTC),
            )  # fmt: skip

    async def wait_fleet(
        self, until: Callable[[dict[str, dict[str, Any]]], bool], timeout: float = 20.0
    ) -> dict[str, dict[str, Any]]:
        deadline = time.monotonic() + timeout
        last: dict[str, dict[str, Any]] = {}
        while time.monotonic() < deadline:
            last = await self.fleet()
            if until(last):
                return last
            await asyncio.sleep(0.05)
        raise AssertionError(f"the fleet never got there; last: {last}")

    async def run(self, run_id: str) -> dict[str, Any]:
        reply = await self.api.get(f"/v1/runs/{run_id}", headers=self.headers("viewer"))
        assert reply.status_code == 200, reply.text
        found: dict[str, Any] = reply.json()
        return found

    async def wait_run(
        self, run_id: str, until: Callable[[dict[str, Any]], bool], timeout: float = 60.0
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        last: dict[str, Any] = {}
        while time.monotonic() < deadline:
            reply = await self.api.get(f"/v1/runs/{run_id}", headers=self.headers("viewer"))
            # A running run is read with a query, which needs a worker: while none polls
            # (one was just killed) the read may fail; the next one is answered.
            if reply.status_code >= 500:
                await asyncio.sleep(0.2)
                continue
            assert reply.status_code == 200, reply.text
            last = reply.json()
            if until(last):
                return last
            await asyncio.sleep(0.2)
        raise AssertionError(f"{run_id} never got there; last: {last}")


def all_on(revision: str) -> Callable[[dict[str, dict[str, Any]]], bool]:
    """Every node reports ``revision`` active, with no error."""
    return lambda nodes: all(
        n["active_revision"] == revision and not n["status_code"] for n in nodes.values()
    )


async def register(stack_api: httpx.AsyncClient, admin: str, name: str, **body: Any) -> Any:
    reply = await stack_api.put(
        f"/v1/policy-fleet/nodes/{name}",
        json={"fleet": FLEET, "bundle": BUNDLE, **body},
        headers=Keys.header(admin),
    )
    assert reply.status_code in (200, 201), reply.text
    return reply.json()


@asynccontextmanager
async def fleet_stack(
    servers: SessionServers, directory: Path, *, worker: bool = True
) -> AsyncIterator[FleetStack]:
    """The API on a real port, 3 registered nodes polling it, and (``worker``) a worker
    in this process; without one, a test runs its own worker processes."""
    port = free_port()
    settings = Settings(
        home=directory / "home",
        temporal_address=servers.temporal_address,
        opa_url=servers.opa_url,
        opa_token=servers.opa_token,
        database_url=f"sqlite:///{directory / 'kaizen.db'}",
        api_host="127.0.0.1",
        api_port=port,
        policy_rollout_task_queue=f"test-policy-{uuid.uuid4().hex[:10]}",
        healing_task_queue=f"test-healing-{uuid.uuid4().hex[:10]}",
        approval_timeout_seconds=120,
        # Nodes and tests poll far more than any person: no rate limit gets in the way.
        rate_limit_per_key=10_000,
        rate_limit_per_client=10_000,
        rate_limit_failed_auth=10_000,
    )
    engine = make_engine(settings.database)
    with session_scope(engine) as session:
        keys = Keys(
            admin=create_key(session, name="root", role=Role.admin),
            operator=create_key(session, name="olivia", role=Role.operator),
            approver=create_key(session, name="alice", role=Role.approver),
            approver2=create_key(session, name="bob", role=Role.approver),
            viewer=create_key(session, name="victor", role=Role.viewer),
        )
    engine.dispose()
    app = create_app(settings)
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1
        )
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            serving.result()
        await asyncio.sleep(0.05)
    binary = tools.require(tools.OPA, settings.resolved_tools_dir)
    nodes: dict[str, FleetNode] = {}
    try:
        async with (
            httpx.AsyncClient(base_url=settings.api_base_url, timeout=30) as api,
            run_worker(settings) if worker else contextlib.nullcontext(),
        ):
            for index, name in enumerate(NODES):
                node = FleetNode(
                    name=name, port=free_port(), directory=directory / "nodes" / name,
                    binary=binary,
                )  # fmt: skip
                labels = {"canary": "true" if index == 0 else "false", "region": "eu"}
                registered = await register(api, keys.admin, name, url=node.url, labels=labels)
                node.configure(registered["config"])
                await asyncio.to_thread(node.start)
                nodes[name] = node
            yield FleetStack(settings, api, keys, nodes, binary, app.state.engine)
    finally:
        for node in nodes.values():
            await asyncio.to_thread(node.stop)
        await app.state.desired_watch.close()  # held long polls answered, not cut off
        server.should_exit = True
        await serving
