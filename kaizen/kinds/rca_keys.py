"""What makes an incident one incident: the key of its RCA run (``rca:<tenant>:<key>``)."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

from kaizen.catalog.playbooks import ParameterError
from kaizen.v1.rca_pb2 import RcaRequest


def _key_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dt%H%M")


def incident_key(request: RcaRequest, given: str = "") -> str:
    """``<namespace>:<service>:<id>``: the caller's id, else the alert's fingerprint and
    start, the healing run, or the window's start."""
    start = (
        request.window_start.ToDatetime(tzinfo=UTC) if request.HasField("window_start") else None
    )
    if given:
        ident = given
    elif request.alert_fingerprint:
        ident = f"alert-{request.alert_fingerprint[:16]}" + (
            f"-{_key_time(start)}" if start else ""
        )
    elif request.healing_run:
        digest = hashlib.sha256(request.healing_run.encode()).hexdigest()[:8]
        ident = f"healing-{digest}" + (f"-{_key_time(start)}" if start else "")
    elif start is not None:
        ident = f"window-{_key_time(start)}"
    else:
        raise ParameterError(
            "window_start",
            "say which incident: a time window, an alert_fingerprint or a healing_run",
        )
    return f"{request.namespace}:{request.service}:{re.sub(r'[^a-z0-9._-]', '-', ident.lower())}"
