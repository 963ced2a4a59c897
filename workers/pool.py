"""Supervises N worker processes: restarts any that dies, drains all on SIGTERM.

Temporal makes a killed worker safe: its workflow tasks are retried on another
worker and its activities time out and retry, so the supervisor only has to
keep the process count up.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from types import FrameType

from workers.process import DRAIN_TIMEOUT

log = logging.getLogger("kaizen.worker.pool")

RESTART_BACKOFF_MAX_SECONDS = 30.0


@dataclass
class Slot:
    """One position in the pool and the process currently filling it."""

    index: int
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    next_start_at: float = 0.0
    started_at: float = 0.0


class WorkerPool:
    def __init__(self, processes: int, queues: Sequence[str]) -> None:
        if processes < 1:
            raise ValueError("processes must be at least 1")
        self._slots = [Slot(index=i) for i in range(processes)]
        self._queues = list(queues)
        self._stopping = False

    def _spawn(self, slot: Slot) -> None:
        command = [sys.executable, "-m", "workers.process", "--queues", ",".join(self._queues)]
        slot.process = subprocess.Popen(command, env=dict(os.environ))
        slot.started_at = time.monotonic()
        log.info("worker %d started as pid %d", slot.index, slot.process.pid)

    def pids(self) -> list[int]:
        return [s.process.pid for s in self._slots if s.process and s.process.poll() is None]

    def run(self) -> int:
        """Supervise until SIGTERM/SIGINT; return 0 after a clean drain."""
        signal.signal(signal.SIGTERM, self._request_stop)
        signal.signal(signal.SIGINT, self._request_stop)
        for slot in self._slots:
            self._spawn(slot)
        while not self._stopping:
            for slot in self._slots:
                self._tend(slot)
            time.sleep(0.2)
        return self._drain()

    def _tend(self, slot: Slot) -> None:
        if slot.process is not None and slot.process.poll() is None:
            return
        now = time.monotonic()
        if slot.process is not None:
            code = slot.process.returncode
            slot.process = None
            # A process that lived a while gets restarted at once; a crash loop backs off.
            quick_death = now - slot.started_at < 10
            slot.restarts = slot.restarts + 1 if quick_death else 0
            delay = min(RESTART_BACKOFF_MAX_SECONDS, 0.5 * (2**slot.restarts)) if quick_death else 0
            slot.next_start_at = now + delay
            log.warning("worker %d exited with %s; restarting in %.1fs", slot.index, code, delay)
        if now >= slot.next_start_at:
            self._spawn(slot)

    def _request_stop(self, _signum: int, _frame: FrameType | None) -> None:
        self._stopping = True

    def _drain(self) -> int:
        running = [s.process for s in self._slots if s.process and s.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + DRAIN_TIMEOUT.total_seconds() + 10
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.error("worker pid %d did not drain in time; killing it", process.pid)
                process.kill()
                process.wait()
        log.info("worker pool stopped")
        return 0
