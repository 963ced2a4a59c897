"""The supervisor with real child processes: restarts, backoff, crash loops, taken ports."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import stat
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kaizen.stack.kube import LocalKubeControlPlane, ensure_kube_binaries
from kaizen.stack.processes import ManagedProcess, free_port
from kaizen.stack.stack_status import children_down
from kaizen.stack.supervisor import (
    CRASH_LOOP_RESTARTS,
    ChildGaveUp,
    SupervisedChild,
    Supervisor,
)


def python_child(name: str, code: str, log: Path) -> ManagedProcess:
    return ManagedProcess(name, [sys.executable, "-c", code], log)


def tend_until(supervisor: Supervisor, done: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        supervisor.tend()
        if done():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached")


def test_a_killed_child_is_restarted_and_its_state_written(tmp_path: Path) -> None:
    said: list[str] = []
    status = tmp_path / "status.json"
    sleeper = python_child("sleeper", "import time; time.sleep(60)", tmp_path / "sleeper.log")
    sleeper.start()
    supervisor = Supervisor(said.append, status)
    supervisor.watch(SupervisedChild(sleeper))
    first = sleeper.pid
    try:
        os.kill(first, signal.SIGKILL)
        tend_until(supervisor, lambda: supervisor.child("sleeper").state == "restarting")
        assert children_down(status) == ["sleeper restarting (restarts 1, last exit signal 9)"]
        # It had just started: a quick death, so the first backoff step.
        assert said[0].startswith("sleeper exited (signal 9); restarting in 0.5s (restart 1)")
        tend_until(supervisor, lambda: supervisor.child("sleeper").state == "running")
        assert sleeper.running and sleeper.pid != first
        assert children_down(status) == []
        assert stat.S_IMODE(status.stat().st_mode) == 0o600
        assert json.loads(status.read_text())["children"]["sleeper"] == {
            "state": "running",
            "restarts": 1,
            "last_exit": "signal 9",
        }
    finally:
        sleeper.stop()


def test_a_crash_loop_gives_up_naming_the_child_and_its_log(tmp_path: Path) -> None:
    said: list[str] = []
    crasher = python_child(
        "crasher", "import sys; print('bad config: no such key'); sys.exit(3)", tmp_path / "c.log"
    )
    crasher.start()
    supervisor = Supervisor(said.append, tmp_path / "status.json")
    supervisor.watch(SupervisedChild(crasher))
    started = time.monotonic()
    with pytest.raises(ChildGaveUp) as raised:
        tend_until(supervisor, lambda: False, timeout=30)
    message = str(raised.value)
    assert message.startswith(f"crasher keeps crashing: {CRASH_LOOP_RESTARTS} restarts")
    assert "last exit code 3" in message and "bad config: no such key" in message
    # Backoff doubled between restarts: 0.5 + 1 + 2 + 4 s.
    assert [line.split("restarting in ")[1].split("s ")[0] for line in said] == [
        "0.5",
        "1",
        "2",
        "4",
    ]
    assert time.monotonic() - started >= 7.5
    assert children_down(tmp_path / "status.json") == [
        "crasher given up (restarts 4, last exit code 3)"
    ]


def test_a_port_taken_while_the_child_was_down_ends_supervision(tmp_path: Path) -> None:
    port = free_port()
    server = python_child(
        "server",
        "import socket, time\n"
        f"s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        f"s.bind(('127.0.0.1', {port})); s.listen(); time.sleep(60)",
        tmp_path / "server.log",
    )
    server.start()
    supervisor = Supervisor(lambda _line: None, tmp_path / "status.json")
    supervisor.watch(SupervisedChild(server, ports=[("test server", "127.0.0.1", port)]))
    os.kill(server.pid, signal.SIGKILL)
    server.process.wait()  # type: ignore[union-attr]
    with socket.socket() as intruder:
        intruder.bind(("127.0.0.1", port))
        intruder.listen()
        with pytest.raises(ChildGaveUp, match=f"server cannot be restarted: port {port}"):
            tend_until(supervisor, lambda: False)


def test_a_child_whose_binary_went_away_ends_supervision(tmp_path: Path) -> None:
    binary = tmp_path / "sleep"
    shutil.copy2(shutil.which("sleep") or "/bin/sleep", binary)
    sleeper = ManagedProcess("sleeper", [str(binary), "60"], tmp_path / "sleeper.log")
    sleeper.start()
    supervisor = Supervisor(lambda _line: None, tmp_path / "status.json")
    supervisor.watch(SupervisedChild(sleeper))
    binary.unlink()
    os.kill(sleeper.pid, signal.SIGKILL)
    with pytest.raises(ChildGaveUp, match="sleeper cannot be restarted: .*No such file"):
        tend_until(supervisor, lambda: False)


def test_a_status_file_whose_writer_is_gone_is_ignored(tmp_path: Path) -> None:
    status = tmp_path / "status.json"
    status.write_text(json.dumps({"pid": 2**22 + 1, "children": {"api": {"state": "restarting"}}}))
    assert children_down(status) is None
    assert children_down(tmp_path / "missing.json") is None


def test_the_control_planes_killed_processes_come_back_with_their_state(tmp_path: Path) -> None:
    plane = LocalKubeControlPlane(ensure_kube_binaries(), tmp_path / "kube")
    with plane:
        supervisor = Supervisor(lambda _line: None, tmp_path / "status.json")
        for process in plane.processes:
            supervisor.watch(SupervisedChild(process, after_start=plane.record_pids))
        plane.request("POST", "/api/v1/namespaces", {"metadata": {"name": "kept"}})
        before = plane.pids
        for name in ("etcd", "kube-apiserver"):
            os.kill(before[name], signal.SIGKILL)
        tend_until(
            supervisor,
            lambda: all(c.state == "running" and c.restarts == 1 for c in supervisor.children[:2]),
        )
        # The same address and etcd data: kubeconfigs handed out still work.
        namespace = eventually_request(plane, "/api/v1/namespaces/kept")
        assert namespace["metadata"]["name"] == "kept"
        recorded = json.loads((plane.state_dir / "pids.json").read_text())
        assert {name: row["pid"] for name, row in recorded.items()} == plane.pids
        assert plane.pids["etcd"] != before["etcd"]


def eventually_request(plane: LocalKubeControlPlane, path: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        try:
            return dict(plane.request("GET", path))
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
