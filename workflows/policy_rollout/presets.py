"""Named timeouts and retries of the policy rollout's activities (the shared ones are in
workflows/gates/presets.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from temporalio.common import RetryPolicy

# opa check, test, build and a scratch load: a failed check is a result, not an error;
# an error (the worker died, OPA would not start) is retried a few times.
VALIDATE: Final[dict[str, Any]] = {
    "start_to_close_timeout": timedelta(minutes=5),
    # Heartbeats come between the steps; one step may take up to the CLI's own 120 s.
    "heartbeat_timeout": timedelta(seconds=150),
    "retry_policy": RetryPolicy(initial_interval=timedelta(seconds=1), maximum_attempts=3),
}

# Recorded decisions replayed by batches of ``opa eval``, one heartbeat per path.
PREVIEW: Final[dict[str, Any]] = {
    "start_to_close_timeout": timedelta(minutes=5),
    "heartbeat_timeout": timedelta(seconds=150),
    "retry_policy": RetryPolicy(initial_interval=timedelta(seconds=1), maximum_attempts=3),
}

# Watching nodes converge: the deadline is the activity's own (it returns, converged or
# not); the heartbeat notices a dead worker within seconds, and the retry watches again.
CONVERGE_RETRY: Final = RetryPolicy(
    initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=2),
    maximum_attempts=5,
)  # fmt: skip
CONVERGE_MARGIN: Final = timedelta(seconds=30)
CONVERGE_HEARTBEAT: Final = timedelta(seconds=5)


def converge(deadline_seconds: float) -> dict[str, Any]:
    """The watch of one switch: up to its deadline, plus a margin to report."""
    return {
        "start_to_close_timeout": timedelta(seconds=deadline_seconds) + CONVERGE_MARGIN,
        "heartbeat_timeout": CONVERGE_HEARTBEAT,
        "retry_policy": CONVERGE_RETRY,
    }
