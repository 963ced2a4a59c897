"""Timeouts of the RCA run's activities: each evidence source has its own, so one slow
source costs the run only that source (recorded as missing), never the whole analysis."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from temporalio.common import RetryPolicy

# A source read twice at most: a second failure makes it missing, not a stalled run.
_TWICE: Final = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=5), maximum_attempts=2
)

COLLECT_RECORDS: Final[dict[str, Any]] = {
    "start_to_close_timeout": timedelta(seconds=15),
    "retry_policy": _TWICE,
}
COLLECT_METRICS: Final[dict[str, Any]] = {
    "start_to_close_timeout": timedelta(seconds=45),
    "retry_policy": _TWICE,
}
COLLECT_KUBE: Final[dict[str, Any]] = {
    "start_to_close_timeout": timedelta(seconds=30),
    "retry_policy": _TWICE,
}
COLLECT_LOGS: Final[dict[str, Any]] = {
    "start_to_close_timeout": timedelta(seconds=30),
    "retry_policy": _TWICE,
}
ANALYZE: Final[dict[str, Any]] = {
    "start_to_close_timeout": timedelta(seconds=60),
    "retry_policy": RetryPolicy(maximum_attempts=3),
}
# The LLM call has its own client timeout (KAIZEN_LLM_TIMEOUT_SECONDS) and falls back inside
# the activity; this bound only catches a wedged worker.
LLM_DRAFT: Final[dict[str, Any]] = {
    "start_to_close_timeout": timedelta(minutes=5),
    "retry_policy": RetryPolicy(maximum_attempts=2),
}
