"""Record the committed replay histories: ``python -m tests.histories.record``.

Run it only when a workflow change is *meant* to be incompatible (and then put
the change behind ``workflow.patched`` instead, if runs may be in flight).
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from temporalio.client import Client, WorkflowHandle

from kaizen.settings import Settings
from kaizen.stack.kube import LocalKubeControlPlane, ensure_kube_binaries
from kaizen.temporal.client import connect
from kaizen.v1.approval_pb2 import APPROVAL_DECISION_APPROVE, ApprovalVote
from kaizen.v1.change_window_pb2 import ChangeWindow, ChangeWindowSignal
from kaizen.v1.common_pb2 import SEVERITY_HIGH, SEVERITY_LOW, RunLimits
from kaizen.v1.healing_pb2 import HealingRequest, HealingResult
from kaizen.v1.kubernetes_pb2 import WorkloadRef
from tests.healing_env import set_service_mode
from tests.healing_fast_catalog import fast_catalog
from tests.kube_workloads import make_workload
from tests.servers import start_session_servers
from workers.process import build_workers
from workers.registry import QUEUES, ActivityClients
from workflows.gates.governed import GovernedRun
from workflows.healing.workflow import HealingWorkflow

HERE = Path(__file__).parent


async def start(
    client: Client,
    settings: Settings,
    workflow_id: str,
    workload: WorkloadRef,
    severity: int,
    playbook: str = "",
) -> WorkflowHandle[HealingWorkflow, HealingResult]:
    limits = RunLimits(
        run_timeout_seconds=600, approval_timeout_seconds=600, window_recheck_seconds=1
    )
    request = HealingRequest(
        service=workload.name, namespace=workload.namespace, symptom="HighErrorRate",
        severity=severity, tenant="default", requested_by="olivia", limits=limits,  # type: ignore[arg-type]
        playbook=playbook,
    )  # fmt: skip
    return await client.start_workflow(
        HealingWorkflow.run, request, id=workflow_id, task_queue=settings.healing_task_queue
    )


async def record(client: Client, settings: Settings, kube: LocalKubeControlPlane) -> None:
    clients = ActivityClients.open(settings, kube=kube.api_client("bot"))
    workers = build_workers(client, settings, clients, list(QUEUES.values()))
    tasks = [asyncio.create_task(w.run()) for w in workers]
    observed_workload = make_workload(kube, revisions=2)
    low = await start(client, settings, "replay-healing-observed", observed_workload, SEVERITY_LOW)
    await low.result()
    workload = make_workload(kube, revisions=2)
    await set_service_mode(settings, clients.engine, workload, "approval")
    high = await start(
        client, settings, "replay-healing-high", workload, SEVERITY_HIGH, playbook="rollback"
    )
    await asyncio.sleep(2)
    await high.signal(
        GovernedRun.change_window,
        ChangeWindowSignal(action=ChangeWindowSignal.ACTION_OPEN,
                           window=ChangeWindow(id="cw-replay", scope="web"), by="olivia"),
    )  # fmt: skip
    # The window itself comes from an operator window in the database:
    from datetime import timedelta

    from kaizen.persistence.change_windows import open_window
    from kaizen.persistence.db import session_scope

    with session_scope(clients.engine) as session:
        open_window(session, scope="web", duration=timedelta(minutes=30), reason="replay",
                    opened_by="olivia")  # fmt: skip
    for _ in range(100):
        status = await high.query(GovernedRun.status)
        if status.phase == "awaiting_approval":
            break
        await asyncio.sleep(0.2)
    await high.execute_update(
        GovernedRun.submit_approval,
        ApprovalVote(approver="bob", decision=APPROVAL_DECISION_APPROVE,
                     approver_roles=["approver"], vote_id="v1"),
    )  # fmt: skip
    await high.result()
    for handle, name in ((low, "healing_observed.json"), (high, "healing_high_approved.json")):
        history = await handle.fetch_history()
        (HERE / name).write_text(history.to_json())
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
            )
            with LocalKubeControlPlane(ensure_kube_binaries(), Path(tmp) / "kube") as kube:
                await record(await connect(settings), settings, kube)
        finally:
            servers.stop()


if __name__ == "__main__":
    asyncio.run(main())
