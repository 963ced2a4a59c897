"""What a healing test sets up: a fast catalog, a service's mode, a risk floor, a run."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.engine import Engine

from activities.opa.client import PolicyClient
from activities.opa.modes import push_modes
from kaizen.persistence.db import session_scope
from kaizen.persistence.healing_modes import set_mode
from kaizen.settings import Settings
from kaizen.v1.kubernetes_pb2 import WorkloadRef
from tests.conftest import Keys


async def set_service_mode(
    settings: Settings, engine: Engine, workload: WorkloadRef, mode: str
) -> None:
    """As ``PUT /v1/healing/modes/...`` does: the database row, then OPA's copy."""
    with session_scope(engine) as session:
        set_mode(session, namespace=workload.namespace, service=workload.name, mode=mode, by="root")
    policy = PolicyClient(settings.opa_base_url, token=settings.opa_token)
    try:
        await push_modes(policy, engine)
    finally:
        await policy.close()


async def set_risk_floor(settings: Settings, namespace: str, risk: str) -> None:
    policy = PolicyClient(settings.opa_base_url, token=settings.opa_token)
    try:
        await policy.put_data("kaizen/healing/namespace_risk_floor", {namespace: risk})
    finally:
        await policy.close()


async def start_run(
    api: httpx.AsyncClient,
    key: str,
    workload: WorkloadRef,
    *,
    symptom: str = "HighErrorRate",
    severity: str = "high",
    **extra: Any,
) -> dict[str, Any]:
    reply = await api.post(
        "/v1/healing-runs",
        json={"service": workload.name, "namespace": workload.namespace, "symptom": symptom,
              "severity": severity, **extra},
        headers=Keys.header(key),
    )  # fmt: skip
    assert reply.status_code == 202, reply.text
    run: dict[str, Any] = reply.json()
    return run
