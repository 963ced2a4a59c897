"""The gate end to end: real Temporal, OPA (the promotion policy), kube-apiserver.

A promotion waits at its gate, saying in plain words what is missing; evidence
appended to the build wakes it; N-of-M approvals through the shared approval gate
let it through; a gate still denying at its deadline ends the run ``blocked``.
"""

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
    in_phase,
    metric_value,
    promotion_stack,
    write_environments,
)

TESTS_OK = {"passed": 120, "failed": 0, "coverage_percent": 91}
SCAN_CLEAN = {"critical": 0, "high": 0, "medium": 2, "low": 5, "scanner": "trivy"}
FAST = {"latency_p95_ms": 180, "memory_mb": 200, "cpu_percent": 30}


async def test_gate_says_what_is_missing_then_evidence_lets_it_through(
    settings: Settings, kube: LocalKubeControlPlane, keys: Keys, tmp_path: Path
) -> None:
    workload = make_workload(kube, replicas=1)
    grant_promoter(kube, workload.namespace)
    # "staging" takes its thresholds from the policy data; the file tightens latency.
    files = {"staging": environment_toml("staging", workload.namespace,
                                         gate="max_latency_p95_ms = 250")}  # fmt: skip
    async with promotion_stack(
        settings, kube, keys, write_environments(tmp_path / "envs", files), prometheus_url=None
    ) as stack:
        build = await stack.register(
            "web", tests=TESTS_OK, performance={**FAST, "latency_p95_ms": 340}
        )
        started = await stack.promote(build, "staging")
        assert started["id"] == "promotion:default:web:staging" and not started["joined"]
        waiting = await stack.wait(started["id"], in_phase("awaiting_evidence"))
        decided = events_of(waiting, "gate.decided")[-1]["data"]
        assert decided["allow"] is False and decided["decision_id"] is not None
        assert decided["required_actions"] == [
            "Attach a security scan (counts by severity)",
            "Reduce P95 latency from 340 ms to below 250 ms",
        ]
        assert image_of(kube, workload) == "registry.local/web:1"  # nothing touched yet

        # A second request for the same service and environment gets the running run.
        again = await stack.promote(build, "staging")
        assert again["id"] == started["id"] and again["joined"]

        # Evidence is appended (never overwritten) and wakes the waiting gate.
        reply = await stack.api.post(
            f"/v1/builds/{build}/evidence",
            json={"security": SCAN_CLEAN, "performance": FAST},
            headers=stack.headers(),
        )
        assert reply.status_code == 201, reply.text
        shown = reply.json()
        assert [e["submitted_by"] for e in shown["evidence"]] == ["olivia", "olivia"]
        assert shown["evidence"][0]["evidence"]["performance"]["latency_p95_ms"] == 340

        done = await stack.wait(started["id"], ended)
        assert done["result"]["outcome"] == "promoted", done["result"]["reason"]
        assert "evidence.added" in [e["type"] for e in done["events"]]
        assert events_of(done, "gate.decided")[-1]["data"]["allow"] is True
        assert image_of(kube, workload) == IMAGE_V2

        board = await stack.api.get("/v1/environments/staging", headers=stack.headers("viewer"))
        assert board.status_code == 200, board.text
        live = board.json()["live"]
        assert [(r["service"], r["build_id"], r["state"]) for r in live] == [("web", build, "live")]
        assert live[0]["verified_at"] is not None
        listed = await stack.api.get("/v1/environments", headers=stack.headers("viewer"))
        assert [e["name"] for e in listed.json()] == ["staging"]
        metrics = (await stack.api.get("/metrics")).text
    env = {"environment": "staging"}
    assert metric_value(metrics, "kaizen_promotions_total", **env, outcome="promoted") == 1
    for reason in ("missing_evidence", "latency"):
        assert (
            metric_value(metrics, "kaizen_promotion_gate_denials_total", **env, reason=reason) == 1
        ), metrics


async def test_n_of_m_approvals_through_the_shared_gate(
    settings: Settings, kube: LocalKubeControlPlane, keys: Keys, tmp_path: Path
) -> None:
    workload = make_workload(kube, replicas=1)
    grant_promoter(kube, workload.namespace)
    files = {"qa": environment_toml("qa", workload.namespace, approvals=2)}
    async with promotion_stack(
        settings, kube, keys, write_environments(tmp_path / "envs", files), prometheus_url=None
    ) as stack:
        build = await stack.register("web", tests=TESTS_OK)
        run_id = (await stack.promote(build, "qa"))["id"]
        pending = await stack.wait(run_id, in_phase("awaiting_approval"))
        assert pending["pending_approval"]["required"] == 2
        assert events_of(pending, "gate.decided")[-1]["data"]["required_actions"] == [
            "Obtain 2 more approvals"
        ]

        def vote(who: str) -> dict[str, object]:
            return {"decision": "approve", "comment": f"{who} looked at it"}

        first = await stack.api.post(
            f"/v1/runs/{run_id}/approvals", json=vote("alice"), headers=stack.headers("approver")
        )
        assert first.status_code == 200, first.text
        assert first.json()["approvals"] == 1 and first.json()["status"] == "pending"
        again = await stack.api.post(
            f"/v1/runs/{run_id}/approvals", json=vote("alice"), headers=stack.headers("approver")
        )
        assert again.status_code == 409, again.text  # one vote per person
        one_more = await stack.wait(
            run_id,
            lambda r: (
                events_of(r, "gate.decided")[-1]["data"]["required_actions"]
                == ["Obtain 1 more approval"]
            ),
        )
        assert one_more["status"] == "running"
        second = await stack.api.post(
            f"/v1/runs/{run_id}/approvals", json=vote("bob"), headers=stack.headers("approver2")
        )
        assert second.status_code == 200, second.text
        done = await stack.wait(run_id, ended)
        assert done["result"]["outcome"] == "promoted", done["result"]["reason"]
        votes = [e["data"]["approver"] for e in events_of(done, "approval.vote")]
        assert votes == ["alice", "bob"]


async def test_a_gate_still_denying_at_its_deadline_ends_blocked_with_the_list(
    settings: Settings, keys: Keys, tmp_path: Path
) -> None:
    files = {
        "qa": environment_toml("qa", "nowhere", extra='gate_timeout = "2s"').replace(
            'gate_timeout = "2m"\n', ""
        )
    }
    async with promotion_stack(
        settings, None, keys, write_environments(tmp_path / "envs", files), prometheus_url=None
    ) as stack:
        build = await stack.register("web", tests={**TESTS_OK, "failed": 3})
        run_id = (await stack.promote(build, "qa"))["id"]
        done = await stack.wait(run_id, ended, timeout=30)
        result = done["result"]
        assert result["outcome"] == "blocked"
        assert result["gate"]["required_actions"] == ["Fix 3 failing tests"]
        assert result["reason"].endswith("still missing: Fix 3 failing tests")
