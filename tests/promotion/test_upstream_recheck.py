"""A promotion waiting at its gate for its upstream (released, verified, soaked) asks the
policy again by itself: nothing signals it when the upstream run ends."""

from __future__ import annotations

from pathlib import Path

from kaizen.settings import Settings
from kaizen.stack.kube import LocalKubeControlPlane
from tests.conftest import Keys
from tests.kube_workloads import make_workload
from tests.promotion.stack import (
    IMAGE_V2,
    ended,
    environment_toml,
    events_of,
    image_of,
    in_phase,
    promotion_stack,
    write_environments,
)
from tests.promotion.test_rollout import EVIDENCE


async def test_a_downstream_request_made_before_its_upstream_verified_goes_on_by_itself(
    settings: Settings, kube: LocalKubeControlPlane, keys: Keys, tmp_path: Path
) -> None:
    workload = make_workload(kube, replicas=1)
    files = {
        "dev": environment_toml("dev", workload.namespace),
        "staging": environment_toml("staging", workload.namespace, order=2, upstream="dev"),
    }
    async with promotion_stack(
        settings, kube, keys, write_environments(tmp_path / "e", files), prometheus_url=None
    ) as stack:
        build = await stack.register("web", **EVIDENCE)
        staging = str((await stack.promote(build, "staging"))["id"])
        waiting = await stack.wait(staging, in_phase("awaiting_evidence"))
        assert events_of(waiting, "gate.decided")[-1]["data"]["deny"] == [
            "the build has not run in dev"
        ]
        dev = await stack.wait(str((await stack.promote(build, "dev"))["id"]), ended)
        assert dev["result"]["outcome"] == "promoted"
        # No evidence, no vote: only the gate's own re-check (10 s) can let it through.
        done = await stack.wait(staging, ended, timeout=60)
    assert done["result"]["outcome"] == "promoted", done["result"]["reason"]
    assert [e["message"] for e in events_of(done, "gate.decided")][-1] == "allowed"
    assert not events_of(done, "evidence.added")
    assert image_of(kube, workload) == IMAGE_V2
