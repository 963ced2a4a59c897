"""RCA tests: a task queue of their own per test, and reading rights for the bot."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from activities.rca.evaluate import DEFAULT_DIR as FIXTURES
from api.app import create_app
from kaizen.settings import Settings
from kaizen.stack.kube import LocalKubeControlPlane
from tests.conftest import run_worker
from tests.prometheus_fixtures import ScrapedPrometheus

# What an RCA reads beyond what the healing bot may: events and pod logs (read only).
RCA_READER_RULES = [
    {"apiGroups": [""], "resources": ["events", "pods/log"], "verbs": ["get", "list"]},
    {"apiGroups": ["events.k8s.io"], "resources": ["events"], "verbs": ["get", "list"]},
]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings with this test's own RCA queue and short review waits."""
    return settings.model_copy(update={"rca_task_queue": f"test-rca-{uuid.uuid4().hex[:10]}"})


def grant_rca_reader(kube: LocalKubeControlPlane, namespace: str) -> None:
    """Let the bot read events and pod logs in ``namespace`` (as a deployment would grant)."""
    name = "kaizen-rca-reader"
    kube.apply(
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
         "metadata": {"name": name, "namespace": namespace}, "rules": RCA_READER_RULES},
        f"/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/roles/{name}",
    )  # fmt: skip
    kube.apply(
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
         "metadata": {"name": name, "namespace": namespace},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
         "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User",
                       "name": kube.bot_user}]},
        f"/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/rolebindings/{name}",
    )  # fmt: skip


@pytest.fixture
async def rca_worker(
    settings: Settings, kube: LocalKubeControlPlane, prometheus: ScrapedPrometheus
) -> AsyncIterator[Settings]:
    """A worker that sees the cluster (as the bot) and Prometheus; the API uses the same."""
    with_prometheus = settings.model_copy(update={"prometheus_url": prometheus.url})
    async with run_worker(with_prometheus, kube):
        yield with_prometheus


@asynccontextmanager
async def api_for(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The real app on settings of a test's own (like the ``api`` fixture)."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kaizen") as http:
            yield http


def fixture_body(name: str, **extra: Any) -> dict[str, Any]:
    """A fixture's request and evidence as a ``POST /v1/rca-runs`` body."""
    body = json.loads((FIXTURES / f"{name}.json").read_text())
    return {**body["request"], "evidence": body["evidence"], **extra}
