"""Kubernetes activities under a real worker: a refusal is tried exactly once."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from google.protobuf.struct_pb2 import Struct
from temporalio import workflow
from temporalio.client import Client, WorkflowFailureError
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.worker import Worker

from activities.kubernetes.actions import KubernetesActivities
from kaizen.stack.kube import LocalKubeControlPlane
from kaizen.v1.kubernetes_pb2 import KubeActionRequest, KubeActionResult
from tests.activities.test_kubernetes_actions import ungranted_workload


@workflow.defn(sandboxed=False)
class ApplyOnce:
    """Calls the activity with a generous retry policy, as a run kind would."""

    @workflow.run
    async def run(self, request: KubeActionRequest) -> KubeActionResult:
        return await workflow.execute_activity_method(
            KubernetesActivities.apply_kube_action,
            request,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(initial_interval=timedelta(milliseconds=100),
                                     maximum_attempts=5),
        )  # fmt: skip


async def test_forbidden_is_attempted_once(
    client: Client, kube: LocalKubeControlPlane, bot: KubernetesActivities
) -> None:
    queue = f"test-kube-{uuid.uuid4().hex[:8]}"
    params = Struct()
    params.update({"replicas": 2})
    request = KubeActionRequest(
        workload=ungranted_workload(kube), action="scale", parameters=params
    )
    async with Worker(client, task_queue=queue, workflows=[ApplyOnce],
                      activities=[bot.apply_kube_action]):  # fmt: skip
        handle = await client.start_workflow(
            ApplyOnce.run, request, id=f"kube-{uuid.uuid4()}", task_queue=queue
        )
        with pytest.raises(WorkflowFailureError) as failed:
            await handle.result()
    cause = failed.value.cause
    assert isinstance(cause, ActivityError) and isinstance(cause.cause, ApplicationError)
    assert cause.cause.type == "KubeForbidden"
    history = await handle.fetch_history()
    attempts = [
        e.activity_task_started_event_attributes.attempt
        for e in history.events
        if e.HasField("activity_task_started_event_attributes")
    ]
    assert attempts == [1], "a refusal must not be retried"
