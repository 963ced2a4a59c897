"""The RCA backlog batch: incidents whose alerts resolved without an RCA get one.

Schedulable (``kind: rca_backlog``). One batch at a time per tenant. Each RCA is started as
an abandoned child on the RCA queue with its own incident id, so an incident that got its
RCA meanwhile (from the alert, or by hand) is found already started and counted, never
analysed twice. At most ``max_concurrent`` starts are in flight at once and ``limit``
per batch; the schedule's interval bounds the rest.
"""

from __future__ import annotations

import asyncio

from temporalio import workflow
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.rca.records import RcaRecordActivities
    from kaizen.temporal.search_attributes import (
        KAIZEN_KIND,
        KAIZEN_PHASE,
        KAIZEN_RISK,
        KAIZEN_SERVICE,
        KAIZEN_TENANT,
    )
    from kaizen.v1.rca_pb2 import (
        RcaBacklog,
        RcaBacklogRequest,
        RcaBacklogResult,
        RcaRequest,
        RcaTrigger,
    )
    from workflows.gates.governed import GovernedRun
    from workflows.gates.presets import STORE_WRITE

    from .workflow import KIND as RCA_KIND
    from .workflow import RcaWorkflow

KIND = "rca_backlog"


@workflow.defn
class RcaBacklogWorkflow(GovernedRun):
    """Finds incidents without an RCA and starts theirs, a few at a time."""

    @workflow.init
    def __init__(self, request: RcaBacklogRequest) -> None:
        self._setup(
            kind=KIND, service="backlog", namespace="", tenant=request.tenant,
            limits=request.limits,
        )  # fmt: skip
        self._result = RcaBacklogResult()

    @workflow.signal
    def trigger(self, trigger: RcaTrigger) -> None:
        """Another request for the batch while it runs: this batch answers it."""
        self.ledger.record("trigger.joined", f"{trigger.source or 'a trigger'} asked again")

    @workflow.run
    async def run(self, request: RcaBacklogRequest) -> RcaBacklogResult:
        self.ledger.enter("finding")
        backlog: RcaBacklog = await workflow.execute_activity_method(
            RcaRecordActivities.find_rca_backlog, request, **STORE_WRITE
        )
        self._result.found = len(backlog.incidents)
        self.ledger.record("backlog.found", f"{len(backlog.incidents)} incident(s) without an RCA")
        self.ledger.enter("starting")
        width = max(request.max_concurrent, 1)
        incidents = list(backlog.incidents)
        for first in range(0, len(incidents), width):
            await asyncio.gather(*(self._start(i) for i in incidents[first : first + width]))
        self.ledger.enter("completed")
        self.ledger.record(
            "backlog.done",
            f"started {self._result.started}, already had one {self._result.already}, "
            f"failed {self._result.failed}",
        )
        await workflow.wait_condition(workflow.all_handlers_finished)
        self._result.events.extend(self.ledger.events)
        return self._result

    async def _start(self, incident: RcaRequest) -> None:
        rca_id = f"{RCA_KIND}:{incident.tenant}:{incident.incident_key}"
        try:
            await workflow.start_child_workflow(
                RcaWorkflow.run,
                incident,
                id=rca_id,
                parent_close_policy=ParentClosePolicy.ABANDON,
                memo={"namespace": incident.namespace, "incident": incident.incident_key,
                      "source": incident.source},
                search_attributes=TypedSearchAttributes([
                    SearchAttributePair(KAIZEN_KIND, RCA_KIND),
                    SearchAttributePair(KAIZEN_TENANT, incident.tenant),
                    SearchAttributePair(KAIZEN_SERVICE, incident.service),
                    SearchAttributePair(KAIZEN_PHASE, "starting"),
                    SearchAttributePair(KAIZEN_RISK, "unknown"),
                ]),
            )  # fmt: skip
        except WorkflowAlreadyStartedError:
            self._result.already += 1
            return
        self._result.started += 1
        self._result.rca_ids.append(rca_id)
        self.ledger.record("backlog.started", f"started {rca_id}", {"rca": rca_id})
