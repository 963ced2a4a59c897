"""``kaizen up`` starts a local fleet of 3 OPA nodes that long-poll its bundle server."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx

from kaizen.stack.processes import free_port
from tests.stack_process import kaizen, kaizen_env, processes_mentioning, read_until


def test_up_starts_a_fleet_serving_the_example_policy(tmp_path: Path) -> None:
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
    up = kaizen("up", env=env)
    try:
        printed = read_until(up, "Ready.", timeout=120)
        line = next(text for text in printed if text.startswith("OPA fleet"))
        assert "fleet local of 3 OPA node(s) serving bundle authz: n1 http://127.0.0.1:" in line
        admin = {"Authorization": f"Bearer {(home / 'admin.key').read_text().strip()}"}
        deadline = time.monotonic() + 30
        nodes: list[dict[str, object]] = []
        while time.monotonic() < deadline:
            nodes = httpx.get(
                f"{api}/v1/policy-fleet", params={"fleet": "local"}, headers=admin
            ).json()["nodes"]
            if len(nodes) == 3 and all(
                n["active_revision"] and n["active_revision"] == n["desired_revision"]
                and not n["status_code"] for n in nodes
            ):  # fmt: skip
                break
            time.sleep(0.3)
        assert [n["name"] for n in nodes] == ["n1", "n2", "n3"]
        assert all(n["active_revision"] == nodes[0]["desired_revision"] for n in nodes), nodes
        versions = httpx.get(f"{api}/v1/policy-bundles", headers=admin).json()
        assert [v["bundle"] for v in versions] == ["authz"]
        assert versions[0]["roots"] == ["fleet/authz"]
        for name in ("n1", "n2", "n3"):
            pid = (home / "opa-fleet" / name / "opa.pid").read_text().strip()
            assert pid.isdigit()
    finally:
        up.send_signal(signal.SIGINT)
        assert up.wait(timeout=90) == 0, read_until(up, "", timeout=1)
    time.sleep(0.5)
    assert processes_mentioning(str(home)) == [], "fleet nodes left behind after Ctrl-C"
