"""Shared fixtures: real Temporal and OPA per session, a fresh task queue per test."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine
from temporalio.client import Client

from activities.kubernetes.actions import KubernetesActivities
from api.app import create_app
from kaizen.persistence.api_keys import Role, create_key
from kaizen.persistence.db import make_engine, session_scope
from kaizen.settings import Settings
from kaizen.stack.kube import LocalKubeControlPlane, ensure_kube_binaries
from kaizen.temporal.client import connect
from tests.healing_fast_catalog import fast_catalog
from tests.servers import SessionServers, start_session_servers
from workers.process import build_workers
from workers.registry import QUEUES, ActivityClients

pytest_plugins = ["tests.prometheus_fixtures", "tests.local_stack", "tests.postgres_server"]


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SessionServers]:
    running = start_session_servers(tmp_path_factory.mktemp("servers"))
    yield running
    running.stop()


@pytest.fixture
def settings(servers: SessionServers, tmp_path: Path) -> Settings:
    """Settings for one test: its own database and task queue on the shared servers."""
    return Settings(
        home=tmp_path / "home",
        temporal_address=servers.temporal_address,
        opa_url=servers.opa_url,
        opa_token=servers.opa_token,
        database_url=f"sqlite:///{tmp_path / 'kaizen.db'}",
        healing_task_queue=f"test-healing-{uuid.uuid4().hex[:10]}",
        approval_timeout_seconds=120,
        window_recheck_seconds=60,
        playbooks_dir=fast_catalog(tmp_path / "playbooks"),
        # Tests that exercise the backoff turn it on; elsewhere a rerun starts afresh.
        healing_backoff_seconds=0,
        # Tests of the RCA a healing run's end starts turn it on; elsewhere a healing test's
        # run would leave an RCA on the shared default RCA queue.
        rca_on_healing_end=False,
    )


@pytest.fixture(scope="session")
async def client(servers: SessionServers) -> Client:
    return await connect(Settings(temporal_address=servers.temporal_address))


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.database)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def kube(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalKubeControlPlane]:
    """A real Kubernetes control plane (etcd, apiserver, controllers, kwok) per session."""
    plane = LocalKubeControlPlane(ensure_kube_binaries(), tmp_path_factory.mktemp("kube"))
    with plane:
        yield plane


@pytest.fixture(scope="session")
def bot(kube: LocalKubeControlPlane) -> KubernetesActivities:
    """The activities as a deployed Kaizen runs them: the bot identity and its RBAC only."""
    return KubernetesActivities(kube.api_client("bot"))


@asynccontextmanager
async def run_worker(
    settings: Settings, kube: LocalKubeControlPlane | None = None
) -> AsyncIterator[None]:
    """An in-process worker on the settings' queue, wired to the real OPA, database and
    (when given) the control plane as the bot."""
    client = await connect(settings)
    clients = ActivityClients.open(settings, kube=kube.api_client("bot") if kube else None)
    workers = build_workers(client, settings, clients, list(QUEUES.values()))
    tasks = [asyncio.create_task(w.run()) for w in workers]
    try:
        yield
    finally:
        await asyncio.gather(*(w.shutdown() for w in workers))
        for task in tasks:
            await task
        await clients.close()


@pytest.fixture
async def worker(settings: Settings, kube: LocalKubeControlPlane) -> AsyncIterator[None]:
    async with run_worker(settings, kube):
        yield


@dataclass
class Keys:
    admin: str
    operator: str
    approver: str
    approver2: str
    viewer: str

    @staticmethod
    def header(key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def keys(engine: Engine) -> Keys:
    with session_scope(engine) as session:
        return Keys(
            admin=create_key(session, name="root", role=Role.admin),
            operator=create_key(session, name="olivia", role=Role.operator),
            approver=create_key(session, name="alice", role=Role.approver),
            approver2=create_key(session, name="bob", role=Role.approver),
            viewer=create_key(session, name="victor", role=Role.viewer),
        )


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The real FastAPI app in-process, its lifespan run as uvicorn would."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kaizen") as http:
            yield http
