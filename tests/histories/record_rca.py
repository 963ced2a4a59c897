"""Record the RCA run's replay history: ``python -m tests.histories.record_rca``.

An exported incident (the F01 fixture, inline only) is drafted, a reviewer edits a
section and rates the draft, changes are requested and answered, two reviewers approve,
and the RCA is final. Like ``record``: run it only when a change is *meant* to be
incompatible (and then put the change behind ``workflow.patched`` instead).
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path

from temporalio.client import Client, WorkflowHandle

from activities.rca.evaluate import DEFAULT_DIR
from kaizen.kinds.base import StartContext
from kaizen.kinds.rca import RCA
from kaizen.settings import Settings
from kaizen.temporal.client import connect
from kaizen.v1.approval_pb2 import APPROVAL_DECISION_APPROVE, ApprovalVote
from kaizen.v1.rca_pb2 import RcaChangeRequest, RcaEdit, RcaRating, RcaResult
from tests.servers import start_session_servers
from workers.process import build_workers
from workers.registry import QUEUES, ActivityClients
from workflows.gates.governed import GovernedRun
from workflows.rca.workflow import RcaWorkflow

HERE = Path(__file__).parent


async def in_review(handle: WorkflowHandle[RcaWorkflow, RcaResult]) -> int:
    while True:
        result = await handle.query(RcaWorkflow.rca)
        if result.document.status == "in_review":
            return result.document.version
        await asyncio.sleep(0.2)


async def record(client: Client, settings: Settings) -> None:
    clients = ActivityClients.open(settings, kube=None)
    workers = build_workers(client, settings, clients, [QUEUES["rca"]])
    tasks = [asyncio.create_task(w.run()) for w in workers]
    fixture = json.loads((DEFAULT_DIR / "F01-bad-deploy-5xx.json").read_text())
    context = StartContext(settings=settings, requested_by="olivia", source="api")
    request = RCA.build_input(
        {**fixture["request"], "evidence": fixture["evidence"], "inline_only": True,
         "incident_key": "replay"},
        context,
    )  # fmt: skip
    handle = await client.start_workflow(
        RcaWorkflow.run, request, id="replay-rca-final", task_queue=settings.rca_task_queue
    )
    version = await in_review(handle)
    edit = RcaEdit(section="lessons_learned", text="Canary images.", base_version=version,
                   editor="alice")  # fmt: skip
    await handle.execute_update(RcaWorkflow.edit_section, edit)
    await handle.execute_update(RcaWorkflow.rate, RcaRating(reviewer="alice", score=4))
    await handle.execute_update(
        RcaWorkflow.request_changes, RcaChangeRequest(reviewer="bob", reason="impact numbers?")
    )
    await handle.execute_update(
        RcaWorkflow.edit_section,
        RcaEdit(section="impact", text="12% of checkouts failed for 25 minutes.",
                base_version=version + 1, editor="bob"),
    )  # fmt: skip
    for approver in ("alice", "bob"):
        vote = ApprovalVote(
            approver=approver, decision=APPROVAL_DECISION_APPROVE, approver_roles=["approver"],
            source="api", vote_id=f"replay-{approver}",
        )  # fmt: skip
        await handle.execute_update(GovernedRun.submit_approval, vote)
    result = await handle.result()
    assert result.document.status == "final", result.reason
    (HERE / "rca_final.json").write_text((await handle.fetch_history()).to_json())
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
                rca_task_queue="replay-recording-rca",
            )
            await record(await connect(settings), settings)
        finally:
            servers.stop()


if __name__ == "__main__":
    asyncio.run(main())
