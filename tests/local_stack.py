"""One ``kaizen up --kube local`` per test session, shared by the tests that observe it.

The stack runs as a user runs it (a subprocess with its own KAIZEN_HOME, on free ports),
with the shipped playbooks at verification timings a test can wait for. Tests may stop
and restart it (:meth:`LocalStack.restart`); whoever uses it last finds it running.
Registered as a plugin in the root conftest.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from kaizen.stack.processes import free_port
from tests.healing_fast_catalog import fast_catalog
from tests.stack_process import kaizen, kaizen_env, read_until

T = TypeVar("T")
START_TIMEOUT = 240.0


@dataclass
class LocalStack:
    home: Path
    env: dict[str, str]
    process: subprocess.Popen[str] | None = None
    printed: str = ""
    starts: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    def port(self, name: str) -> int:
        return int(self.env[f"KAIZEN_{name.upper()}_PORT"])

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port('api')}"

    @property
    def prometheus(self) -> str:
        return f"http://127.0.0.1:{self.port('prometheus')}"

    @property
    def alertmanager(self) -> str:
        return f"http://127.0.0.1:{self.port('alertmanager')}"

    @property
    def traffic(self) -> str:
        return f"http://127.0.0.1:{self.port('traffic')}"

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {(self.home / 'admin.key').read_text().strip()}"}

    @property
    def admin_kubeconfig(self) -> Path:
        return self.home / "kube" / "admin.kubeconfig"

    def start(self) -> None:
        self.process = kaizen("up", "--kube", "local", env=self.env)
        try:
            self.printed = "\n".join(read_until(self.process, "Ready.", timeout=START_TIMEOUT))
        except AssertionError:
            self.process.kill()
            raise
        self.starts += 1

    def stop(self, sig: signal.Signals = signal.SIGINT) -> None:
        assert self.process is not None
        self.process.send_signal(sig)
        assert self.process.wait(timeout=90) == 0
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A ``kaizen`` command against this stack, as its user would type it."""
        done = kaizen(*args, env=self.env)
        out, _ = done.communicate(timeout=60)
        return subprocess.CompletedProcess(done.args, done.returncode, out, "")

    def get(self, url: str, **params: Any) -> Any:
        reply = httpx.get(url, params=params, headers=self.admin, timeout=10)
        reply.raise_for_status()
        return reply.json()


def eventually(
    probe: Callable[[], T | None], *, timeout: float, what: str, every: float = 0.5
) -> T:
    """``probe()``'s first answer that is not None (nor False); fails saying ``what``."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = probe()
        if last is not None and last is not False:
            return last
        time.sleep(every)
    raise AssertionError(f"{what}: not within {timeout:.0f}s (last: {last!r})")


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    root = tmp_path_factory.mktemp("local-stack")
    env = kaizen_env(
        root / "home",
        KAIZEN_TEMPORAL_PORT=str(free_port()),
        KAIZEN_TEMPORAL_UI_PORT=str(free_port()),
        KAIZEN_OPA_PORT=str(free_port()),
        KAIZEN_API_PORT=str(free_port()),
        KAIZEN_PROMETHEUS_PORT=str(free_port()),
        KAIZEN_ALERTMANAGER_PORT=str(free_port()),
        KAIZEN_TRAFFIC_PORT=str(free_port()),
        KAIZEN_WORKER_PROCESSES="1",
        KAIZEN_POLICY_FLEET_NODES="0",
        # The shipped playbooks, checking every second: the run waits on the signal, not
        # on the playbook's 15 s intervals (the rule windows still take their 30 s).
        KAIZEN_PLAYBOOKS_DIR=str(
            fast_catalog(root / "playbooks", timeout_seconds=150, interval_seconds=2)
        ),
        KAIZEN_HEALING_ALERT_RESOLUTION_SECONDS="120",
    )
    stack = LocalStack(home=root / "home", env=env)
    stack.start()
    yield stack
    if stack.process is not None:
        stack.stop()
