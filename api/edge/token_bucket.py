"""Token buckets keyed by caller, in a bounded table."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final

# Strangers choose their own addresses; the table of buckets must not grow with them.
MAX_TRACKED: Final = 10_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """``rate`` tokens a second per key, at most ``burst`` saved up.

    A key not seen for a while is dropped first when the table is full; a dropped
    key starts again with a full bucket, which errs towards letting a caller in.
    """

    def __init__(self, rate: float, burst: float, *, max_tracked: int = MAX_TRACKED) -> None:
        self.rate = rate
        self.burst = max(burst, 1.0)
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._max_tracked = max_tracked

    def take(self, key: str) -> float:
        """Spend a token; 0 when there was one, else the seconds until there is."""
        bucket = self._refilled(key)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate

    def wait(self, key: str) -> float:
        """The seconds until ``key`` has a token again, spending nothing."""
        bucket = self._refilled(key)
        return 0.0 if bucket.tokens >= 1.0 else (1.0 - bucket.tokens) / self.rate

    def _refilled(self, key: str) -> _Bucket:
        now = time.monotonic()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(tokens=self.burst, updated=now)
            self._buckets[key] = bucket
            if len(self._buckets) > self._max_tracked:
                self._buckets.popitem(last=False)
        else:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            self._buckets.move_to_end(key)
        return bucket

    def __len__(self) -> int:
        return len(self._buckets)


def retry_after(seconds: float) -> str:
    """``Retry-After`` in whole seconds, never 0 (a client must wait at least one)."""
    return str(max(1, math.ceil(seconds)))
