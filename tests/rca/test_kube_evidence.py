"""The ReplicaSet collector on a real kube-apiserver: a bad rollout that was rolled back
is still the change from the good image to the bad one, at the time it was rolled out."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from activities.rca.collect import RcaEvidenceActivities
from activities.rca.evidence import timestamp
from kaizen.catalog.playbooks import catalog
from kaizen.persistence.db import make_engine
from kaizen.settings import Settings
from kaizen.stack.kube import LocalKubeControlPlane
from kaizen.v1.rca_pb2 import EvidenceRequest, RcaRequest
from tests.kube_workloads import make_workload, wait_available
from tests.rca.test_rca_run import bad_deploy


def set_image(kube: LocalKubeControlPlane, namespace: str, image: str) -> None:
    kube.request(
        "PATCH",
        f"/apis/apps/v1/namespaces/{namespace}/deployments/web",
        {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": image}]}}}},
        content_type="application/strategic-merge-patch+json",
    )


async def test_a_rolled_back_rollout_is_still_the_bad_change(
    settings: Settings, kube: LocalKubeControlPlane
) -> None:
    started = datetime.now(UTC)
    workload = make_workload(kube, replicas=1)
    time.sleep(1.1)  # creation timestamps have whole seconds: the bad template comes later
    bad_deploy(kube, workload)  # registry.local/web:1 -> :2, a second ReplicaSet
    rolled_out = datetime.now(UTC)
    set_image(kube, workload.namespace, "registry.local/web:1")  # the rollback: revision 3
    wait_available(kube, workload, 1)
    request = RcaRequest(
        service=workload.name, namespace=workload.namespace,
        window_start=timestamp(started - timedelta(minutes=1)),
        window_end=timestamp(datetime.now(UTC) + timedelta(minutes=1)),
    )  # fmt: skip
    collector = RcaEvidenceActivities(
        make_engine(settings.database), tenant="default", catalog=catalog(settings.catalog_dir),
        prometheus=None, kube=kube.api_client("admin"),
    )  # fmt: skip
    batch = await collector.collect_kube_changes(EvidenceRequest(request=request))

    assert not batch.missing
    [change] = batch.bundle.changes
    [image] = [d for d in change.diff if d.path.endswith(".image")]
    assert (image.before, image.after) == ("registry.local/web:1", "registry.local/web:2")
    assert change.kind == "image"
    at = change.at.ToDatetime(tzinfo=UTC)
    assert started - timedelta(seconds=1) <= at <= rolled_out + timedelta(seconds=1)
