"""The run's ledger: phase, steps done and an append-only event list.

It also keeps the run's search attributes current so that the Temporal Web UI
(and ``GET /v1/runs``) can filter on phase without asking the workflow.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from google.protobuf.struct_pb2 import Struct
    from google.protobuf.timestamp_pb2 import Timestamp

    from kaizen.temporal.search_attributes import KAIZEN_PHASE, KAIZEN_RISK
    from kaizen.v1.approval_pb2 import ApprovalState
    from kaizen.v1.run_pb2 import RunEvent, RunStatus


class RunLedger:
    """What a run has done so far; mutated only by the workflow's own code."""

    def __init__(self, *, kind: str, service: str, namespace: str, tenant: str) -> None:
        self.phase = "starting"
        self.risk = ""
        self._status = RunStatus(kind=kind, service=service, namespace=namespace, tenant=tenant)

    def record(self, event_type: str, message: str, data: Mapping[str, Any] | None = None) -> None:
        """Append an event; events are never edited or removed."""
        at = Timestamp()
        at.FromDatetime(workflow.now())
        event = RunEvent(seq=len(self._status.events) + 1, at=at, type=event_type, message=message)
        if data:
            struct = Struct()
            struct.update(dict(data))
            event.data.CopyFrom(struct)
        self._status.events.append(event)

    def enter(self, phase: str) -> None:
        """Move to a phase, record it and make it visible as a search attribute."""
        if phase == self.phase:
            return
        self.record("phase.changed", f"{self.phase} -> {phase}", {"from": self.phase, "to": phase})
        self.phase = phase
        workflow.upsert_search_attributes([KAIZEN_PHASE.value_set(phase)])

    def set_risk(self, risk: str) -> None:
        self.risk = risk
        workflow.upsert_search_attributes([KAIZEN_RISK.value_set(risk)])

    def step_done(self, step: str) -> None:
        self._status.steps_done.append(step)

    @property
    def events(self) -> list[RunEvent]:
        return list(self._status.events)

    def snapshot(self, pending_approval: ApprovalState | None) -> RunStatus:
        status = RunStatus()
        status.CopyFrom(self._status)
        status.phase = self.phase
        status.risk = self.risk
        if pending_approval is not None:
            status.pending_approval.CopyFrom(pending_approval)
        return status
