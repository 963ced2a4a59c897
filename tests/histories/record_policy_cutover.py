"""Record the cutover's replay history: ``python -m tests.histories.record_policy_cutover``.

Like ``record``: run it only when a change is *meant* to be incompatible (and put the
change behind ``workflow.patched`` instead, if rollouts may be in flight).

``policy_rollout_cutover.json``: through the real API, worker, OPA (governance) and a
fleet of 3 OPA nodes, a cutover: validate, preview, every node loads the combined
bundle, the run holds until the instant, the probe sees every node switch, and the plain
new bundle replaces the combined one.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from tests.histories.record_policy_rollout import _rollout, _save
from tests.policy_rollout.fleet import FleetStack, all_on, fleet_stack
from tests.policy_rollout.policies import shop_policy
from tests.servers import start_session_servers


async def record(stack: FleetStack) -> None:
    current = await stack.publish(shop_policy(100, marker="history-cutover-1"))
    stack.serve(current)
    await stack.wait_fleet(all_on(current["revision"]))
    new = await stack.publish(shop_policy(100, marker="history-cutover-2"))
    cutover = await _rollout(stack, new, strategy={"cutover": {"in_seconds": 12}})
    assert await _save(stack, cutover, "policy_rollout_cutover.json") == "activated"


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
