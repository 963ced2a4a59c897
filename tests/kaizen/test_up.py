"""``kaizen up``: the whole stack in the foreground, clean stop, nothing lost on restart."""

from __future__ import annotations

import signal
import socket
import stat
import subprocess
import time
from pathlib import Path

import httpx

from kaizen.stack.processes import free_port
from tests.stack_process import kaizen, kaizen_env, processes_mentioning, read_until


def stack_env(home: Path) -> dict[str, str]:
    return kaizen_env(
        home,
        KAIZEN_TEMPORAL_PORT=str(free_port()),
        KAIZEN_TEMPORAL_UI_PORT=str(free_port()),
        KAIZEN_OPA_PORT=str(free_port()),
        KAIZEN_API_PORT=str(free_port()),
        KAIZEN_WORKER_PROCESSES="1",
    )


def stop(process: subprocess.Popen[str], sig: signal.Signals) -> None:
    process.send_signal(sig)
    assert process.wait(timeout=90) == 0


def wait_completed(api: str, run_id: str, headers: dict[str, str]) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run = httpx.get(f"{api}/v1/runs/{run_id}", headers=headers).json()
        if run.get("status") == "completed":
            return dict(run)
        time.sleep(0.3)
    raise AssertionError(f"run {run_id} did not complete: {run}")


def test_up_runs_stops_cleanly_and_keeps_runs_across_restart(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = stack_env(home)
    api = f"http://127.0.0.1:{env['KAIZEN_API_PORT']}"

    first = kaizen("up", env=env)
    try:
        printed = "\n".join(read_until(first, "Ready.", timeout=120))
    except AssertionError:
        first.kill()
        raise
    assert api in printed and f":{env['KAIZEN_TEMPORAL_UI_PORT']}" in printed
    key_file = home / "admin.key"
    assert str(key_file.resolve()) in printed
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    admin = {"Authorization": f"Bearer {key_file.read_text().strip()}"}

    assert httpx.get(f"{api}/readyz").status_code == 200
    web_ui = httpx.get(f"http://127.0.0.1:{env['KAIZEN_TEMPORAL_UI_PORT']}/", follow_redirects=True)
    assert web_ui.status_code == 200 and "<html" in web_ui.text.lower()
    body = {"service": "web", "namespace": "demo", "symptom": "PodCrashLooping", "severity": "low"}
    started = httpx.post(f"{api}/v1/healing-runs", json=body, headers=admin).json()
    wait_completed(api, started["id"], admin)
    assert (home / "temporal.db").exists()
    assert processes_mentioning(str(home))  # the children really run with this home

    stop(first, signal.SIGINT)
    time.sleep(0.5)
    assert processes_mentioning(str(home)) == [], "children left behind after Ctrl-C"

    second = kaizen("up", env=env)
    try:
        read_until(second, "Ready.", timeout=120)
        run = wait_completed(api, started["id"], admin)
        assert run["result"]["outcome"] == "observed"  # type: ignore[index]  (no cluster)
        listed = httpx.get(f"{api}/v1/runs", params={"service": "web"}, headers=admin).json()
        assert started["id"] in {r["id"] for r in listed}
    finally:
        stop(second, signal.SIGTERM)
    assert processes_mentioning(str(home)) == []


def test_taken_port_is_a_one_line_error(tmp_path: Path) -> None:
    env = stack_env(tmp_path / "home")
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", int(env["KAIZEN_API_PORT"])))
        holder.listen()
        process = kaizen("up", env=env)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 1
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert env["KAIZEN_API_PORT"] in errors[0] and "API" in errors[0]
