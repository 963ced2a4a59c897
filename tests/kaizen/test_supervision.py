"""``kaizen up`` restarts its killed children, and gives up only on a crash loop.

One ``kaizen up`` (no cluster) for the module: the tests SIGKILL its real children in
turn, and the last one breaks OPA's policies so that OPA crash-loops and ends the stack.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.kaizen.test_up import stack_env
from tests.local_stack import eventually
from tests.servers import POLICIES, REPO
from tests.stack_process import _lines, kaizen, processes_mentioning, read_until


@dataclass
class Up:
    process: subprocess.Popen[str]
    home: Path
    policies: Path
    api: str
    admin: dict[str, str]
    env: dict[str, str]

    def pid_of(self, *needles: str) -> int:
        """The live child of this stack whose command line holds every needle."""
        for pid in processes_mentioning(str(self.home)):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if all(needle in cmdline for needle in needles) and " up" not in cmdline:
                return pid
        raise AssertionError(f"no child with {needles}; output: {self.output()}")

    def output(self) -> list[str]:
        return list(_lines(self.process))

    def kill(self, *needles: str) -> int:
        pid = self.pid_of(*needles)
        os.kill(pid, signal.SIGKILL)
        return pid

    def said(self, marker: str, timeout: float = 60) -> str:
        read_until(self.process, marker, timeout=timeout)
        return next(line for line in self.output() if marker in line)

    def run(self, run_id: str) -> dict[str, Any]:
        return dict(
            httpx.get(f"{self.api}/v1/runs/{run_id}", headers=self.admin, timeout=10).json()
        )


@contextmanager
def started_up(root: Path) -> Iterator[Up]:
    """``kaizen up`` on free ports in ``root``; stopped (and checked stopped) on the way out."""
    # A copy of the policies, so a test can break OPA's and only this stack's.
    policies = shutil.copytree(POLICIES, root / "policies")
    env = {**stack_env(root / "home"), "KAIZEN_POLICIES_DIR": str(policies)}
    process = kaizen("up", env=env)
    home = root / "home"
    try:
        read_until(process, "Ready.", timeout=110)
        admin = {"Authorization": f"Bearer {(home / 'admin.key').read_text().strip()}"}
        api = f"http://127.0.0.1:{env['KAIZEN_API_PORT']}"
        yield Up(process, home, policies, api, admin, env)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=90)
    time.sleep(0.5)
    assert processes_mentioning(str(home)) == [], "children left behind"


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Up]:
    with started_up(tmp_path_factory.mktemp("supervision")) as stack:
        yield stack


def break_opa(up: Up) -> None:
    """A policy that no longer parses, then OPA killed: each start of OPA now fails."""
    (up.policies / "kaizen" / "broken.rego").write_text("package kaizen.broken\n\nallow if {\n")
    up.kill("opa", "run", "--server", "--authentication=token")


def healing_run(up: Up, service: str) -> str:
    body = {"service": service, "namespace": "demo", "symptom": "PodCrashLooping",
            "severity": "low"}  # fmt: skip
    started = httpx.post(f"{up.api}/v1/healing-runs", json=body, headers=up.admin, timeout=10)
    assert started.status_code == 202, started.text
    return str(started.json()["id"])


def completed(up: Up, run_id: str, timeout: float = 60) -> dict[str, Any]:
    return eventually(
        lambda: (r := up.run(run_id)).get("status") == "completed" and r,
        timeout=timeout,
        what=f"run {run_id} completes",
    )


def test_a_killed_api_is_back_and_a_run_started_before_completes(up: Up) -> None:
    run_id = healing_run(up, "web")
    killed = up.kill("kaizen.cli.main api")
    line = up.said("api exited (signal 9)")
    # Backoff only if it died within 10 s of its start (this one may have: the stack is new).
    assert re.search(r"restarting in (0|0\.5)s \(restart 1\); last lines of .*api\.log", line)
    began = time.monotonic()
    up.said("api is back (restart 1)", timeout=30)
    assert time.monotonic() - began < 15
    assert up.pid_of("kaizen.cli.main api") != killed
    assert completed(up, run_id)["result"]["outcome"] == "observed"
    assert httpx.get(f"{up.api}/readyz", timeout=10).json()["checks"]["stack"] == "ok"


def reviewer_key(up: Up) -> dict[str, str]:
    """An approver's key, made with the CLI as a person would (the admin started the RCA)."""
    env = {**up.env, "KAIZEN_HOME": str(up.home)}
    made = subprocess.run(
        [sys.executable, "-m", "kaizen.cli.main", "keys", "create", "--name", "reviewer",
         "--role", "approver"],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return {"Authorization": f"Bearer {made.stdout.strip().splitlines()[-1]}"}


def test_a_killed_dev_server_keeps_a_waiting_run_that_can_be_approved(up: Up) -> None:
    now = datetime.now(UTC)
    body = {
        "service": "cart", "namespace": "demo", "severity": "low", "inline_only": True,
        "window_start": (now - timedelta(minutes=10)).isoformat(),
        "window_end": now.isoformat(),
        "evidence": {"logs": [{"at": now.isoformat(), "pod": "cart-1", "line": "OOMKilled"}]},
    }  # fmt: skip
    started = httpx.post(f"{up.api}/v1/rca-runs", json=body, headers=up.admin, timeout=10)
    assert started.status_code == 202, started.text
    rca = f"{up.api}/v1/rcas/{started.json()['id']}"

    def status() -> str | None:
        reply = httpx.get(rca, headers=up.admin, timeout=10)
        return str(reply.json()["status"]) if reply.status_code == 200 else None

    eventually(lambda: status() == "in_review", timeout=60, what="the RCA waits for review")
    dependents = {up.pid_of("kaizen.cli.main api"), up.pid_of("workers.process")}
    up.kill("temporal", "server", "start-dev")
    up.said("temporal exited (signal 9)")
    # While it comes back, /readyz names it (the stack's own check, beside Temporal's).
    ready = eventually(
        lambda: (r := httpx.get(f"{up.api}/readyz", timeout=10)).status_code == 503 and r,
        timeout=20,
        what="/readyz reports the restarting dev server",
    )
    assert ready.json()["checks"]["stack"].startswith("error: temporal restarting (restarts 1")
    up.said("temporal is back (restart 1)", timeout=60)
    # The same SQLite file: the run is still there and still waiting; the API (not
    # restarted) reaches the new server through its old client.
    eventually(lambda: status() == "in_review", timeout=30, what="the RCA is read again")
    approved = httpx.post(f"{rca}/approvals", json={}, headers=reviewer_key(up), timeout=30)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    # The workers (not restarted either) take the workflow on: the RCA becomes final.
    eventually(lambda: status() == "final", timeout=60, what="the RCA is final")
    # Neither the API nor the worker was restarted: their clients reconnected by themselves.
    assert {up.pid_of("kaizen.cli.main api"), up.pid_of("workers.process")} == dependents
    assert not [line for line in up.output() if line.startswith(("api exited", "workers exited"))][
        1:
    ]
    assert httpx.get(f"{up.api}/readyz", timeout=10).status_code == 200


def decided(run: dict[str, Any]) -> list[str]:
    return [e["message"] for e in run["events"] if e["type"] == "policy.decided"]


def test_killed_opa_and_workers_come_back_and_decisions_resume(up: Up) -> None:
    worker = up.pid_of("workers.process")
    up.kill("opa", "run", "--server", "--authentication=token")
    up.said("opa exited (signal 9)")
    up.said("opa is back (restart 1)", timeout=30)
    # The same worker asks the new OPA: its policy client reconnects by itself.
    assert decided(completed(up, healing_run(up, "api"), timeout=90))
    assert up.pid_of("workers.process") == worker
    up.kill("kaizen.cli.main worker")
    up.said("workers exited (signal 9)")
    up.said("workers is back (restart 1)", timeout=30)
    # The pool's own worker went with it; the new pool started a new one.
    assert up.pid_of("workers.process") != worker
    assert decided(completed(up, healing_run(up, "checkout"), timeout=90))
    assert httpx.get(f"{up.api}/readyz", timeout=10).status_code == 200


def test_ctrl_c_while_a_child_backs_off_stops_everything(up: Up) -> None:
    break_opa(up)
    up.said("opa exited (code 1)", timeout=30)
    up.process.send_signal(signal.SIGINT)
    assert up.process.wait(timeout=60) == 0
    assert not (up.home / "stack-status.json").exists()
    time.sleep(0.5)
    assert processes_mentioning(str(up.home)) == [], "children left behind"


def test_a_crash_loop_ends_up_naming_the_child(tmp_path: Path) -> None:
    with started_up(tmp_path) as up:
        break_opa(up)
        assert up.process.wait(timeout=60) == 1
        check_crash_loop(up)


def check_crash_loop(up: Up) -> None:
    error = next(line for line in up.output() if line.startswith("error:"))
    assert error.startswith("error: opa keeps crashing: 4 restarts within 60s, last exit code 1")
    assert "broken.rego" in error  # the log tail says why
    # Each failed start was said with its log tail, and the stack waited longer each time.
    crashes = [line for line in up.output() if line.startswith("opa exited (code 1)")]
    assert crashes and all("broken.rego" in line for line in crashes)
    delays = [float(line.split("restarting in ")[1].split("s ")[0]) for line in crashes]
    assert delays == sorted(delays) and delays[-1] > 0
    status = (up.home / "stack-status.json").read_text()
    assert '"state": "given up"' in status
