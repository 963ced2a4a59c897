"""The idempotency key every side effect carries."""

from __future__ import annotations

from temporalio import activity


def operation_key() -> str:
    """Stable across retries of one activity, unique across runs that reuse a workflow id:
    the workflow id, its run id and the activity id."""
    info = activity.info()
    return f"{info.workflow_id}/{info.workflow_run_id}/{info.activity_id}"
