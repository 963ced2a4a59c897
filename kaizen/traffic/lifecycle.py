"""A simulated container's life and its latency, as pure functions of time and load.

Everything here depends only on its arguments, so the simulator gives the same answer
after a restart (a pod's restarts follow from its age) and tests need no clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from kaizen.traffic.table import Behaviour

BACKOFF_START_SECONDS: Final = 10.0
BACKOFF_CAP_SECONDS: Final = 300.0
"""The kubelet's restart back-off: 10 s, doubling, at most 5 minutes."""
CRASH_LOOP_BACK_OFF: Final = "CrashLoopBackOff"
_Z95: Final = 1.6448536269514722
"""The standard normal's 95th percentile."""
MAX_QUEUE_FACTOR: Final = 10.0


@dataclass(frozen=True)
class Lifecycle:
    """Where a pod's container is in its life."""

    running: bool
    restarts: int
    """Restarts so far (kube-state-metrics' ``restarts_total``)."""
    since_start: float
    """Seconds the current container has run; 0 while it waits to be restarted."""
    last_terminated: str
    """Why the last container ended (``Error``, ``OOMKilled``), or empty."""


def lifecycle(behaviour: Behaviour, uptime: float) -> Lifecycle:
    """The container of a pod ``uptime`` seconds old, under ``behaviour``.

    A crashing or leaking container runs for its run time, ends, waits out the kubelet's
    back-off (in CrashLoopBackOff) and starts again, counting a restart.
    """
    runs = [s for s in (behaviour.crash_after_seconds, behaviour.memory_climb_seconds) if s]
    if not runs:
        return Lifecycle(running=True, restarts=0, since_start=max(uptime, 0.0), last_terminated="")
    run = min(runs)
    reason = "Error" if run == behaviour.crash_after_seconds else "OOMKilled"
    left, restarts, backoff = max(uptime, 0.0), 0, BACKOFF_START_SECONDS
    while True:
        if left < run:
            return Lifecycle(True, restarts, left, reason if restarts else "")
        left -= run
        if left < backoff:
            return Lifecycle(False, restarts, 0.0, reason)
        left -= backoff
        restarts += 1
        backoff = min(backoff * 2, BACKOFF_CAP_SECONDS)


def memory_ratio(behaviour: Behaviour, at_rest: float, state: Lifecycle) -> float:
    """Working set as a share of the memory limit."""
    if behaviour.memory_climb_seconds is None:
        return at_rest
    climbed = min(state.since_start / behaviour.memory_climb_seconds, 1.0)
    return at_rest + (1.0 - at_rest) * climbed


def queue_factor(utilisation: float, saturation_from: float) -> float:
    """How much slower requests get at this CPU utilisation (1 below saturation)."""
    if utilisation <= saturation_from:
        return 1.0
    busy = min(utilisation, 1 - (1 - saturation_from) / MAX_QUEUE_FACTOR)
    return (1 - saturation_from) / (1 - busy)


@dataclass(frozen=True)
class Latency:
    """A log-normal latency through a median and a 95th percentile."""

    median: float
    p95: float

    @property
    def sigma(self) -> float:
        return math.log(self.p95 / self.median) / _Z95

    def scaled(self, factor: float) -> Latency:
        return Latency(self.median * factor, self.p95 * factor)

    def share_below(self, seconds: float) -> float:
        """The share of requests faster than ``seconds`` (a histogram bucket's ``le``)."""
        if math.isinf(seconds):
            return 1.0
        if seconds <= 0:
            return 0.0
        z = (math.log(seconds) - math.log(self.median)) / (self.sigma * math.sqrt(2))
        return 0.5 * (1 + math.erf(z))

    @property
    def mean(self) -> float:
        return self.median * math.exp(self.sigma**2 / 2)

    def quantile(self, q: float) -> float:
        """The exact quantile (tests compare Prometheus' bucketed estimate with it)."""
        z = math.sqrt(2) * _erfinv(2 * q - 1)
        return self.median * math.exp(self.sigma * z)


def _erfinv(y: float) -> float:
    # Newton's method on erf: a few steps reach double precision for |y| < 1.
    x = 0.0
    for _ in range(60):
        error = math.erf(x) - y
        if abs(error) < 1e-15:
            break
        x -= error / (2 / math.sqrt(math.pi) * math.exp(-x * x))
    return x
