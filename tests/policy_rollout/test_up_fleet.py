"""``kaizen up`` starts a local fleet of 3 OPA nodes, and the README's tour works on it.

The tour as a newcomer does it, through ``kaizen policy``: decisions made on the fleet,
the example policy's limit lowered, published, previewed on those decisions, rolled out;
then one node paused (``kill -STOP`` of its pid file) and the next rollout switched back
by itself, every node on the old version.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from kaizen.stack.processes import free_port
from tests.servers import POLICIES, REPO
from tests.stack_process import kaizen, kaizen_env, processes_mentioning, read_until

AMOUNTS = (50, 100, 150, 200, 250, 400, 600, 900)


def cli(env: dict[str, str], *args: str) -> tuple[int, list[str]]:
    done = subprocess.run(
        [sys.executable, "-m", "kaizen.cli.main", "policy", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    return done.returncode, (done.stdout + done.stderr).splitlines()


def fleet_nodes(api: str, admin: dict[str, str]) -> list[dict[str, Any]]:
    reply = httpx.get(f"{api}/v1/policy-fleet", params={"fleet": "local"}, headers=admin)
    nodes: list[dict[str, Any]] = reply.json()["nodes"]
    return nodes


def wait_all_on(api: str, admin: dict[str, str], revision: str | None = None) -> None:
    deadline = time.monotonic() + 30
    nodes: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        nodes = fleet_nodes(api, admin)
        want = revision or (nodes[0]["desired_revision"] if nodes else "")
        if len(nodes) == 3 and all(
            want and n["active_revision"] == want and not n["status_code"] for n in nodes
        ):
            return
        time.sleep(0.3)
    raise AssertionError(f"the fleet never converged: {nodes}")


def published(lines: list[str]) -> str:
    line = next(text for text in lines if text.startswith("published "))
    return line.split()[1]


def test_up_starts_a_fleet_and_the_readme_tour_works(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = kaizen_env(
        home,
        KAIZEN_TEMPORAL_PORT=str(free_port()),
        KAIZEN_TEMPORAL_UI_PORT=str(free_port()),
        KAIZEN_OPA_PORT=str(free_port()),
        KAIZEN_API_PORT=str(free_port()),
        KAIZEN_POLICY_FLEET_PORT=str(free_port()),
        KAIZEN_WORKER_PROCESSES="1",
    )
    api = f"http://127.0.0.1:{env['KAIZEN_API_PORT']}"
    policies = tmp_path / "policies"
    shutil.copytree(POLICIES / "fleet", policies / "fleet")
    data = policies / "fleet" / "authz" / "data.json"
    up = kaizen("up", env=env)
    paused: int | None = None
    try:
        printed = read_until(up, "Ready.", timeout=120)
        line = next(text for text in printed if text.startswith("OPA fleet"))
        assert "fleet local of 3 OPA node(s) serving bundle authz: n1 http://127.0.0.1:" in line
        admin = {"Authorization": f"Bearer {(home / 'admin.key').read_text().strip()}"}
        wait_all_on(api, admin)
        example = fleet_nodes(api, admin)[0]["desired_version"]
        nodes = {n["name"]: n["url"] for n in fleet_nodes(api, admin)}

        # The fleet's decisions: what the preview replays.
        for amount in AMOUNTS:
            for url in nodes.values():
                httpx.post(f"{url}/v1/data/fleet/authz/allow",
                           json={"input": {"amount": amount, "role": "clerk"}})  # fmt: skip
        time.sleep(3)  # decision logs are flushed within 2 s

        data.write_text(data.read_text().replace('"limit": 500', '"limit": 300'))
        code, lines = cli(
            env, "publish", str(policies / "fleet" / "authz"), "--root", "fleet/authz"
        )
        assert code == 0, lines
        lower = published(lines)
        assert "(authz #2, roots fleet/authz, signed by kaizen-" in lines[0]
        code, lines = cli(env, "preview", lower)
        assert code == 0, lines
        assert lines[1].startswith("outcome: previewed: dry run: valid, previewed; policy says "
                                   "proceed"), lines  # fmt: skip
        assert (
            "24 recorded decisions replayed, 3 change: 3 allow -> deny, 0 deny -> allow"
            in (lines[2])
        ), lines
        assert (
            'fleet/authz/allow: {"amount": 400, "role": "clerk"} was true, would be false'
            in (lines[3])
        )
        code, lines = cli(env, "rollout", lower)
        assert code == 0, lines
        assert lines[1].startswith("outcome: activated: every node of fleet local runs " + lower)
        wait_all_on(api, admin, lower)

        # One node paused: the next rollout misses its deadline and comes back by itself.
        paused = int((home / "opa-fleet" / "n3" / "opa.pid").read_text())
        os.kill(paused, signal.SIGSTOP)
        data.write_text(data.read_text().replace('"limit": 300', '"limit": 200'))
        code, lines = cli(
            env, "publish", str(policies / "fleet" / "authz"), "--root", "fleet/authz"
        )
        lowest = published(lines)
        code, lines = cli(env, "rollout", lowest)
        assert code == 1, lines
        assert lines[1].startswith(
            "outcome: rolled_back: activation failed: n3 did not report the target revision "
            "within 5 s (n3 never asked for it: down or cut off); every node was switched back"
        ), lines
        code, lines = cli(env, "fleet")
        assert code == 0
        shown = {text.split("\t")[0]: text for text in lines}
        for name in ("n1", "n2"):
            assert f"active {lower}\tok" in shown[f"local/{name}"], lines
        os.kill(paused, signal.SIGCONT)
        paused = None
        wait_all_on(api, admin, lower)
        assert {n["desired_version"] for n in fleet_nodes(api, admin)} == {lower}
        assert example != lower
        versions = httpx.get(f"{api}/v1/policy-bundles", headers=admin).json()
        assert [v["seq"] for v in versions] == [3, 2, 1]
        history = httpx.get(f"{api}/metrics").text
        assert (
            'kaizen_policy_rollouts_total{fleet="local",mode="rollout",outcome="activated"} 1.0'
            in (history)
        ), [m for m in history.splitlines() if "kaizen_policy_rollouts" in m]
    finally:
        if paused is not None:
            os.kill(paused, signal.SIGCONT)
        up.send_signal(signal.SIGINT)
        assert up.wait(timeout=90) == 0
    time.sleep(0.5)
    assert processes_mentioning(str(home)) == [], "fleet nodes left behind after Ctrl-C"
    assert json.loads(data.read_text())["limit"] == 200
