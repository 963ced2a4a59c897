"""Keeps every child of ``kaizen up`` running: a dead child is started again, same command.

Like the worker pool (``workers/pool.py``): a child that lived a while is restarted at
once; one that dies soon after its start backs off exponentially (0.5 s, 1 s, 2 s, ...
up to 30 s). Only a crash loop, more than :data:`CRASH_LOOP_RESTARTS` restarts within
:data:`CRASH_LOOP_WINDOW_SECONDS`, or a port another process took while the child was
down ends ``kaizen up`` (:class:`ChildGaveUp`, naming the child, why, and its log tail).

A restarted child keeps its ports, files and arguments, so its clients reconnect to
the same address: Temporal's clients and workers retry their connection, the API reads
OPA per request.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from kaizen.stack.processes import ManagedProcess, StackError, kill_group, port_is_free
from kaizen.stack.stack_status import GIVEN_UP, RESTARTING, RUNNING, State, write_status

STABLE_SECONDS: Final = 10.0
"""A child that lived this long before it died is restarted without delay."""
BACKOFF_FIRST_SECONDS: Final = 0.5
BACKOFF_MAX_SECONDS: Final = 30.0
CRASH_LOOP_RESTARTS: Final = 4
"""Restarts of one child allowed within the window; the next death ends ``kaizen up``."""
CRASH_LOOP_WINDOW_SECONDS: Final = 60.0
READY_WITHOUT_PROBE_SECONDS: Final = 1.0
"""A child without a readiness probe counts as running once it has lived this long."""
PORT_GRACE_SECONDS: Final = 3.0
"""How long a restart waits for its port to be released before it gives up."""

Say = Callable[[str], None]
Port = tuple[str, str, int]


class ChildGaveUp(StackError):
    """A child cannot be kept running; the message names it and says why."""


@dataclass
class SupervisedChild:
    """One child and its restart bookkeeping."""

    process: ManagedProcess
    ready: Callable[[], bool] | None = None
    """Probe that says the child serves again after a restart (None: alive 1 s is enough)."""
    ports: Sequence[Port] = ()
    """``(what, host, port)`` the child binds: checked free before it is started again."""
    after_start: Callable[[], None] | None = None
    """Run after every restart (e.g. record the new pid where a person looks for it)."""
    state: State = RUNNING
    restarts: int = 0
    last_exit: str | None = None
    quick_deaths: int = 0
    started_at: float = field(default_factory=time.monotonic)
    next_start_at: float | None = None
    port_wait_until: float | None = None
    recent_restarts: deque[float] = field(default_factory=deque)

    @property
    def name(self) -> str:
        return self.process.name


def exit_text(returncode: int | None) -> str:
    if returncode is not None and returncode < 0:
        return f"signal {-returncode}"
    return f"code {returncode}"


class Supervisor:
    """Call :meth:`tend` periodically; it never blocks longer than a readiness probe."""

    def __init__(self, say: Say, status_file: Path) -> None:
        self._say = say
        self._status_file = status_file
        self.children: list[SupervisedChild] = []

    def watch(self, child: SupervisedChild) -> None:
        self.children.append(child)
        self._write()

    def child(self, name: str) -> SupervisedChild:
        return next(c for c in self.children if c.name == name)

    def tend(self) -> None:
        """Restart dead children; raise :class:`ChildGaveUp` when one cannot be kept up."""
        changed = False
        for child in self.children:
            changed |= self._tend(child, time.monotonic())
        if changed:
            self._write()

    def _tend(self, child: SupervisedChild, now: float) -> bool:
        process = child.process
        if child.next_start_at is None:
            if process.running:
                return child.state == RESTARTING and self._serving_again(child, now)
            self._died(child, now)
            return True
        if now < child.next_start_at:
            return False
        taken = [p for p in child.ports if not port_is_free(p[1], p[2])]
        if taken:
            child.port_wait_until = child.port_wait_until or now + PORT_GRACE_SECONDS
            if now < child.port_wait_until:
                return False
            what, host, port = taken[0]
            self._give_up(
                child, f"cannot be restarted: port {port} on {host} ({what}) is in use by "
                f"another process"
            )  # fmt: skip
        child.next_start_at = child.port_wait_until = None
        child.started_at = now
        try:
            process.start()
        except OSError as error:  # its binary or working directory went away meanwhile
            self._give_up(child, f"cannot be restarted: {error}")
        if child.after_start is not None:
            child.after_start()
        return False

    def _serving_again(self, child: SupervisedChild, now: float) -> bool:
        if child.ready is None:
            if now - child.started_at < READY_WITHOUT_PROBE_SECONDS:
                return False
        elif not child.ready():
            return False
        child.state = RUNNING
        self._say(f"{child.name} is back (restart {child.restarts})")
        return True

    def _died(self, child: SupervisedChild, now: float) -> None:
        process = child.process
        assert process.process is not None
        child.last_exit = exit_text(process.process.returncode)
        # Its own children (a worker pool's workers) would otherwise outlive it and be
        # doubled by the restart; Temporal retries whatever a killed worker was doing.
        kill_group(process.process.pid)
        while child.recent_restarts and now - child.recent_restarts[0] > CRASH_LOOP_WINDOW_SECONDS:
            child.recent_restarts.popleft()
        if len(child.recent_restarts) >= CRASH_LOOP_RESTARTS:
            self._give_up(
                child, f"keeps crashing: {len(child.recent_restarts)} restarts within "
                f"{CRASH_LOOP_WINDOW_SECONDS:.0f}s, last exit {child.last_exit}"
            )  # fmt: skip
        quick = now - child.started_at < STABLE_SECONDS
        child.quick_deaths = child.quick_deaths + 1 if quick else 0
        delay = 0.0
        if quick:
            delay = min(BACKOFF_MAX_SECONDS, BACKOFF_FIRST_SECONDS * 2 ** (child.quick_deaths - 1))
        child.restarts += 1
        child.recent_restarts.append(now)
        child.state = RESTARTING
        child.next_start_at = now + delay
        self._say(
            f"{child.name} exited ({child.last_exit}); restarting in {delay:g}s "
            f"(restart {child.restarts}); last lines of {process.log_path}: "
            f"{process.log_tail()}"
        )

    def _give_up(self, child: SupervisedChild, why: str) -> None:
        child.state = GIVEN_UP
        self._write()
        tail = child.process.log_tail()
        raise ChildGaveUp(f"{child.name} {why}; last lines of {child.process.log_path}: {tail}")

    def _write(self) -> None:
        write_status(self._status_file, {c.name: _row(c) for c in self.children})


def _row(child: SupervisedChild) -> dict[str, Any]:
    return {"state": child.state, "restarts": child.restarts, "last_exit": child.last_exit}
