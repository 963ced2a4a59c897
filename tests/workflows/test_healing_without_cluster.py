"""Healing without a cluster ends honestly: at once, saying why, learning untouched.

A new user's first try: no kubeconfig (the workers offer no Kubernetes activities)
and no Prometheus, a service put in approval or autonomous mode, a run started. The
playbook's verification timeout here is long (300 s), so a run that sat in
``verifying`` until it passed, as it used to, would fail these tests by timing out.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine

from kaizen.settings import Settings
from kaizen.v1.kubernetes_pb2 import WorkloadRef
from tests.conftest import Keys, run_worker
from tests.healing_env import start_run
from tests.healing_fast_catalog import fast_catalog
from tests.polling import ended, event_types, wait_for_run
from tests.workflows.test_healing import learned

VERIFICATION_TIMEOUT = 300
ENDS_WITHIN_SECONDS = 20.0


@pytest.fixture
async def clusterless_worker(settings: Settings, tmp_path: Path) -> AsyncIterator[Settings]:
    """A worker built without a kubeconfig or Prometheus, with a slow verification."""
    slow = settings.model_copy(
        update={
            "playbooks_dir": fast_catalog(
                tmp_path / "slow-playbooks", timeout_seconds=VERIFICATION_TIMEOUT
            ),
            "prometheus_url": None,
        }
    )
    async with run_worker(slow, kube=None):
        yield slow


async def put_mode(api: httpx.AsyncClient, keys: Keys, workload: WorkloadRef, mode: str) -> None:
    reply = await api.put(
        f"/v1/healing/modes/{workload.namespace}/{workload.name}",
        json={"mode": mode},
        headers=Keys.header(keys.admin),
    )
    assert reply.status_code == 200, reply.text


@pytest.mark.parametrize("mode", ["approval", "autonomous"])
async def test_a_run_without_a_cluster_ends_at_once_with_nothing_to_do(
    api: httpx.AsyncClient, keys: Keys, engine: Engine, clusterless_worker: Settings, mode: str
) -> None:
    workload = WorkloadRef(namespace="shop", name=f"checkout-{uuid.uuid4().hex[:6]}")
    await put_mode(api, keys, workload, mode)

    began = time.monotonic()
    run = await start_run(api, keys.operator, workload, symptom="CrashLoopBackOff")
    done = await wait_for_run(
        api, run["id"], Keys.header(keys.viewer), ended, timeout=ENDS_WITHIN_SECONDS
    )
    assert time.monotonic() - began < ENDS_WITHIN_SECONDS

    result = done["result"]
    assert result["outcome"] == "nothing_to_do", result["reason"]
    assert "no cluster is configured" in result["reason"]
    assert result["policy"]["mode"] == mode and result["policy"]["allowed"]
    types = event_types(done)
    assert "run.nothing_to_do" in types
    assert not {"approval.requested", "verification.check", "rollback.applied"} & set(types)
    said = next(e for e in done["events"] if e["type"] == "run.nothing_to_do")
    assert "no cluster is configured" in said["message"]
    # Neither a success nor a failure the playbook did not earn: nothing at all.
    assert learned(engine, done) == []


async def test_an_observe_playbook_with_nothing_to_verify_with_ends_at_once(
    api: httpx.AsyncClient, keys: Keys, engine: Engine, clusterless_worker: Settings
) -> None:
    workload = WorkloadRef(namespace="shop", name=f"cart-{uuid.uuid4().hex[:6]}")
    await put_mode(api, keys, workload, "approval")
    run = await start_run(api, keys.operator, workload, playbook="observe")
    done = await wait_for_run(
        api, run["id"], Keys.header(keys.viewer), ended, timeout=ENDS_WITHIN_SECONDS
    )
    result = done["result"]
    assert result["outcome"] == "nothing_to_do", result["reason"]
    assert "nothing to verify" in result["reason"]
    assert "verification.check" not in event_types(done)
    assert learned(engine, done) == []
