"""Alertmanager's webhook payload (version 4) and how an alert maps to a healing request.

An alert names its workload through labels, and which labels depends on the
rules that fired it, so the label names are settings. An alert that cannot be
mapped is not an error of the whole delivery: Alertmanager groups unrelated
alerts, and one bad rule must not stop the others from being healed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Final, Literal

from google.protobuf.struct_pb2 import Struct
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.schemas import K8S_NAME, SYMPTOM, RunView
from kaizen.contract.timestamps import to_timestamp
from kaizen.settings import Settings
from kaizen.v1.healing_pb2 import AlertNotice, HealingRequest

SOURCE: Final = "alertmanager"
MAX_ALERTS: Final = 1000
# Alertmanager's severities vary by team; these are the spellings seen in the wild.
SEVERITIES: Final = {
    "critical": "critical",
    "high": "high",
    "error": "high",
    "page": "high",
    "warning": "medium",
    "warn": "medium",
    "medium": "medium",
    "info": "low",
    "low": "low",
    "none": "low",
}

AlertStatus = Literal["firing", "resolved"]

# What Alertmanager sends is bounded by the rules that fired, not by us; these are far
# above what real rules produce (kube-state-metrics alerts carry ~20 labels) and keep one
# delivery from holding the API's memory or a run's input hostage.
MAX_LABELS: Final = 128
MAX_ANNOTATIONS: Final = 64
LabelName = Annotated[str, StringConstraints(max_length=256)]
LabelValue = Annotated[str, StringConstraints(max_length=4096)]
AnnotationValue = Annotated[str, StringConstraints(max_length=16 * 1024)]
Labels = Annotated[dict[LabelName, LabelValue], Field(max_length=MAX_LABELS)]
Annotations = Annotated[dict[LabelName, AnnotationValue], Field(max_length=MAX_ANNOTATIONS)]
Text = Annotated[str, StringConstraints(max_length=4096)]


class AlertmanagerAlert(BaseModel):
    """One alert of a notification."""

    # Alertmanager adds fields over time; unknown ones are ignored, not refused.
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    status: AlertStatus
    labels: Labels
    annotations: Annotations = Field(default_factory=dict)
    starts_at: datetime | None = Field(default=None, alias="startsAt")
    ends_at: datetime | None = Field(default=None, alias="endsAt")
    generator_url: Text = Field(default="", alias="generatorURL")
    fingerprint: Annotated[str, StringConstraints(max_length=128)] = ""


class AlertmanagerWebhook(BaseModel):
    """A webhook notification, payload version 4."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    version: Literal["4"] = Field(description='Payload version; only "4" is understood')
    group_key: Annotated[str, StringConstraints(max_length=16 * 1024)] = Field(
        default="", alias="groupKey"
    )
    truncated_alerts: int = Field(default=0, ge=0, le=2**31, alias="truncatedAlerts")
    status: AlertStatus
    receiver: Text = ""
    group_labels: Labels = Field(default_factory=dict, alias="groupLabels")
    common_labels: Labels = Field(default_factory=dict, alias="commonLabels")
    common_annotations: Annotations = Field(default_factory=dict, alias="commonAnnotations")
    external_url: Text = Field(default="", alias="externalURL")
    alerts: list[AlertmanagerAlert] = Field(min_length=1, max_length=MAX_ALERTS)


AlertAction = Literal["started", "joined", "backoff", "recorded", "skipped"]


class AlertResult(BaseModel):
    """What became of one alert."""

    fingerprint: str
    alertname: str
    status: AlertStatus
    action: AlertAction
    run: RunView | None = None  # type: ignore[valid-type]
    reason: str = ""


class AlertsReply(BaseModel):
    """One result per alert, in the order the alerts came."""

    results: list[AlertResult]


@dataclass(frozen=True)
class Problem:
    """Why an alert cannot be mapped: the label (as a path inside the alert) and the reason."""

    field: str
    message: str


@dataclass(frozen=True)
class MappedAlert:
    """An alert mapped to the healing run it concerns."""

    request: HealingRequest
    notice: AlertNotice


def alertname(alert: AlertmanagerAlert) -> str:
    return alert.labels.get("alertname", "")


def map_alert(
    alert: AlertmanagerAlert, settings: Settings, *, requested_by: str
) -> MappedAlert | list[Problem]:
    """The healing request and notice for ``alert``, or every reason it cannot have one."""
    labels = alert.labels
    problems: list[Problem] = []

    def named(label: str, pattern: str, what: str) -> str:
        value = labels.get(label, "")
        if not value:
            problems.append(Problem(f"labels.{label}", f"missing label {label!r}"))
        elif not re.fullmatch(pattern, value):
            problems.append(Problem(f"labels.{label}", f"{value!r} is not {what}"))
        return value

    namespace = named(settings.alert_namespace_label, K8S_NAME, "a Kubernetes name")
    workload_label = next((name for name in settings.alert_workload_labels if name in labels), None)
    if workload_label is None:
        service = ""
        problems.append(
            Problem(
                f"labels.{settings.alert_workload_labels[0]}",
                "no workload label; expected one of " + ", ".join(settings.alert_workload_labels),
            )
        )
    else:
        service = named(workload_label, K8S_NAME, "a Kubernetes name")
    symptom = named("alertname", SYMPTOM, "an alert name (letters, digits, _ . -)")
    raw_severity = named("severity", r".+", "a severity")
    severity = SEVERITIES.get(raw_severity.strip().lower())
    if raw_severity and severity is None:
        problems.append(
            Problem(
                "labels.severity",
                f"unknown severity {raw_severity!r}; expected one of {', '.join(SEVERITIES)}",
            )
        )
    if problems or severity is None:
        return problems
    request = HealingRequest(
        service=service,
        namespace=namespace,
        symptom=symptom,
        severity=f"SEVERITY_{severity.upper()}",
        requested_by=requested_by,
        source=SOURCE,
        evidence=_evidence(alert),
    )
    return MappedAlert(request=request, notice=notice_for(alert))


def notice_for(alert: AlertmanagerAlert) -> AlertNotice:
    notice = AlertNotice(
        status=alert.status,
        fingerprint=alert.fingerprint,
        alertname=alertname(alert),
        generator_url=alert.generator_url,
        source=SOURCE,
    )
    notice.labels.update(alert.labels)
    # Alertmanager sends Go's zero time (year 1) for "no end yet": that is no timestamp.
    if alert.starts_at is not None and alert.starts_at.year > 1:
        notice.starts_at.CopyFrom(to_timestamp(alert.starts_at))
    if alert.ends_at is not None and alert.ends_at.year > 1:
        notice.ends_at.CopyFrom(to_timestamp(alert.ends_at))
    return notice


def _evidence(alert: AlertmanagerAlert) -> Struct:
    evidence = Struct()
    fields: dict[str, Any] = {
        "labels": dict(alert.labels),
        "annotations": dict(alert.annotations),
        "generator_url": alert.generator_url,
        "fingerprint": alert.fingerprint,
    }
    evidence.update(fields)
    return evidence
