"""A promotion acts through its environment's kube_context, and a context the workers'
kubeconfig lacks ends it before anything changed, saying which contexts there are."""

from __future__ import annotations

from pathlib import Path

from kaizen.settings import Settings
from kaizen.stack.kube import LocalKubeControlPlane
from tests.activities.test_kube_context import two_contexts
from tests.conftest import Keys
from tests.promotion.stack import (
    IMAGE_V2,
    deployments,
    ended,
    environment_toml,
    image_of,
    promotion_stack,
    write_environments,
)
from tests.promotion.test_rollout import EVIDENCE, prepared


async def test_promotions_use_the_environments_context_of_the_workers_kubeconfig(
    settings: Settings, kube: LocalKubeControlPlane, keys: Keys, tmp_path: Path
) -> None:
    workload = prepared(kube)
    files = {
        name: environment_toml(name, workload.namespace, order=order,
                               extra=f'kube_context = "{context}"')
        for name, order, context in (("dev", 1, "staging-cluster"), ("qa", 2, "prod-cluster"))
    }  # fmt: skip
    ours = settings.model_copy(update={"kubeconfig": two_contexts(kube, tmp_path / "kubeconfig")})
    async with promotion_stack(
        ours, kube, keys, write_environments(tmp_path / "e", files), prometheus_url=None
    ) as stack:
        before = deployments(kube, workload.namespace)
        build = await stack.register("web", **EVIDENCE)
        refused = await stack.wait(str((await stack.promote(build, "qa"))["id"]), ended)
        untouched = deployments(kube, workload.namespace)
        promoted = await stack.wait(
            str((await stack.promote(build, "dev"))["id"]), ended, timeout=90
        )
    assert refused["result"]["outcome"] == "aborted"
    reason = refused["result"]["reason"]
    assert "kube_context 'prod-cluster'" in reason and "default, staging-cluster" in reason
    assert "nothing was changed" in reason and untouched == before
    assert promoted["result"]["outcome"] == "promoted", promoted["result"]["reason"]
    assert image_of(kube, workload) == IMAGE_V2
