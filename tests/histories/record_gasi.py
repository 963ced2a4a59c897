"""Record GASI's replay histories: ``python -m tests.histories.record_gasi [NAME …]``
(played, steered, adoption; all without names).

Like ``record``: run it only when a change is *meant* to be incompatible.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from temporalio.client import Client, WorkflowHandle

from kaizen.kinds.base import StartContext
from kaizen.kinds.gasi import GASI, GASI_ADOPTION
from kaizen.settings import Settings
from kaizen.temporal.client import connect
from kaizen.v1.approval_pb2 import APPROVAL_DECISION_APPROVE, ApprovalVote
from kaizen.v1.gasi_pb2 import GasiBudgetChange, GasiBudgets, GasiControl, GasiRunResult
from tests.servers import start_session_servers
from workers.process import build_workers
from workers.registry import QUEUES, ActivityClients
from workflows.gasi.adoption import GasiAdoptionWorkflow
from workflows.gasi.workflow import GasiWorkflow
from workflows.gates.governed import GovernedRun

HERE = Path(__file__).parent
TINY = {"pool_size": 3, "adversaries_per_generation": 2, "initial_adversaries": 4,
        "forge_attempts": 6, "seed": 3}  # fmt: skip


async def start(
    client: Client, settings: Settings, name: str, **config: object
) -> WorkflowHandle[GasiWorkflow, GasiRunResult]:
    context = StartContext(settings=settings, requested_by="olivia", source="api")
    request = GASI.build_input(
        {"arena": "alert_rule", "name": name, "config": {**TINY, **config}}, context
    )
    return await client.start_workflow(
        GasiWorkflow.run, request, id=f"replay-gasi-{name}", task_queue=settings.gasi_task_queue
    )


async def record_played(client: Client, settings: Settings) -> None:
    # Two generations: the first run opens, plays and continues as new; the last finishes.
    played = await start(client, settings, "played", generations=2)
    await played.result()
    runs = [e.run_id async for e in client.list_workflows(f'WorkflowId = "{played.id}"')]
    first, last = runs[-1], runs[0]
    for run_id, name in ((first, "gasi_opened.json"), (last, "gasi_finished.json")):
        history = await client.get_workflow_handle(played.id, run_id=run_id).fetch_history()
        (HERE / name).write_text(history.to_json())


async def record_steered(client: Client, settings: Settings) -> None:
    """Paused at once, budgets changed, resumed, stopped after a generation."""
    steered = await start(client, settings, "steered")
    await steered.signal(GasiWorkflow.pause, GasiControl(by="olivia", reason="replay"))
    while (await steered.query(GovernedRun.status)).phase != "paused":
        await asyncio.sleep(0.2)
    await steered.execute_update(
        GasiWorkflow.change_budgets,
        GasiBudgetChange(budgets=GasiBudgets(evaluations=100_000), generations=5, by="olivia"),
    )
    await steered.signal(GasiWorkflow.resume, GasiControl(by="olivia"))
    await steered.signal(GasiWorkflow.stop, GasiControl(by="olivia", reason="replay"))
    await steered.result()
    (HERE / "gasi_steered.json").write_text((await steered.fetch_history()).to_json())


async def record_adoption(client: Client, settings: Settings) -> None:
    """A one-generation tournament, then its champion adopted with one approval."""
    played = await start(client, settings, "adopted", generations=1)
    await played.result()
    context = StartContext(settings=settings, requested_by="olivia", source="api")
    request = GASI_ADOPTION.build_input({"tournament": played.id}, context)
    adoption = await client.start_workflow(
        GasiAdoptionWorkflow.run, request, id="replay-gasi-adoption",
        task_queue=settings.gasi_task_queue,
    )  # fmt: skip
    while (await adoption.query(GovernedRun.status)).phase != "awaiting_approval":
        await asyncio.sleep(0.2)
    await adoption.execute_update(
        GovernedRun.submit_approval,
        ApprovalVote(approver="bob", decision=APPROVAL_DECISION_APPROVE,
                     approver_roles=["approver"], vote_id="v1"),
    )  # fmt: skip
    await adoption.result()
    (HERE / "gasi_adoption.json").write_text((await adoption.fetch_history()).to_json())


RECORDINGS = {"played": record_played, "steered": record_steered, "adoption": record_adoption}


async def record(client: Client, settings: Settings, names: list[str]) -> None:
    clients = ActivityClients.open(settings, kube=None)
    workers = build_workers(client, settings, clients, list(QUEUES.values()))
    tasks = [asyncio.create_task(w.run()) for w in workers]
    for name in names or list(RECORDINGS):
        await RECORDINGS[name](client, settings)
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
                gasi_task_queue="replay-gasi",
                gasi_evaluation_task_queue="replay-gasi-evaluation",
                gasi_adoptions_dir=Path(tmp) / "adoptions",
            )
            await record(await connect(settings), settings, sys.argv[1:])
        finally:
            servers.stop()


if __name__ == "__main__":
    asyncio.run(main())
