"""What a promotion test sets up: a workload, environments for it, a worker and the API.

Environments are written per test (its own namespace, short intervals) into a
directory the test's settings point at; the worker and the API are the real ones,
on the session's Temporal, OPA, kube-apiserver and Prometheus.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from api.app import create_app
from kaizen.settings import Settings
from kaizen.stack.kube import LocalKubeControlPlane
from kaizen.v1.kubernetes_pb2 import WorkloadRef
from tests.conftest import Keys, run_worker
from tests.kube_workloads import read

ERROR_RATIO = "promo_error_ratio"
IMAGE_V2 = "registry.local/web:2"
DIGEST = "sha256:" + "ab" * 32

# The metric every test environment judges a Deployment by: the error ratio the test
# sets on the scrape target for that Deployment ({{target}}: the canary, then stable).
ERROR_RATE_METRIC = """
[metrics.error_rate]
query = 'max(promo_error_ratio{{namespace="{{{{namespace}}}}",deployment="{{{{target}}}}"}})'
interval = "1s"
count = {count}
success_condition = "result[0] < 0.01"
failure_condition = "result[0] >= 0.05"
consecutive_error_limit = {errors}
"""


def environment_toml(
    name: str,
    namespace: str,
    *,
    order: int = 1,
    upstream: str = "",
    approvals: int = 0,
    gate: str = "",
    steps: str = "",
    background: str = "",
    verification: str = "",
    count: int = 2,
    errors: int = 1,
    extra: str = "",
) -> str:
    return f"""
name = "{name}"
order = {order}
upstream = "{upstream}"
namespace = "{namespace}"
gate_timeout = "2m"
{extra}

[approvals]
required = {approvals}
roles = ["approver", "admin"]

[gate]
{gate}
{ERROR_RATE_METRIC.format(count=count, errors=errors)}
[rollout]
max_surge = 1
progress_deadline = "30s"
decision_timeout = "2m"
background_analysis = [{background}]
verification = [{verification}]
steps = [{steps}]
"""


def grant_promoter(kube: LocalKubeControlPlane, namespace: str) -> None:
    """The bot's extra rights for canaries: create and delete Deployments (README)."""
    kube.apply(
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": "kaizen-promoter", "namespace": namespace},
            "rules": [
                {
                    "apiGroups": ["apps"],
                    "resources": ["deployments"],
                    "verbs": ["create", "delete"],
                },
            ],
        },  # fmt: skip
        f"/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/roles/kaizen-promoter",
    )
    kube.apply(
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "kaizen-promoter", "namespace": namespace},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "Role",
                "name": "kaizen-promoter",
            },
            "subjects": [
                {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": kube.bot_user}
            ],
        },  # fmt: skip
        f"/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/rolebindings/kaizen-promoter",
    )


def deployments(kube: LocalKubeControlPlane, namespace: str) -> dict[str, dict[str, Any]]:
    """Every Deployment in ``namespace`` by name, with its spec as the API server has it."""
    listing = kube.request("GET", f"/apis/apps/v1/namespaces/{namespace}/deployments")
    return {item["metadata"]["name"]: item["spec"] for item in listing["items"]}


def image_of(kube: LocalKubeControlPlane, ref: WorkloadRef) -> str:
    return str(read(kube, ref)["spec"]["template"]["spec"]["containers"][0]["image"])


@dataclass
class PromotionStack:
    api: httpx.AsyncClient
    settings: Settings
    keys: Keys

    def headers(self, who: str = "operator") -> dict[str, str]:
        return Keys.header(getattr(self.keys, who))

    async def register(self, service: str, image: str = IMAGE_V2, **evidence: Any) -> str:
        version = f"2.{uuid.uuid4().hex[:6]}"
        body = {"service": service, "image": image, "version": version, "commit": "abc123"}
        if evidence:
            body["evidence"] = evidence
        reply = await self.api.post("/v1/builds", json=body, headers=self.headers())
        assert reply.status_code == 201, reply.text
        return str(reply.json()["id"])

    async def promote(self, build_id: str, environment: str) -> dict[str, Any]:
        reply = await self.api.post(
            "/v1/promotions",
            json={"build_id": build_id, "environment": environment},
            headers=self.headers(),
        )
        assert reply.status_code == 202, reply.text
        run: dict[str, Any] = reply.json()
        return run

    async def run(self, run_id: str) -> dict[str, Any]:
        reply = await self.api.get(f"/v1/runs/{run_id}", headers=self.headers("viewer"))
        assert reply.status_code == 200, reply.text
        found: dict[str, Any] = reply.json()
        return found

    async def wait(
        self, run_id: str, until: Callable[[dict[str, Any]], bool], *, timeout: float = 60.0
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        last: dict[str, Any] = {}
        while time.monotonic() < deadline:
            last = await self.run(run_id)
            if until(last):
                return last
            await asyncio.sleep(0.3)
        raise AssertionError(f"{run_id} never reached the expected state; last: {last}")

    async def control(
        self, run_id: str, action: str, who: str = "operator", **extra: Any
    ) -> httpx.Response:
        return await self.api.post(
            f"/v1/promotions/{run_id}/controls",
            json={"action": action, **extra},
            headers=self.headers(who),
        )


def metric_value(text: str, name: str, **labels: str) -> float:
    """One sample of the API's /metrics text (0 when absent)."""
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def ended(run: dict[str, Any]) -> bool:
    return bool(run["status"] != "running")


def in_phase(phase: str) -> Callable[[dict[str, Any]], bool]:
    return lambda run: run["phase"] == phase


def events_of(run: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e for e in run["events"] if e["type"] == kind]


def write_environments(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / f"{name}.toml").write_text(text)
    return directory


@asynccontextmanager
async def promotion_stack(
    settings: Settings,
    kube: LocalKubeControlPlane | None,
    keys: Keys,
    environments: Path,
    *,
    prometheus_url: str | None,
) -> AsyncIterator[PromotionStack]:
    """A worker and the API on ``settings`` with a queue of their own for promotions."""
    ours = settings.model_copy(
        update={
            "promotion_task_queue": f"test-promotion-{uuid.uuid4().hex[:10]}",
            "environments_dir": environments,
            "prometheus_url": prometheus_url,
        }
    )
    app = create_app(ours)
    async with run_worker(ours, kube), app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kaizen") as http:
            yield PromotionStack(api=http, settings=ours, keys=keys)
