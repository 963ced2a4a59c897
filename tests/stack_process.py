"""Running ``kaizen`` commands as a user would, in a subprocess with its own KAIZEN_HOME."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.servers import POLICIES, REPO


def kaizen_env(home: Path, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAIZEN_")}
    env.update(KAIZEN_HOME=str(home), KAIZEN_POLICIES_DIR=str(POLICIES), **overrides)
    return env


def kaizen(*args: str, env: dict[str, str], **kwargs: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "kaizen.cli.main", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **kwargs,  # type: ignore[arg-type]
    )


_readers: dict[int, tuple[threading.Thread, list[str]]] = {}


def _lines(process: subprocess.Popen[str]) -> list[str]:
    """Lines the process has printed so far, collected by a thread so reads never block."""
    if process.pid not in _readers:
        collected: list[str] = []

        def pump() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                collected.append(line.rstrip("\n"))

        thread = threading.Thread(target=pump, daemon=True)
        thread.start()
        _readers[process.pid] = (thread, collected)
    return _readers[process.pid][1]


def read_until(process: subprocess.Popen[str], marker: str, timeout: float) -> list[str]:
    """Lines printed until one contains ``marker``; fails with what was printed."""
    lines = _lines(process)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(marker in line for line in lines):
            return list(lines)
        if process.poll() is not None:
            time.sleep(0.2)
            break
        time.sleep(0.1)
    raise AssertionError(f"never printed {marker!r}; output: {lines}")


def processes_mentioning(text: str) -> list[int]:
    """Pids of live processes whose command line or environment mentions ``text``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes()
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if stat.split(") ")[-1].startswith("Z"):
            continue
        if text.encode() in cmdline or text.encode() in environ:
            found.append(int(entry.name))
    return found
