"""Which refused Slack requests get an audit row: a sample, so strangers cannot fill the table.

Anyone can send forged or stale requests, as fast as the rate limit lets them; one
row each would let them grow the audit table without bound. Every refusal is still
counted in ``kaizen_slack_votes_total``; the audit log gets the first of each reason,
then at most one per interval, and that row says how many were left out before it.
The state is per API process (N replicas write at most N rows per reason and interval).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

SAMPLE_INTERVAL_SECONDS: Final = 60.0


@dataclass
class _ReasonWindow:
    last_row_at: float
    left_out: int = 0


class RefusalSampler:
    """Per reason: one audit row, then at most one more per ``interval_seconds``."""

    def __init__(
        self,
        *,
        interval_seconds: float = SAMPLE_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._interval = interval_seconds
        self._clock = clock
        self._windows: dict[str, _ReasonWindow] = {}
        # Handlers run on the event loop, but the sampler must not depend on that.
        self._lock = threading.Lock()

    def admit(self, reason: str) -> int | None:
        """None: count this refusal only. A number: write its row now; that many refusals
        of the same reason were left out since the previous row."""
        now = self._clock()
        with self._lock:
            window = self._windows.get(reason)
            if window is None:
                self._windows[reason] = _ReasonWindow(last_row_at=now)
                return 0
            if now - window.last_row_at < self._interval:
                window.left_out += 1
                return None
            left_out = window.left_out
            window.last_row_at, window.left_out = now, 0
            return left_out
