"""Named timeouts and retry presets; every activity call uses one of these."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from temporalio.common import RetryPolicy

# Calls to local, fast services (OPA, Kaizen's own database): retry quickly, forever
# within the schedule-to-close budget, so a restarting OPA delays a run instead of
# failing it.
FAST_SERVICE_RETRY: Final = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=10),
)

POLICY_DECISION: Final[dict[str, Any]] = {
    "start_to_close_timeout": timedelta(seconds=10),
    "schedule_to_close_timeout": timedelta(minutes=10),
    "retry_policy": FAST_SERVICE_RETRY,
}

STORE_WRITE: Final[dict[str, Any]] = {
    "start_to_close_timeout": timedelta(seconds=15),
    "schedule_to_close_timeout": timedelta(minutes=10),
    "retry_policy": FAST_SERVICE_RETRY,
}

DIAGNOSIS: Final[dict[str, Any]] = {
    "start_to_close_timeout": timedelta(seconds=30),
    "schedule_to_close_timeout": timedelta(minutes=5),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=1),
        maximum_interval=timedelta(seconds=20),
        maximum_attempts=5,
    ),
}

# A Kubernetes action: retried on conflicts and server errors (the op-id makes a
# retry repeat nothing); refusals (RBAC, bounds, not found) are non-retryable.
KUBE_ACTION: Final[dict[str, Any]] = {
    "start_to_close_timeout": timedelta(seconds=60),
    # The activity heartbeats every second: a killed worker is noticed within 5 s.
    "heartbeat_timeout": timedelta(seconds=5),
    "schedule_to_close_timeout": timedelta(minutes=10),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(milliseconds=500),
        backoff_coefficient=2.0,
        maximum_interval=timedelta(seconds=15),
    ),
}

# One read of Prometheus and the workload; a failed read is retried a few times,
# then counts as a failed check, so a flaky Prometheus cannot stall verification.
VERIFY_CHECK: Final[dict[str, Any]] = {
    "start_to_close_timeout": timedelta(seconds=20),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=1),
        maximum_interval=timedelta(seconds=5),
        maximum_attempts=3,
    ),
}

# A Slack Web API call: rate limits are honoured inside the call (Retry-After); other
# failures are retried for a while, but a Slack outage must never hold up a run.
SLACK_CALL: Final[dict[str, Any]] = {
    "start_to_close_timeout": timedelta(seconds=60),
    "schedule_to_close_timeout": timedelta(minutes=10),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=1),
        backoff_coefficient=2.0,
        maximum_interval=timedelta(seconds=30),
    ),
}
