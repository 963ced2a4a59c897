"""Record the policy rollout replay histories: ``python -m tests.histories.record_policy_rollout``.

Like ``record``: run it only when a change is *meant* to be incompatible (and put the
change behind ``workflow.patched`` instead, if rollouts may be in flight).

Two runs, through the real API, worker, OPA (governance) and a fleet of 3 OPA nodes:
- ``policy_rollout_activated.json``: validate, preview of recorded decisions, the canary
  (n1), then every node, converged;
- ``policy_rollout_rolled_back.json``: one node is down, the activation misses its
  deadline and every node is switched back and verified.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import httpx

from kaizen.temporal.client import connect
from tests.policy_rollout.fleet import FLEET, FleetStack, all_on, fleet_stack
from tests.policy_rollout.policies import PATH, shop_policy
from tests.servers import start_session_servers

HERE = Path(__file__).parent


async def _rollout(stack: FleetStack, version: dict[str, object], **body: object) -> str:
    reply = await stack.api.post(
        "/v1/policy-rollouts", json={"fleet": FLEET, "version_id": version["id"], **body},
        headers=stack.headers(),
    )  # fmt: skip
    assert reply.status_code == 202, reply.text
    run_id = str(reply.json()["id"])
    await stack.wait_run(run_id, lambda r: r["status"] != "running", timeout=90)
    return run_id


async def _save(stack: FleetStack, run_id: str, name: str) -> str:
    client = await connect(stack.settings)
    history = await client.get_workflow_handle(run_id).fetch_history()
    (HERE / name).write_text(history.to_json())
    run = await stack.run(run_id)
    return str(run["result"]["outcome"])


async def record(stack: FleetStack) -> None:
    current = await stack.publish(shop_policy(100, marker="history-1"))
    stack.serve(current)
    await stack.wait_fleet(all_on(current["revision"]))
    async with httpx.AsyncClient() as http:
        for amount in (10, 70, 400):
            await http.post(f"{stack.nodes['n2'].url}/v1/data/{PATH}",
                            json={"input": {"amount": amount}})  # fmt: skip
    await asyncio.sleep(2.5)  # the decision logs' flush
    new = await stack.publish(shop_policy(100, marker="history-2"))
    activated = await _rollout(stack, new)
    assert await _save(stack, activated, "policy_rollout_activated.json") == "activated"

    await asyncio.to_thread(stack.nodes["n3"].stop)
    newer = await stack.publish(shop_policy(100, marker="history-3"))
    rolled_back = await _rollout(stack, newer, strategy={"activation_deadline_seconds": 2})
    assert await _save(stack, rolled_back, "policy_rollout_rolled_back.json") == "rolled_back"


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        servers = start_session_servers(Path(tmp))
        try:
            async with fleet_stack(servers, Path(tmp) / "fleet") as stack:
                await record(stack)
        finally:
            servers.stop()


if __name__ == "__main__":
    asyncio.run(main())
