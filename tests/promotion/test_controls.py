"""Operator controls of a running rollout: retry from the failed step, pause, promote fully."""

from __future__ import annotations

from pathlib import Path

from temporalio.client import Client

from kaizen.settings import Settings
from kaizen.stack.kube import LocalKubeControlPlane
from tests.conftest import Keys
from tests.kube_workloads import make_workload
from tests.prometheus_fixtures import ScrapedPrometheus
from tests.promotion.stack import (
    IMAGE_V2,
    deployments,
    ended,
    environment_toml,
    events_of,
    grant_promoter,
    image_of,
    in_phase,
    promotion_stack,
    write_environments,
)
from tests.promotion.test_rollout import EVIDENCE, canary_error_ratio
from workflows.gates.governed import GovernedRun


async def test_retry_from_the_failed_step_keeps_what_was_done_before(
    settings: Settings,
    kube: LocalKubeControlPlane,
    keys: Keys,
    prometheus: ScrapedPrometheus,
    tmp_path: Path,
) -> None:
    workload = make_workload(kube, replicas=2)  # the bot may not create Deployments here yet
    await canary_error_ratio(prometheus, workload, 0.001)
    steps = '{ analysis = ["error_rate"] }, { set_weight = 50 }, { pause = { duration = "1s" } }'
    files = {"staging": environment_toml("staging", workload.namespace, steps=steps)}
    async with promotion_stack(
        settings, kube, keys, write_environments(tmp_path / "e", files),
        prometheus_url=prometheus.url,
    ) as stack:  # fmt: skip
        build = await stack.register("web", **EVIDENCE)
        run_id = (await stack.promote(build, "staging"))["id"]
        failed = await stack.wait(run_id, in_phase("step_failed"), timeout=60)
        assert (
            "Kubernetes refused to canary_create"
            in events_of(failed, "rollout.change_failed")[-1]["message"]
        )
        assert set(deployments(kube, workload.namespace)) == {"web"}
        not_now = await stack.control(run_id, "continue")
        assert not_now.status_code == 409, not_now.text
        grant_promoter(kube, workload.namespace)  # an operator fixes the cause ...
        retried = await stack.control(run_id, "retry", reason="granted create")
        assert retried.status_code == 200, retried.text  # ... and retries that step only
        done = await stack.wait(run_id, ended, timeout=60)
    result = done["result"]
    assert result["outcome"] == "promoted", result["reason"]
    steps_run = [(s["kind"], s["status"], s["attempts"]) for s in result["steps"]]
    assert steps_run == [
        ("analysis", "done", 1), ("set_weight", "done", 2), ("pause", "done", 1),
        ("promote", "done", 1),
    ]  # fmt: skip
    assert len(result["analyses"]) == 1  # the analysis before the failed step ran once
    assert image_of(kube, workload) == IMAGE_V2


async def test_pause_holds_the_rollout_and_an_admin_may_promote_fully(
    settings: Settings,
    kube: LocalKubeControlPlane,
    keys: Keys,
    prometheus: ScrapedPrometheus,
    tmp_path: Path,
) -> None:
    workload = make_workload(kube, replicas=2)
    grant_promoter(kube, workload.namespace)
    steps = (
        '{ set_weight = 50 }, { pause = {} }, { set_weight = 75 }, { analysis = ["error_rate"] }'
    )
    files = {"staging": environment_toml("staging", workload.namespace, steps=steps)}
    async with promotion_stack(
        settings, kube, keys, write_environments(tmp_path / "e", files),
        prometheus_url=prometheus.url,
    ) as stack:  # fmt: skip
        build = await stack.register("web", **EVIDENCE)
        run_id = (await stack.promote(build, "staging"))["id"]
        await stack.wait(run_id, in_phase("paused"), timeout=60)
        paused = await stack.control(run_id, "pause", reason="checking dashboards")
        assert paused.status_code == 200, paused.text
        assert paused.json()["paused"] and "resume" in paused.json()["allowed_actions"]
        assert paused.json()["awaiting"] == "pause" and paused.json()["weight"] == 50
        assert (await stack.control(run_id, "continue")).status_code == 200
        held = await stack.wait(run_id, lambda r: bool(events_of(r, "rollout.held")), timeout=30)
        assert held["status"] == "running"
        assert deployments(kube, workload.namespace)["web-canary"]["replicas"] == 1
        refused = await stack.control(run_id, "promote_full")
        assert refused.status_code == 403, refused.text  # an operator may not skip steps
        full = await stack.control(run_id, "promote_full", who="admin", reason="hotfix")
        assert full.status_code == 200, full.text
        done = await stack.wait(run_id, ended, timeout=60)
    result = done["result"]
    assert result["outcome"] == "promoted", result["reason"]
    assert [s["kind"] for s in result["steps"]] == ["set_weight", "pause", "promote"]
    assert result["analyses"] == []  # the analysis step was skipped, and says so
    assert "root promoted fully" in events_of(done, "rollout.promote_full")[0]["message"]
    assert [(c["action"], c["by"]) for c in result["controls"]] == [
        ("pause", "olivia"), ("continue", "olivia"), ("promote_full", "root"),
    ]  # fmt: skip
    assert set(deployments(kube, workload.namespace)) == {"web"}
    assert image_of(kube, workload) == IMAGE_V2


async def test_a_run_cancelled_mid_rollout_restores_the_cluster_first(
    settings: Settings,
    kube: LocalKubeControlPlane,
    keys: Keys,
    prometheus: ScrapedPrometheus,
    client: Client,
    tmp_path: Path,
) -> None:
    workload = make_workload(kube, replicas=2)
    grant_promoter(kube, workload.namespace)
    before = deployments(kube, workload.namespace)
    files = {
        "staging": environment_toml(
            "staging", workload.namespace, steps="{ set_weight = 50 }, { pause = {} }"
        )
    }
    async with promotion_stack(
        settings, kube, keys, write_environments(tmp_path / "e", files),
        prometheus_url=prometheus.url,
    ) as stack:  # fmt: skip
        build = await stack.register("web", **EVIDENCE)
        run_id = (await stack.promote(build, "staging"))["id"]
        await stack.wait(run_id, in_phase("paused"), timeout=60)
        assert set(deployments(kube, workload.namespace)) == {"web", "web-canary"}
        cancelled = await stack.api.post(f"/v1/runs/{run_id}/cancel", headers=stack.headers())
        assert cancelled.status_code == 202, cancelled.text
        done = await stack.wait(run_id, ended, timeout=60)
        # A closed run still answers queries while a worker polls its queue.
        status = await client.get_workflow_handle(run_id).query(GovernedRun.status)
    assert done["status"] == "cancelled"
    types = [e.type for e in status.events]
    assert types.index("run.cancelled") < types.index("rollback.verified")
    assert deployments(kube, workload.namespace) == before
