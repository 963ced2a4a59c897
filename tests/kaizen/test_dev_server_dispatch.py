"""The dev server dispatches tasks as soon as they exist.

With the history service's default limit of 20 task reads a second, every
workflow and activity task of a busy-enough server waited ~50 ms to be handed
to a worker (bench/PROFILE.md). Measured on the server's own event timestamps:
the gap between a task being scheduled and a worker starting it.
"""

from __future__ import annotations

import statistics
import uuid

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.worker import Worker

from bench.raw import OneActivityWorkflow, echo

RUNS = 30


async def test_tasks_are_dispatched_without_the_poll_rate_floor(client: Client) -> None:
    queue = f"dispatch-{uuid.uuid4()}"
    gaps: list[float] = []
    async with Worker(client, task_queue=queue, workflows=[OneActivityWorkflow], activities=[echo]):
        for index in range(RUNS):
            handle = await client.start_workflow(
                OneActivityWorkflow.run, str(index), id=f"{queue}-{index}", task_queue=queue
            )
            await handle.result()
            scheduled = {}
            async for event in handle.fetch_history_events():
                at = event.event_time.ToMicroseconds() / 1000
                if event.event_type in (
                    EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
                    EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
                ):
                    scheduled[event.event_id] = at
                elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
                    attributes = event.workflow_task_started_event_attributes
                    gaps.append(at - scheduled[attributes.scheduled_event_id])
                elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
                    attributes = event.activity_task_started_event_attributes
                    gaps.append(at - scheduled[attributes.scheduled_event_id])
    # Past the limiter's burst, the default configuration puts every gap at 40-50 ms.
    assert statistics.median(gaps) < 25, sorted(gaps)
