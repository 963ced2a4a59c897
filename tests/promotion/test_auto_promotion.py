"""Auto-promotion: a build verified upstream moves on by itself, only where an admin said so."""

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
    grant_promoter,
    image_of,
    promotion_stack,
    write_environments,
)
from tests.promotion.test_rollout import EVIDENCE


async def test_an_admin_switched_environment_takes_builds_verified_upstream(
    settings: Settings, kube: LocalKubeControlPlane, keys: Keys, tmp_path: Path
) -> None:
    workload = make_workload(kube, replicas=1)
    grant_promoter(kube, workload.namespace)
    ns = workload.namespace
    files = {
        "dev": environment_toml("dev", ns),
        "staging": environment_toml(
            "staging", ns, order=2, upstream="dev", extra="auto_promote = true"
        ),
        "prod": environment_toml("prod", ns, order=3, upstream="staging"),
    }
    async with promotion_stack(
        settings, kube, keys, write_environments(tmp_path / "e", files), prometheus_url=None
    ) as stack:

        async def switch(name: str, enabled: bool, who: str = "admin") -> int:
            reply = await stack.api.put(
                f"/v1/environments/{name}/auto-promote",
                json={"enabled": enabled, "reason": "staging follows dev"},
                headers=stack.headers(who),
            )
            return reply.status_code

        assert await switch("staging", True, who="operator") == 403  # admins only
        assert await switch("prod", True) == 409  # its file does not allow it
        assert await switch("staging", True) == 200
        board = await stack.api.get("/v1/environments/staging", headers=stack.headers("viewer"))
        shown = board.json()["auto_promotion"]
        assert shown["enabled"] and shown["declared"] and shown["set_by"] == "root"

        build = await stack.register("web", **EVIDENCE)
        dev = (await stack.promote(build, "dev"))["id"]
        done = await stack.wait(dev, ended, timeout=60)
        assert done["result"]["outcome"] == "promoted", done["result"]["reason"]
        started = events_of(done, "auto_promotion.started")
        assert [e["data"]["environment"] for e in started] == ["staging"]
        staging = await stack.wait("promotion:default:web:staging", ended, timeout=60)
        assert staging["result"]["outcome"] == "promoted", staging["result"]["reason"]
        assert image_of(kube, workload) == IMAGE_V2
        # prod is downstream of staging but does not auto-promote: the run says why.
        skipped = events_of(staging, "auto_promotion.skipped")
        assert [e["message"] for e in skipped] == ["prod: its file does not allow auto-promotion"]
