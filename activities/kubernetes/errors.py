"""Kubernetes API errors as Temporal errors: refusals are final, transient faults retry."""

from __future__ import annotations

import json
from typing import Final

from kubernetes.client.exceptions import ApiException
from temporalio.exceptions import ApplicationError

from activities.refusals import refusal

# Final: retrying cannot change the answer.
FINAL: Final = {
    400: "KubeBadRequest",
    403: "KubeForbidden",
    404: "KubeNotFound",
    422: "KubeInvalid",
}
# Transient: conflict (someone else changed it), throttling, server trouble.
RETRYABLE: Final = {409: "KubeConflict", 429: "KubeThrottled"}


def _reason(error: ApiException) -> str:
    try:
        body = json.loads(error.body or "{}")
    except (TypeError, ValueError):
        return str(error.reason or error)
    return str(body.get("message") or error.reason or error)


def translate(error: ApiException, doing: str) -> ApplicationError:
    status = int(error.status or 0)
    reason = _reason(error)
    if status in FINAL:
        return refusal(f"Kubernetes refused to {doing}: {reason}", type=FINAL[status])
    kind = RETRYABLE.get(status, "KubeServerError" if status >= 500 else "KubeUnavailable")
    return ApplicationError(f"Kubernetes could not {doing} (HTTP {status}): {reason}", type=kind)
