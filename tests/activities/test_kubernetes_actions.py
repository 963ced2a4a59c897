"""Kubernetes actions against a real kube-apiserver (with controller manager, scheduler, kwok)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.struct_pb2 import Struct
from kubernetes.client import ApiClient
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.kubernetes.actions import OP_ID_ANNOTATION, KubernetesActivities
from kaizen.stack.kube import LocalKubeControlPlane
from kaizen.v1.kubernetes_pb2 import KubeActionRequest, WorkloadRef
from tests.kube_workloads import make_workload, read, ungranted_workload, wait_available


@pytest.fixture
def workload(kube: LocalKubeControlPlane) -> WorkloadRef:
    """A fresh namespace the bot is granted, with a 2-replica Deployment that is available."""
    return make_workload(kube)


def action(ref: WorkloadRef, name: str, dry_run: bool = False, **params: Any) -> KubeActionRequest:
    struct = Struct()
    struct.update(params)
    return KubeActionRequest(workload=ref, action=name, parameters=struct, dry_run=dry_run)


def env(activity_id: str = "7") -> ActivityEnvironment:
    """An activity context as a worker gives it: a retry keeps the same ids."""
    environment = ActivityEnvironment()
    environment.info = environment.info.__class__(
        **{
            **environment.info.__dict__,
            "workflow_id": "wf-test",
            "workflow_run_id": "run-1",
            "activity_id": activity_id,
        }  # fmt: skip
    )
    return environment


async def test_scale_completes_and_a_retry_does_not_repeat_it(
    kube: LocalKubeControlPlane, bot: KubernetesActivities, workload: WorkloadRef
) -> None:
    first = await env().run(bot.apply_kube_action, action(workload, "scale", replicas=3))
    assert first.applied and not first.already_applied
    assert first.before["replicas"] == 2 and first.after["replicas"] == 3
    changed = read(kube, workload)
    assert changed["metadata"]["annotations"][OP_ID_ANNOTATION] == first.op_id

    retry = await env().run(bot.apply_kube_action, action(workload, "scale", replicas=3))
    assert retry.already_applied and not retry.applied
    after_retry = read(kube, workload)
    # resourceVersion moves with every status write by the controllers; generation moves
    # only when the spec changes, so it is what proves the retry changed nothing.
    assert after_retry["metadata"]["generation"] == changed["metadata"]["generation"]
    assert after_retry["spec"]["replicas"] == 3

    await asyncio.to_thread(wait_available, kube, workload, 3)
    health = await env().run(bot.read_workload_health, workload)
    assert health.rollout_complete and health.healthy and health.available_replicas == 3


async def test_rollout_restart_changes_the_template_once(
    kube: LocalKubeControlPlane, bot: KubernetesActivities, workload: WorkloadRef
) -> None:
    generation = read(kube, workload)["metadata"]["generation"]
    result = await env().run(bot.apply_kube_action, action(workload, "rollout_restart"))
    assert result.applied
    restarted = read(kube, workload)
    assert restarted["metadata"]["generation"] == generation + 1
    assert (
        "kubectl.kubernetes.io/restartedAt"
        in restarted["spec"]["template"]["metadata"]["annotations"]
    )
    again = await env().run(bot.apply_kube_action, action(workload, "rollout_restart"))
    assert again.already_applied
    assert read(kube, workload)["metadata"]["generation"] == generation + 1
    await asyncio.to_thread(wait_available, kube, workload, 2)


async def test_set_resources_and_image_then_roll_back(
    kube: LocalKubeControlPlane, bot: KubernetesActivities, workload: WorkloadRef
) -> None:
    original = read(kube, workload)["spec"]["template"]
    resized = await env("1").run(
        bot.apply_kube_action,
        action(workload, "set_resources", container="web",
               requests={"cpu": "200m", "memory": "128Mi"}, limits={"memory": "256Mi"}),
    )  # fmt: skip
    assert resized.applied
    container = read(kube, workload)["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"] == {
        "requests": {"cpu": "200m", "memory": "128Mi"}, "limits": {"memory": "256Mi"},
    }  # fmt: skip
    await asyncio.to_thread(wait_available, kube, workload, 2)

    imaged = await env("2").run(
        bot.apply_kube_action,
        action(workload, "set_image", container="web", image="registry.local/web:2"),
    )
    assert imaged.applied
    await asyncio.to_thread(wait_available, kube, workload, 2)
    assert read(kube, workload)["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":2")

    rolled = await env("3").run(bot.apply_kube_action, action(workload, "rollback"))
    assert rolled.applied
    template = read(kube, workload)["spec"]["template"]
    assert template["spec"]["containers"][0]["image"] == "registry.local/web:1"
    assert template["spec"]["containers"][0]["resources"]["requests"]["cpu"] == "200m"
    assert original["spec"]["containers"][0]["image"] == "registry.local/web:1"
    await asyncio.to_thread(wait_available, kube, workload, 2)


async def test_dry_run_changes_nothing(
    kube: LocalKubeControlPlane, bot: KubernetesActivities, workload: WorkloadRef
) -> None:
    before = read(kube, workload)
    preview = await env().run(bot.apply_kube_action, action(workload, "scale", True, replicas=4))
    assert preview.dry_run and not preview.applied
    assert preview.after["replicas"] == 4
    after = read(kube, workload)
    assert after["spec"]["replicas"] == 2
    assert after["metadata"]["generation"] == before["metadata"]["generation"]
    assert OP_ID_ANNOTATION not in (after["metadata"].get("annotations") or {})


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("scale", {"replicas": 0}, "between 1 and"),
        ("scale", {"replicas": 500}, "between 1 and"),
        ("scale", {"replicas": 2.5}, "whole number"),
        ("set_resources", {"container": "web", "requests": {"cpu": "64"}}, "cpu must be"),
        ("set_resources", {"container": "web", "limits": {"gpu": "1"}}, "not a resource"),
        ("set_image", {"container": "web", "image": "Bad Image"}, "valid image"),
        ("delete", {}, "not whitelisted"),
        ("rollout_restart", {"force": True}, "takes no parameters"),
    ],
)
async def test_bounds_refuse_before_any_api_call(
    name: str, params: dict[str, Any], message: str, tmp_path: Path
) -> None:
    # A client pointed at nothing: reaching the API would be a connection error, not a refusal.
    from kubernetes.client import Configuration

    nowhere = Configuration()
    nowhere.host = "http://127.0.0.1:9"
    activities = KubernetesActivities(ApiClient(nowhere))
    ref = WorkloadRef(namespace="any", name="web")
    with pytest.raises(ApplicationError) as refused:
        await env().run(activities.apply_kube_action, action(ref, name, **params))
    assert refused.value.type == "KubeActionOutOfBounds" and refused.value.non_retryable
    assert message in str(refused.value)


async def test_scale_step_is_bounded_against_the_live_object(
    bot: KubernetesActivities, workload: WorkloadRef
) -> None:
    with pytest.raises(ApplicationError) as refused:
        await env().run(bot.apply_kube_action, action(workload, "scale", replicas=20))
    assert "exceeds the step" in str(refused.value)


async def test_missing_rbac_is_a_final_clear_error(
    kube: LocalKubeControlPlane, bot: KubernetesActivities
) -> None:
    ref = ungranted_workload(kube)
    namespace = ref.namespace
    with pytest.raises(ApplicationError) as denied:
        await env().run(bot.apply_kube_action, action(ref, "scale", replicas=2))
    assert denied.value.type == "KubeForbidden" and denied.value.non_retryable
    assert "forbidden" in str(denied.value).lower() and namespace in str(denied.value)
    assert read(kube, ref)["spec"]["replicas"] == 1
