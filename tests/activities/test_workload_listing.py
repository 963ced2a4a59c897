"""The sweep's read: every Deployment's health in one list, as the bot may read it, and
which of them a sweep calls in distress."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest
from temporalio.exceptions import ApplicationError

from activities.kubernetes.actions import KubernetesActivities, _health
from kaizen.stack.kube import LocalKubeControlPlane
from kaizen.v1.kubernetes_pb2 import WorkloadHealth, WorkloadRef, WorkloadSelector
from tests.kube_workloads import deployment, make_workload, ungranted_workload
from workflows.healing.distress import distress


def stalled(kube: LocalKubeControlPlane, namespace: str) -> None:
    """A Deployment no node takes, with a 1 s progress deadline: its rollout stalls."""
    body = deployment("stalled", 1, {"nodeSelector": {"type": "nowhere"}})
    body["spec"]["progressDeadlineSeconds"] = 1
    kube.request("POST", f"/apis/apps/v1/namespaces/{namespace}/deployments", body)


def listed(bot: KubernetesActivities, namespace: str, selector: str = "") -> dict[str, Any]:
    found = bot.health_of_all(WorkloadSelector(namespace=namespace, label_selector=selector))
    return {h.workload.name: h for h in found.workloads}


async def test_the_list_reads_every_deployment_and_the_stalled_rollout(
    kube: LocalKubeControlPlane, bot: KubernetesActivities
) -> None:
    calm = make_workload(kube, name="calm", replicas=2)
    stalled(kube, calm.namespace)
    deadline = time.monotonic() + 60
    health = listed(bot, calm.namespace)
    while not health["stalled"].progress_deadline_exceeded and time.monotonic() < deadline:
        time.sleep(0.5)
        health = listed(bot, calm.namespace)
    assert health["stalled"].progress_deadline_exceeded, health["stalled"]
    assert health["stalled"].below_minimum_availability
    assert not health["stalled"].healthy
    found = distress(health["stalled"])
    assert found is not None and found.symptom == "RolloutStuck"

    assert health["calm"].healthy and health["calm"].available_replicas == 2
    assert not health["calm"].below_minimum_availability
    assert distress(health["calm"]) is None
    # The same health the one-Deployment read gives (its pods matched from one list).
    single = bot.health(calm)
    single.ClearField("summary")
    both = WorkloadHealth()
    both.CopyFrom(health["calm"])
    both.ClearField("summary")
    assert both == single

    assert list(listed(bot, calm.namespace, "app=calm")) == ["calm"]


async def test_a_namespace_the_bot_was_not_granted_is_a_final_refusal(
    kube: LocalKubeControlPlane, bot: KubernetesActivities
) -> None:
    namespace = ungranted_workload(kube).namespace
    with pytest.raises(ApplicationError) as refused:
        bot.health_of_all(WorkloadSelector(namespace=namespace))
    assert refused.value.non_retryable and refused.value.type == "KubeForbidden"


def pod(waiting: str | None, restarts: int) -> SimpleNamespace:
    state = SimpleNamespace(waiting=SimpleNamespace(reason=waiting) if waiting else None)
    status = SimpleNamespace(restart_count=restarts, state=state)
    return SimpleNamespace(status=SimpleNamespace(container_statuses=[status]))


def served(available: int, conditions: list[tuple[str, str, str]]) -> SimpleNamespace:
    return SimpleNamespace(
        metadata=SimpleNamespace(generation=2, annotations={}),
        spec=SimpleNamespace(replicas=2),
        status=SimpleNamespace(
            observed_generation=2, updated_replicas=2, available_replicas=available,
            ready_replicas=available, replicas=2,
            conditions=[SimpleNamespace(type=t, status=s, reason=r) for t, s, r in conditions],
        ),
    )  # fmt: skip


def test_crash_loops_now_are_distress_restarts_long_past_are_not() -> None:
    ref = WorkloadRef(namespace="shop", name="web")
    fine = [("Available", "True", "MinimumReplicasAvailable")]
    looping = _health(ref, served(2, fine), [pod("CrashLoopBackOff", 7), pod(None, 0)])
    assert looping.crash_looping == 1
    found = distress(looping)
    assert found is not None and found.symptom == "CrashLooping"
    # Restarted often once, running now: healthy, left alone.
    recovered = _health(ref, served(2, fine), [pod(None, 40), pod(None, 3)])
    assert recovered.restarts == 43 and recovered.healthy and distress(recovered) is None


def test_a_rollout_in_progress_is_not_distress() -> None:
    ref = WorkloadRef(namespace="shop", name="web")
    # One pod short while a new version rolls out, still above the strategy's minimum.
    rolling = _health(
        ref,
        served(1, [("Available", "True", "MinimumReplicasAvailable"),
                   ("Progressing", "True", "ReplicaSetUpdated")]),
        [pod(None, 0)],
    )  # fmt: skip
    assert not rolling.healthy and distress(rolling) is None
    down = _health(ref, served(0, [("Available", "False", "MinimumReplicasUnavailable")]), [])
    found = distress(down)
    assert found is not None and found.symptom == "ReplicasUnavailable"
