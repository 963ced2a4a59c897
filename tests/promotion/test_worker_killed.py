"""A worker killed in the middle of a rollout: another finishes it, every change made once.

The worker runs as a real process (``python -m workers.process``) and is killed with
SIGKILL while the rollout's first step waits for the canary's pods (the node is
cordoned meanwhile, so the step cannot finish before the kill). A second worker picks
the run up: Temporal retries the activity that was in flight (its heartbeat stops),
which finds its own op-id on the object and repeats nothing.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from temporalio.api.enums.v1 import PendingActivityState
from temporalio.client import Client

from api.app import create_app
from kaizen.settings import Settings
from kaizen.stack.kube import FAKE_NODE_NAME, LocalKubeControlPlane
from tests.conftest import Keys
from tests.kube_workloads import make_workload
from tests.prometheus_fixtures import ScrapedPrometheus
from tests.promotion.stack import (
    IMAGE_V2,
    PromotionStack,
    deployments,
    ended,
    environment_toml,
    grant_promoter,
    image_of,
    write_environments,
)
from tests.promotion.test_rollout import EVIDENCE, canary_error_ratio
from tests.servers import REPO


def worker_process(
    settings: Settings, kube: LocalKubeControlPlane, log: Path
) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAIZEN_")}
    env.update(
        KAIZEN_HOME=str(settings.home),
        KAIZEN_TEMPORAL_ADDRESS=settings.temporal_target,
        KAIZEN_OPA_URL=settings.opa_base_url,
        KAIZEN_OPA_TOKEN=settings.opa_token or "",
        KAIZEN_DATABASE_URL=settings.database,
        KAIZEN_PROMOTION_TASK_QUEUE=settings.promotion_task_queue,
        KAIZEN_HEALING_TASK_QUEUE=settings.healing_task_queue,
        KAIZEN_KUBECONFIG=str(kube.bot_kubeconfig),
        KAIZEN_PROMETHEUS_URL=settings.prometheus_url or "",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "workers.process", "--queues", "promotion"],
        cwd=REPO, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip


@contextmanager
def cordoned(kube: LocalKubeControlPlane) -> Iterator[None]:
    def unschedulable(value: bool) -> None:
        kube.request(
            "PATCH", f"/api/v1/nodes/{FAKE_NODE_NAME}", {"spec": {"unschedulable": value}},
            content_type="application/merge-patch+json",
        )  # fmt: skip

    unschedulable(True)
    try:
        yield
    finally:
        unschedulable(False)


async def in_flight(client: Client, run_id: str, activity_type: str, log: Path) -> None:
    """Until the run's pending activities include a started ``activity_type``."""
    deadline = time.monotonic() + 60
    while True:
        description = await client.get_workflow_handle(run_id).describe()
        pending = description.raw_description.pending_activities
        if any(
            a.activity_type.name == activity_type
            and a.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
            for a in pending
        ):
            return
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        await asyncio.sleep(0.05)


async def test_a_worker_killed_mid_step_leaves_every_change_made_once(
    settings: Settings,
    kube: LocalKubeControlPlane,
    keys: Keys,
    prometheus: ScrapedPrometheus,
    client: Client,
    tmp_path: Path,
) -> None:
    workload = make_workload(kube, replicas=2)
    grant_promoter(kube, workload.namespace)
    await canary_error_ratio(prometheus, workload, 0.001)
    steps = '{ set_weight = 50 }, { analysis = ["error_rate"] }'
    files = {"staging": environment_toml("staging", workload.namespace, steps=steps)}
    ours = settings.model_copy(
        update={
            "promotion_task_queue": f"test-promotion-killed-{time.monotonic_ns()}",
            "environments_dir": write_environments(tmp_path / "e", files),
            "prometheus_url": prometheus.url,
        }
    )
    log = tmp_path / "worker.log"
    app = create_app(ours)
    first = worker_process(ours, kube, log)
    second: subprocess.Popen[bytes] | None = None
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://kaizen") as http:
                stack = PromotionStack(api=http, settings=ours, keys=keys)
                build = await stack.register("web", **EVIDENCE)
                run_id = (await stack.promote(build, "staging"))["id"]
                # The canary's pods cannot be scheduled while the node is cordoned, so
                # the first step is certainly in flight (waiting for them) at the kill,
                # however slowly this machine runs.
                with cordoned(kube):
                    await in_flight(client, run_id, "wait_available", log)
                    assert "web-canary" in deployments(kube, workload.namespace)
                    first.send_signal(signal.SIGKILL)  # in the middle of the first step
                    first.wait(timeout=10)
                second = worker_process(ours, kube, log)
                done = await stack.wait(run_id, ended, timeout=90)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
    result = done["result"]
    assert result["outcome"] == "promoted", (result["reason"], log.read_text()[-3000:])
    applied = Counter(
        (c["action"], c["op_id"].rsplit("/", 1)[-1]) for c in result["changes"] if c["applied"]
    )
    assert all(n == 1 for n in applied.values()), applied
    actions = [c["action"] for c in result["changes"]]
    assert actions == [
        "canary_create", "stable_scale", "stable_promote", "canary_scale", "canary_delete",
    ]  # fmt: skip
    assert set(deployments(kube, workload.namespace)) == {"web"}
    assert image_of(kube, workload) == IMAGE_V2
    # The step in flight was retried by the second worker (its first attempt died).
    history = await client.get_workflow_handle(run_id).fetch_history()
    retried = [
        e.activity_task_started_event_attributes.attempt
        for e in history.events
        if e.HasField("activity_task_started_event_attributes")
        and e.activity_task_started_event_attributes.attempt > 1
    ]
    assert retried, "no activity was retried: the worker died between steps"
