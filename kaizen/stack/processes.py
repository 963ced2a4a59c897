"""Child processes of the stack: started with their own log, stopped without leftovers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path


class StackError(RuntimeError):
    """The stack cannot start; the message is one line a person can act on."""


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def require_free_ports(ports: Sequence[tuple[str, str, int]]) -> None:
    """Fail with one line naming the first taken port (``(what, host, port)`` triples)."""
    for what, host, port in ports:
        if not port_is_free(host, port):
            raise StackError(
                f"port {port} on {host} ({what}) is already in use; stop what holds it "
                f"or choose another port in settings"
            )


def http_ok(url: str) -> bool:
    """True when ``url`` answers 200 within a second (a readiness probe)."""
    try:
        with urllib.request.urlopen(url, timeout=1) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class ManagedProcess:
    """A child in its own process group, so stopping it stops its children too."""

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        log_path: Path,
        *,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.command = list(command)
        self.log_path = log_path
        self._env = env
        self._cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        # Logs hold decisions, alerts and errors: readable by the stack's own user only.
        self.log_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        log_file = os.fdopen(
            os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab"
        )
        try:
            self.process = subprocess.Popen(
                self.command,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self._env,
                cwd=self._cwd,
                start_new_session=True,
            )
        finally:
            log_file.close()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def pid(self) -> int:
        assert self.process is not None, f"{self.name} was never started"
        return self.process.pid

    def wait_until(self, ready: Callable[[], bool], *, timeout: float, what: str) -> None:
        """Poll ``ready`` until true; fail with the log's tail if the process dies or times out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise StackError(f"{self.name} exited while starting: {self.log_tail()}")
            if ready():
                return
            time.sleep(0.1)
        raise StackError(f"{self.name} was not {what} after {timeout:.0f}s: {self.log_tail()}")

    def log_tail(self, lines: int = 5, separator: str = " | ") -> str:
        try:
            text = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "(no log)"
        return separator.join(text[-lines:]) or "(empty log)"

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM the process group, then SIGKILL whatever is left after ``timeout``."""
        if self.process is None:
            return
        if self.process.poll() is None:
            _signal_group(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _signal_group(self.process.pid, signal.SIGKILL)
                self.process.wait()
        # Reap any grandchildren that outlived their parent in the group.
        _signal_group(self.process.pid, signal.SIGKILL)


def kill_group(pid: int) -> None:
    """SIGKILL what is left of a child's process group (the child itself has exited)."""
    _signal_group(pid, signal.SIGKILL)


def has_children(pid: int) -> bool:
    """True when process ``pid`` has started a child (a worker pool, its first worker)."""
    try:
        return bool(Path(f"/proc/{pid}/task/{pid}/children").read_text().split())
    except OSError:
        return False


def port_answers(host: str, port: int) -> bool:
    """True when something accepts TCP connections on ``host:port`` within a second."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
