"""Timeouts and retries of a GASI generation's activities."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from temporalio.common import RetryPolicy

# Engine trouble (a crashed promtool, a killed worker) is retried; an unknown arena is not.
_ENGINE_RETRY: Final = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
    maximum_attempts=5,
    non_retryable_error_types=["UnknownArena"],
)

# Generating candidates is pure and quick.
GENERATE: Final[dict[str, Any]] = {
    "start_to_close_timeout": timedelta(seconds=30),
    "retry_policy": _ENGINE_RETRY,
}


def engine_phase(generation_timeout: timedelta) -> dict[str, Any]:
    """An engine-bound phase: it heartbeats every 2 s, so a killed worker is noticed within
    6 s and the phase resumes elsewhere (evaluation from the batches its last heartbeat
    carried; the SDK sends one at most every 0.8 x this timeout, so a short one loses less)."""
    return {
        "start_to_close_timeout": generation_timeout,
        "heartbeat_timeout": timedelta(seconds=6),
        "retry_policy": _ENGINE_RETRY,
    }
