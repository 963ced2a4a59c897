"""Record the sweep's and the nothing-to-do run's replay histories:
``python -m tests.histories.record_sweep``.

Like ``record``: run it only when a change is *meant* to be incompatible.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from temporalio.client import Client

from kaizen.kinds.base import StartContext
from kaizen.kinds.healing_sweep import HEALING_SWEEP
from kaizen.settings import Settings
from kaizen.stack.kube import LocalKubeControlPlane, ensure_kube_binaries
from kaizen.temporal.client import connect
from kaizen.v1.common_pb2 import SEVERITY_HIGH, RunLimits
from kaizen.v1.healing_pb2 import HealingRequest
from kaizen.v1.kubernetes_pb2 import WorkloadRef
from tests.healing_env import set_service_mode
from tests.healing_fast_catalog import fast_catalog
from tests.kube_workloads import deployment, make_workload, read
from tests.servers import start_session_servers
from workers.process import build_workers
from workers.registry import QUEUES, ActivityClients
from workflows.healing.workflow import HealingWorkflow

HERE = Path(__file__).parent


async def record_nothing_to_do(client: Client, settings: Settings) -> None:
    """No cluster, approval mode: the run ends at once as nothing_to_do."""
    clients = ActivityClients.open(settings, kube=None)
    workers = build_workers(client, settings, clients, list(QUEUES.values()))
    tasks = [asyncio.create_task(w.run()) for w in workers]
    workload = WorkloadRef(namespace="shop", name="checkout")
    await set_service_mode(settings, clients.engine, workload, "approval")
    request = HealingRequest(
        service=workload.name, namespace=workload.namespace, symptom="CrashLoopBackOff",
        severity=SEVERITY_HIGH, tenant="default", requested_by="olivia",
        limits=RunLimits(run_timeout_seconds=600, approval_timeout_seconds=600),
    )  # fmt: skip
    handle = await client.start_workflow(
        HealingWorkflow.run,
        request,
        id="replay-healing-nothing-to-do",
        task_queue=settings.healing_task_queue,
    )
    await handle.result()
    (HERE / "healing_nothing_to_do.json").write_text((await handle.fetch_history()).to_json())
    await asyncio.gather(*(w.shutdown() for w in workers))
    for task in tasks:
        await task
    await clients.close()


async def record_sweep(client: Client, settings: Settings, kube: LocalKubeControlPlane) -> None:
    """A namespace with a calm and a stranded Deployment: one run started."""
    clients = ActivityClients.open(settings, kube=kube.api_client("bot"))
    workers = build_workers(client, settings, clients, list(QUEUES.values()))
    tasks = [asyncio.create_task(w.run()) for w in workers]
    calm = make_workload(kube, name="calm", replicas=1)
    body = deployment("stranded", 1, {"nodeSelector": {"type": "nowhere"}})
    kube.request("POST", f"/apis/apps/v1/namespaces/{calm.namespace}/deployments", body)
    stranded = WorkloadRef(namespace=calm.namespace, name="stranded")
    while not any(
        c["type"] == "Available" and c["status"] == "False"
        for c in read(kube, stranded).get("status", {}).get("conditions", [])
    ):
        time.sleep(0.2)
    context = StartContext(settings=settings, requested_by="olivia", source="api")
    request = HEALING_SWEEP.build_input({"namespace": calm.namespace}, context)
    handle = await client.start_workflow(
        HEALING_SWEEP.workflow.run,  # type: ignore[attr-defined]
        request,
        id="replay-healing-sweep",
        task_queue=settings.healing_task_queue,
    )
    await handle.result()
    (HERE / "healing_sweep.json").write_text((await handle.fetch_history()).to_json())
    await asyncio.gather(*(w.shutdown() for w in workers))
    for task in tasks:
        await task
    await clients.close()


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        servers = start_session_servers(Path(tmp))
        try:
            settings = Settings(
                temporal_address=servers.temporal_address,
                opa_url=servers.opa_url,
                opa_token=servers.opa_token,
                database_url=f"sqlite:///{tmp}/kaizen.db",
                healing_task_queue="replay-recording",
                playbooks_dir=fast_catalog(Path(tmp) / "playbooks"),
                healing_backoff_seconds=0,
            )
            client = await connect(settings)
            await record_nothing_to_do(client, settings)
            with LocalKubeControlPlane(ensure_kube_binaries(), Path(tmp) / "kube") as kube:
                await record_sweep(client, settings, kube)
        finally:
            servers.stop()


if __name__ == "__main__":
    asyncio.run(main())
