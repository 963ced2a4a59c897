"""Record the promotion replay histories: ``python -m tests.histories.record_promotion``.

Like ``record``: run it only when a change is *meant* to be incompatible (and put the
change behind ``workflow.patched`` instead, if promotions may be in flight).

Two runs, through the real API, worker, OPA, kube-apiserver and Prometheus:
- ``promotion_promoted.json``: the gate waits for evidence, evidence wakes it, one
  approval, a canary at 50%, a passing analysis, the full promotion, the soak, the release;
- ``promotion_rolled_back.json``: an inconclusive analysis, a person aborts, the snapshot
  is restored exactly.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from kaizen.persistence.api_keys import Role, create_key
from kaizen.persistence.db import make_engine, session_scope
from kaizen.settings import Settings
from kaizen.stack.kube import LocalKubeControlPlane, ensure_kube_binaries
from tests.conftest import Keys
from tests.kube_workloads import make_workload
from tests.prometheus_fixtures import ScrapedPrometheus, start_scraped_prometheus
from tests.promotion.stack import (
    ERROR_RATIO,
    PromotionStack,
    ended,
    environment_toml,
    grant_promoter,
    in_phase,
    promotion_stack,
    write_environments,
)
from tests.servers import start_session_servers

HERE = Path(__file__).parent
EVIDENCE = {
    "tests": {"passed": 50, "failed": 0, "coverage_percent": 90},
    "security": {"critical": 0, "high": 0},
}
PERFORMANCE = {"latency_p95_ms": 120, "memory_mb": 200, "cpu_percent": 20}


async def _history(stack: PromotionStack, client_run_id: str, name: str) -> None:
    from kaizen.temporal.client import connect

    client = await connect(stack.settings)
    history = await client.get_workflow_handle(client_run_id).fetch_history()
    (HERE / name).write_text(history.to_json())


async def record(
    settings: Settings, kube: LocalKubeControlPlane, prometheus: ScrapedPrometheus, tmp: Path
) -> None:
    engine = make_engine(settings.database)
    with session_scope(engine) as session:
        keys = Keys(
            admin=create_key(session, name="root", role=Role.admin),
            operator=create_key(session, name="olivia", role=Role.operator),
            approver=create_key(session, name="alice", role=Role.approver),
            approver2=create_key(session, name="bob", role=Role.approver),
            viewer=create_key(session, name="victor", role=Role.viewer),
        )
    good, doubtful = make_workload(kube, replicas=2), make_workload(kube, replicas=2)
    for workload, ratio in ((good, 0.001), (doubtful, 0.02)):
        grant_promoter(kube, workload.namespace)
        prometheus.target.set(
            ERROR_RATIO, ratio, namespace=workload.namespace, deployment="web-canary"
        )
        prometheus.target.set(ERROR_RATIO, 0.001, namespace=workload.namespace, deployment="web")
    await asyncio.sleep(3)  # a scrape or two
    steps = '{ set_weight = 50 }, { analysis = ["error_rate"] }'
    files = {
        "staging": environment_toml(
            "staging", good.namespace, approvals=1, steps=steps, verification='"error_rate"',
            extra='soak = "1s"',
        ),
        "qa": environment_toml("qa", doubtful.namespace, steps=steps),
    }  # fmt: skip
    async with promotion_stack(
        settings, kube, keys, write_environments(tmp / "envs", files), prometheus_url=prometheus.url
    ) as stack:
        build = await stack.register("web", **EVIDENCE)
        promoted = (await stack.promote(build, "staging"))["id"]
        await stack.wait(promoted, in_phase("awaiting_evidence"))
        reply = await stack.api.post(
            f"/v1/builds/{build}/evidence", json={"performance": PERFORMANCE},
            headers=stack.headers(),
        )  # fmt: skip
        assert reply.status_code == 201, reply.text
        await stack.wait(promoted, in_phase("awaiting_approval"))
        vote = await stack.api.post(
            f"/v1/runs/{promoted}/approvals", json={"decision": "approve"},
            headers=stack.headers("approver"),
        )  # fmt: skip
        assert vote.status_code == 200, vote.text
        done = await stack.wait(promoted, ended, timeout=120)
        assert done["result"]["outcome"] == "promoted", done["result"]
        await _history(stack, promoted, "promotion_promoted.json")

        other = await stack.register("web", **EVIDENCE, performance=PERFORMANCE)
        doubted = (await stack.promote(other, "qa"))["id"]
        await stack.wait(doubted, in_phase("awaiting_decision"), timeout=120)
        answer = await stack.control(doubted, "abort", reason="too close to call")
        assert answer.status_code == 200, answer.text
        done = await stack.wait(doubted, ended, timeout=120)
        assert done["result"]["outcome"] == "rolled_back", done["result"]
        await _history(stack, doubted, "promotion_rolled_back.json")
    engine.dispose()


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        servers = start_session_servers(root)
        prometheus = start_scraped_prometheus(root / "prometheus")
        try:
            settings = Settings(
                home=root / "home",
                temporal_address=servers.temporal_address,
                opa_url=servers.opa_url,
                opa_token=servers.opa_token,
                database_url=f"sqlite:///{root}/kaizen.db",
                healing_task_queue="replay-recording-healing",
            )
            with LocalKubeControlPlane(ensure_kube_binaries(), root / "kube") as kube:
                await record(settings, kube, prometheus, root)
        finally:
            prometheus.server.stop()
            prometheus.target.close()
            servers.stop()


if __name__ == "__main__":
    asyncio.run(main())
