"""Planning says when a worker can neither act nor verify, before a run waits on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from activities.healing.planning import PlanningActivities
from activities.prometheus.client import PrometheusClient
from kaizen.catalog.playbooks import DEFAULT_DIR, load_catalog
from kaizen.persistence.db import make_engine
from kaizen.v1.healing_pb2 import Diagnosis, HealingRequest, PlanRequest

CATALOG = load_catalog(DEFAULT_DIR)


@pytest.fixture
async def prometheus() -> AsyncIterator[PrometheusClient]:
    """Configured, never queried: planning only asks whether verification could read it."""
    client = PrometheusClient("http://127.0.0.1:9")
    yield client
    await client.close()


async def plan(
    tmp_path: Path,
    *,
    kube: Any = None,
    prometheus: PrometheusClient | None = None,
    playbook: str = "",
    diagnosis: str = "crash_loop",
) -> str:
    engine = make_engine(f"sqlite:///{tmp_path / 'learning.db'}")
    try:
        planning = PlanningActivities(CATALOG, engine, kube, min_history=5, prometheus=prometheus)
        request = HealingRequest(
            service="web", namespace="shop", symptom="Trouble", tenant="default", playbook=playbook
        )
        made = await planning.plan_healing(
            PlanRequest(request=request, diagnosis=Diagnosis(category=diagnosis))
        )
        return made.nothing_to_do
    finally:
        engine.dispose()


async def test_without_a_cluster_a_playbook_with_steps_has_nothing_to_act_on(
    tmp_path: Path, prometheus: PrometheusClient
) -> None:
    # Even with Prometheus to watch: a restart that cannot happen has nothing to verify.
    said = await plan(tmp_path, prometheus=prometheus)
    assert said == "no cluster is configured: restart cannot change shop/web"


async def test_observing_without_a_cluster_needs_a_signal_to_watch(
    tmp_path: Path, prometheus: PrometheusClient
) -> None:
    alone = await plan(tmp_path, playbook="observe", diagnosis="error_rate")
    assert "neither a cluster nor Prometheus is configured" in alone
    no_signal = await plan(tmp_path, prometheus=prometheus, playbook="observe", diagnosis="unknown")
    assert "has no Prometheus signal" in no_signal
    # Prometheus and the diagnosis's signal: the observe playbook watches; that is a run.
    watched = await plan(
        tmp_path, prometheus=prometheus, playbook="observe", diagnosis="error_rate"
    )
    assert watched == ""


async def test_with_a_cluster_there_is_always_something_to_do(tmp_path: Path) -> None:
    cluster = SimpleNamespace()  # observe resolves no steps, so the cluster is never read
    assert await plan(tmp_path, kube=cluster, playbook="observe", diagnosis="unknown") == ""
